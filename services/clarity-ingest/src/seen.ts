// The webhook event ids clarity-ingest has taken, as every instance and a restarted one
// see them. Each id goes to bridge.webhooks-seen once the record it was taken for is
// written (events.ts says why not in the same send); each instance reads the topic to
// its end before it judges a webhook, then follows it. In memory, ids are bounded by time
// (the topic's retention) and by count.
import { randomBytes } from 'node:crypto'
import type { InRecord, KafkaClient, OutRecord } from '../../../lib/kafka.ts'
import type { Logger } from '../../../lib/logger.ts'
import type { Serde } from '../../../lib/registry.ts'

export interface WebhookSeen { eventId: string, eventType: string, entityId: number, acceptedAt: number }

export interface SeenOptions {
  kafka: KafkaClient
  topic: string
  serde: Serde<WebhookSeen>
  /**
   * The follower's consumer group starts with this; each start gets a group of its own, so
   * each instance reads every partition.
   */
  group: string
  windowMs: number
  max: number
  logger: Logger
}

export type SeenIds = ReturnType<typeof seenIds>

export function seenIds (o: SeenOptions) {
  // Insertion order is about acceptance order, so the oldest are at the front.
  const ids = new Map<string, number>()
  let warned = false

  function remember (id: string, at: number, now: number): void {
    if (at < now - o.windowMs) return
    const had = ids.get(id)
    if (had !== undefined && had >= now - o.windowMs) return
    ids.delete(id)
    ids.set(id, at)
    for (const [first, firstAt] of ids) {
      const expired = firstAt < now - o.windowMs
      if (!expired && ids.size <= o.max) break
      if (!expired && !warned) {
        warned = true
        o.logger.warn({ max: o.max, windowMs: o.windowMs },
          'seen webhook ids at their limit: the oldest are forgotten before the window ends')
      }
      ids.delete(first)
    }
  }

  // Key and record time are all it takes: no decode, so a start reads days of ids quickly.
  function take (r: InRecord, now: number): void {
    const id = r.key?.toString()
    if (id === undefined) return
    if (r.value === null) ids.delete(id)
    else remember(id, r.timestamp, now)
  }

  return {
    has (id: string): boolean {
      const at = ids.get(id)
      return at !== undefined && at >= Date.now() - o.windowMs
    },
    add (id: string): void { remember(id, Date.now(), Date.now()) },
    size: (): number => ids.size,
    record: (eventId: string, eventType: string, entityId: number, acceptedAt = Date.now()): OutRecord => ({
      topic: o.topic, key: eventId, value: o.serde.encode({ eventId, eventType, entityId, acceptedAt }),
      timestamp: acceptedAt
    }),

    /**
     * Reads the topic from its start; resolves once it reached the end the topic had when
     * called, and goes on following it. Answers how to stop following.
     */
    async follow (onCrash: (err: Error) => void): Promise<() => Promise<void>> {
      const admin = await o.kafka.admin()
      const ends = await admin.watermarks(o.topic)
      await admin.disconnect()
      const behind = new Map(ends.filter((e) => e.high !== e.low).map((e) => [e.partition, BigInt(e.high)]))
      // Fetches that wait for a few hundred ids or a quarter of a second: one answer per id
      // would cost every instance a wake-up per order taken anywhere.
      const consumer = await o.kafka.consumer(`${o.group}-${randomBytes(6).toString('hex')}`, {
        minBytes: 16 * 1024, maxWaitMs: 250
      })
      let loaded = false
      await new Promise<void>((resolve, reject) => {
        const done = (): void => { loaded = true; resolve() }
        consumer.onCrash((err) => { if (loaded) onCrash(err); else reject(err) })
        void consumer.run({
          topics: [o.topic], fromBeginning: true, concurrency: Math.max(1, ends.length),
          onBatch: async (batch, ctl) => {
            const now = Date.now()
            for (const r of batch.records) take(r, now)
            const last = batch.records.at(-1)
            if (last === undefined) return
            // kafkajs fetches on from the last offset resolved: without this it reads the batch again.
            await ctl.commit(last.offset)
            const end = behind.get(batch.partition)
            if (end !== undefined && BigInt(last.offset) + 1n >= end) behind.delete(batch.partition)
            if (!loaded && behind.size === 0) done()
          }
        }).catch((err: Error) => { if (loaded) onCrash(err); else reject(err) })
        if (behind.size === 0) done()
      })
      return () => consumer.disconnect()
    }
  }
}
