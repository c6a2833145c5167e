// One writer per feed, whatever the number of instances: a feed is polled only by the
// member of its lease group that holds the one partition of bridge.cursors, the topic its
// cursor is written to. Every other instance stands by; when the holder dies, Kafka gives
// the partition to a standby within the session timeout, and that one reads the cursor
// and carries on. A holder stops as soon as it learns of a rebalance, before the partition
// can be given to another, and a send it had not begun then is not made (`held`).
import { hostname } from 'node:os'
import { Counter } from 'prom-client'
import type { Kit } from './service.ts'

/** The header every record of a leased feed carries: which holder wrote it (writer id). */
export const WRITER_HEADER = 'bridge-writer'

export interface Holding {
  /** This holding's writer id: the instance and when it took the lease. */
  writer: string
  /** False from the moment the lease may have passed to another instance. */
  held: () => boolean
}

export interface LeaseStatus {
  /** holding: this instance polls the feed; standby: another does, or none yet. */
  role: 'holding' | 'standby'
  writer: string | null
  /** When this instance last took the lease (ISO), or null. */
  since: string | null
}

export interface LeaseOptions {
  kit: Kit
  /** The lease's consumer group: `<service>-lease-<feed>`, so the service's group ACL covers it. */
  group: string
  /** The one-partition topic the lease is a partition of. */
  topic: string
  /** Starts the feed for one holding; what it answers is stopped when the holding ends. */
  start: (h: Holding) => Promise<{ stop: () => Promise<void> }>
}

/** A feed's lease group: named after the service, so the service's group ACL covers it. */
export const leaseGroup = (service: string, feed: string): string => `${service}-lease-${feed}`

export const instanceId = (): string => `${hostname()}/${process.pid}`

function handedCounter (kit: Kit): Counter<'lease'> {
  const name = 'bridge_lease_records_total'
  return kit.metrics.registry.getSingleMetric(name) as Counter<'lease'> | undefined ?? new Counter({
    name,
    help: 'Records of the cursors topic a lease\'s member was handed: about the cursors written since it joined; ' +
      'many more, and it is handed the same again',
    labelNames: ['lease'],
    registers: [kit.metrics.registry]
  })
}

export async function startLease (o: LeaseOptions): Promise<{ status: () => LeaseStatus, stop: () => Promise<void> }> {
  const { kit } = o
  const handed = handedCounter(kit)
  handed.inc({ lease: o.group }, 0)
  const consumer = await kit.kafka.consumer(o.group, { minBytes: 1, maxWaitMs: 1000 })
  let holding: { writer: string, since: number, held: boolean } | undefined
  let running: { stop: () => Promise<void> } | undefined
  // Takes and losses in the order they happened: a feed never starts before the last one stopped.
  let chain: Promise<void> = Promise.resolve()
  const then = (step: () => Promise<void>): void => {
    chain = chain.then(step).catch((err: unknown) => {
      void kit.lifecycle.stop(1, `lease ${o.group}: ${(err as Error).message}`)
    })
  }
  const lose = (): void => {
    if (holding === undefined) return
    holding.held = false
    kit.logger.info({ lease: o.group, writer: holding.writer }, 'lease lost: this instance stops polling the feed')
    holding = undefined
    then(async () => { await running?.stop(); running = undefined })
  }
  consumer.onAssignment((partitions) => {
    const mine = (partitions?.[o.topic] ?? []).length > 0
    if (!mine) { lose(); return }
    if (holding !== undefined) return
    const h = { writer: `${instanceId()}/${Date.now()}`, since: Date.now(), held: true }
    holding = h
    kit.logger.info({ lease: o.group, writer: h.writer }, 'lease taken: this instance polls the feed')
    then(async () => {
      if (!h.held) return
      running = await o.start({ writer: h.writer, held: () => h.held && consumer.inTouch() })
    })
  })
  consumer.onCrash((err) => { void kit.lifecycle.stop(1, `lease ${o.group}: consumer crashed: ${err.message}`) })
  // Only membership matters: the records of the topic are the feeds' cursors, read elsewhere.
  // Each batch is still passed: kafkajs fetches again from the last offset resolved, so a
  // batch left alone is fetched again at once, every record the feeds wrote since the join,
  // in a loop that grows with them. Passed, not committed: a position nobody reads would
  // only add a write to the offsets topic per cursor written.
  void consumer.run({
    topics: [o.topic], fromBeginning: false, concurrency: 1,
    onBatch: async (batch, ctl) => {
      handed.inc({ lease: o.group }, batch.records.length)
      const last = batch.records.at(-1)
      if (last !== undefined) ctl.pass(last.offset)
    }
  })
    .catch((err: unknown) => { void kit.lifecycle.stop(1, `lease ${o.group}: ${(err as Error).message}`) })
  const stop = async (): Promise<void> => {
    lose()
    await chain
    await consumer.disconnect()
  }
  kit.lifecycle.onStop(`lease ${o.group}`, stop)
  return {
    status: () => ({
      role: holding === undefined ? 'standby' : 'holding',
      writer: holding?.writer ?? null,
      since: holding === undefined ? null : new Date(holding.since).toISOString()
    }),
    stop
  }
}

/**
 * The writers of one partition of a leased feed's topic, in offset order, make runs: a
 * writer whose run ended (another wrote after it) never writes again, or two wrote at
 * once. Answers the first writer seen again after it was superseded, if any.
 */
export function writerSeenAgain (writers: Array<string | undefined>): string | undefined {
  const done = new Set<string>()
  let current: string | undefined
  for (const w of writers) {
    if (w === undefined || w === current) continue
    if (done.has(w)) return w
    if (current !== undefined) done.add(current)
    current = w
  }
  return undefined
}
