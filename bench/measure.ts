// Throughput of topic → topic passes on the same broker, for the benchmarks:
// raw kafkajs passthrough (the baseline) and the kit's consumer loop with a handler.
import type KafkaJS from 'kafkajs'
import { kafkajs as fixedKafkajs, stock } from '../patches/kafkajs.ts'
import { runLoop, type Handler, type LoopOptions } from '../lib/consumer-loop.ts'
import type { KafkaClient, Producer } from '../lib/kafka.ts'
import type { Logger } from '../lib/logger.ts'
import { createMetrics, type Metrics } from '../lib/metrics.ts'

export interface Ctx {
  kafka: KafkaClient, brokers: string[], producer: Producer, logger: Logger, total: (topic: string) => Promise<number>,
  n: number, partitions: number
}

async function rate (ctx: Ctx, outTopic: string, start: () => Promise<() => Promise<void>>): Promise<number> {
  // From what the topic already holds: rounds may write to the same topic.
  const before = await ctx.total(outTopic)
  const stop = await start()
  while (await ctx.total(outTopic) <= before) await new Promise((resolve) => setTimeout(resolve, 20))
  const first = performance.now()
  const base = await ctx.total(outTopic)
  while (await ctx.total(outTopic) < before + ctx.n) await new Promise((resolve) => setTimeout(resolve, 50))
  const perSec = (before + ctx.n - base) / ((performance.now() - first) / 1000)
  await stop()
  return perSec
}

/** kafkajs as published (a copy of its own) and as patches/kafkajs.ts fixes it. */
export const kafkajsBuilds = { stock: stock<typeof KafkaJS>(), fixed: fixedKafkajs }

/**
 * Raw kafkajs (as published, or with the kit's fixes): the same bytes passed through, one
 * send and one commit per batch.
 */
export const rawPassthrough = (
  ctx: Ctx, src: string, out: string, group: string, kafkajs = kafkajsBuilds.stock
): Promise<number> => rate(ctx, out, async () => {
  const k = new kafkajs.Kafka({ clientId: group, brokers: ctx.brokers, logLevel: kafkajs.logLevel.NOTHING })
  const p = k.producer({
    idempotent: true, maxInFlightRequests: 1, createPartitioner: kafkajs.Partitioners.DefaultPartitioner
  })
  const cons = k.consumer({ groupId: group, maxWaitTimeInMs: 1000 })
  await p.connect()
  await cons.connect()
  await cons.subscribe({ topics: [src], fromBeginning: true })
  await cons.run({
    autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: ctx.partitions,
    eachBatch: async ({ batch, resolveOffset }) => {
      await p.sendBatch({
        acks: -1, topicMessages: [{ topic: out, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) }]
      })
      const last = batch.messages.at(-1)
      if (last === undefined) return
      resolveOffset(last.offset)
      await cons.commitOffsets([{ topic: src, partition: batch.partition, offset: String(Number(last.offset) + 1) }])
    }
  })
  return async () => { await cons.disconnect(); await p.disconnect() }
})

// One set of metrics for every round, as one service has: each set starts its own
// default collectors (a GC observer, an event-loop monitor), which would pile up.
let metrics: Metrics | undefined

/** The kit's loop with a record handler or a batch handler, producing to `out`. */
export const kitLoop = (ctx: Ctx, src: string, out: string, group: string, h: Handler | Pick<LoopOptions, 'handleBatch' | 'batchSize'>): Promise<number> => rate(ctx, out, async () => {
  const consumer = await ctx.kafka.consumer(group)
  void runLoop({
    service: group, consumer, producer: ctx.producer, topics: [src], logger: ctx.logger, metrics: metrics ??= createMetrics('bench'),
    concurrency: ctx.partitions, fromBeginning: true, onFatal: (err) => { throw err }, ...(typeof h === 'function' ? { handle: h } : h)
  })
  return async () => { await consumer.disconnect() }
})

/**
 * This machine's speed drifts from minute to minute: each measurement runs once per
 * round, alternating, after a first round that warms everything up; the medians count.
 */
export async function alternating (
  rounds: number, runs: Array<(round: number) => Promise<number>>
): Promise<{ medians: number[], all: number[][] }> {
  const all: number[][] = runs.map(() => [])
  for (let r = 0; r <= rounds; r++) {
    for (const [i, run] of runs.entries()) {
      const v = await run(r)
      if (r > 0) all[i]!.push(v)
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  return { medians: all.map(median), all }
}
