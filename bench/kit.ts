// The kit's consumer loop (Avro decode → identity → Avro encode, produce, commit)
// against raw kafkajs passthrough of the same bytes, on the same broker in one run.
import kafkajs from 'kafkajs'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadCliConfig } from '../cli/config.ts'
import { startKafka, startRegistry, projectRoot } from '../infra/embedded.ts'
import { runLoop } from '../lib/consumer-loop.ts'
import { createKafka } from '../lib/kafka.ts'
import { createLogger } from '../lib/logger.ts'
import { createMetrics } from '../lib/metrics.ts'
import { createRegistry, createSerde } from '../lib/registry.ts'
import { readSchema } from '../lib/service.ts'
import { topics as declared } from '../topology/topology.ts'

const N = Number(process.env.BENCH_MESSAGES ?? 200000)
const PARTITIONS = 3

export async function run (): Promise<void> {
  const c = loadCliConfig()
  if (!c.externalKafka) await startKafka(c.infra)
  if (!c.externalRegistry) await startRegistry(c.infra)
  const logger = createLogger('bench', 'warn')
  const kafka = createKafka({ brokers: c.brokers, clientId: 'bench', logger })
  const admin = await kafka.admin()
  const id = Date.now().toString(36)
  const src = `bench.kit.${id}.src`
  const srcSimple = `bench.kit.${id}.simple`
  const [outRaw, outKit, outSimple] = [`bench.kit.${id}.raw`, `bench.kit.${id}.kit`, `bench.kit.${id}.kit-simple`]
  const all = [src, srcSimple, outRaw, outKit, outSimple, `${src}.dlq`, `${srcSimple}.dlq`]
  await admin.createTopics(all.map((name) => ({ name, partitions: PARTITIONS, configs: {} })))

  // ~1 KB orders: the fixture with a few more lines.
  const registry = createRegistry(c.registryUrl)
  const serde = await createSerde<Record<string, unknown>>(registry, `${src}-value`, readSchema(declared.ordersRaw))
  const fixture = JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/orders.raw/eur-coupon.json'), 'utf8')) as { order: { SalesItems: object[] } }
  const item = fixture.order.SalesItems[0]!
  fixture.order.SalesItems = Array.from({ length: 5 }, (_, i) => ({ ...item, ID: i + 1 }))
  const sample = serde.encode(fixture)
  // The same size with a plain shape: what the loop itself costs, apart from Avro work.
  const simpleSerde = await createSerde<Record<string, unknown>>(registry, `${srcSimple}-value`, readSchema(declared.cursors))
  const simple = simpleSerde.encode({ name: 'bench', position: 'x'.repeat(sample.length - 20), updatedAt: Date.now() })
  process.stdout.write(`bench kit: ${N} messages per run, ${PARTITIONS} partitions, Kafka at ${c.brokers.join(',')}\n`)
  process.stdout.write(`  order record ${sample.length} bytes (orders.raw, 5 lines, 29 decimals); simple record ${simple.length} bytes (one string)\n`)

  const producer = await kafka.producer()
  for (let i = 0; i < N; i += 5000) {
    await producer.send(Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({ topic: src, key: String(i + j), value: sample })))
    await producer.send(Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({ topic: srcSimple, key: String(i + j), value: simple })))
  }

  const total = async (topic: string): Promise<number> =>
    (await admin.watermarks(topic)).reduce((n, m) => n + Number(m.high), 0)
  async function measure (label: string, outTopic: string, start: () => Promise<() => Promise<void>>): Promise<number> {
    let first = 0
    const stop = await start()
    while (await total(outTopic) < 1) await new Promise((r) => setTimeout(r, 20))
    first = performance.now()
    const base = await total(outTopic)
    while (await total(outTopic) < N) await new Promise((r) => setTimeout(r, 50))
    const rate = (N - base) / ((performance.now() - first) / 1000)
    await stop()
    process.stdout.write(`  ${label.padEnd(44)} ${Math.round(rate).toLocaleString('en-US').padStart(9)} msg/s\n`)
    return rate
  }

  // (a) raw kafkajs: the same bytes passed through, one send and one commit per batch.
  const raw = await measure('(a) raw kafkajs passthrough', outRaw, async () => {
    const k = new kafkajs.Kafka({ clientId: 'bench-raw', brokers: c.brokers, logLevel: kafkajs.logLevel.NOTHING })
    const p = k.producer({ idempotent: true, maxInFlightRequests: 1 })
    const cons = k.consumer({ groupId: `bench-raw-${id}`, maxWaitTimeInMs: 1000 })
    await p.connect()
    await cons.connect()
    await cons.subscribe({ topics: [src], fromBeginning: true })
    await cons.run({
      autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: PARTITIONS,
      eachBatch: async ({ batch, resolveOffset }) => {
        await p.sendBatch({ acks: -1, topicMessages: [{ topic: outRaw, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) }] })
        const last = batch.messages.at(-1)
        if (last === undefined) return
        resolveOffset(last.offset)
        await cons.commitOffsets([{ topic: src, partition: batch.partition, offset: String(Number(last.offset) + 1) }])
      }
    })
    return async () => { await cons.disconnect(); await p.disconnect() }
  })

  // (b) the kit's loop: decode → identity → encode, produce, commit.
  let registryCalls = 0
  const kitRun = (label: string, from: string, to: string, reader: typeof serde) => measure(label, to, async () => {
    const out = await createSerde<Record<string, unknown>>(registry, `${to}-value`, readSchema(from === src ? declared.ordersRaw : declared.cursors))
    const consumer = await kafka.consumer(`bench-kit-${to}`)
    const before = registry.requests()
    void runLoop({
      service: 'bench-kit', consumer, producer, topics: [from], logger, metrics: createMetrics('bench'),
      concurrency: PARTITIONS, fromBeginning: true, onFatal: (err) => { throw err },
      handle: async (rec) => [{ topic: to, key: rec.key, value: out.encode(await reader.decode(rec.value!)) }]
    })
    return async () => {
      registryCalls += registry.requests() - before
      await consumer.disconnect()
    }
  })
  const kitSimple = await kitRun('(b) kit loop, simple ~1 KB record', srcSimple, outSimple, simpleSerde)
  const kitOrder = await kitRun('(b) kit loop, order record', src, outKit, serde)

  process.stdout.write(`  ratio (b)/(a), simple record                  ${(kitSimple / raw).toFixed(2)}   (target ≥ 0.80)\n`)
  process.stdout.write(`  ratio (b)/(a), order record                   ${(kitOrder / raw).toFixed(2)}   (Avro work on ~100 fields dominates)\n`)
  process.stdout.write(`  registry requests while measuring (b)         ${registryCalls}      (target 0)\n`)
  await admin.deleteTopics(all)
  await producer.disconnect()
  await admin.disconnect()
}
