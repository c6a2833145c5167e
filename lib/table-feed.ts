// A table kept from a compacted topic: every partition read from the start (or given
// offsets) to the end the topic has when asked, then, if wanted, followed. Its group is
// a throwaway one of its own, so every instance of a service reads every partition,
// whichever of them the service's own group gives it.
import { randomBytes } from 'node:crypto'
import type { Admin, InRecord, KafkaClient, Offsets } from './kafka.ts'

export interface TableFeedOptions {
  kafka: KafkaClient
  topic: string
  /** A prefix the service may use (its name, for the ACLs); a random tail makes it throwaway. */
  group: string
  /** Where to start per partition; by default the beginning. */
  from?: (admin: Admin) => Promise<Offsets[]>
  each: (r: InRecord) => Promise<void> | void
  /** After the end is reached, keep reading; otherwise stop there. */
  follow: boolean
  /** How long a fetch waits for company (lib/kafka.ts consumer); by default it answers at once. */
  fetch?: { minBytes: number, maxWaitMs: number }
  /** A crash while following; one while loading rejects the call instead. */
  onCrash: (err: Error) => void
}

/** Resolves once the end the topic had when called is read; answers how to stop. */
export async function tableFeed (o: TableFeedOptions): Promise<() => Promise<void>> {
  const group = `${o.group}-${randomBytes(6).toString('hex')}`
  const admin = await o.kafka.admin()
  const ends = await admin.watermarks(o.topic)
  const from = o.from === undefined ? undefined : await o.from(admin)
  if (from !== undefined) await admin.setGroupOffsets(group, o.topic, from)
  await admin.disconnect()
  const start = new Map(from?.map((f) => [f.partition, BigInt(f.offset)]))
  const behind = new Map(ends
    .filter((e) => e.high !== e.low && (start.get(e.partition) ?? BigInt(e.low)) < BigInt(e.high))
    .map((e) => [e.partition, BigInt(e.high)]))
  if (!o.follow && behind.size === 0) return async () => {}
  const consumer = await o.kafka.consumer(group, o.fetch)
  let loaded = false
  await new Promise<void>((resolve, reject) => {
    const done = (): void => { loaded = true; resolve() }
    const crashed = (err: Error): void => { if (loaded) o.onCrash(err); else reject(err) }
    consumer.onCrash(crashed)
    void consumer.run({
      topics: [o.topic], fromBeginning: from === undefined, concurrency: Math.max(1, ends.length),
      onBatch: async (batch, ctl) => {
        for (const r of batch.records) await o.each(r)
        const last = batch.records.at(-1)
        if (last === undefined) return
        // kafkajs fetches on from the last offset resolved: without this it reads the batch again.
        await ctl.commit(last.offset)
        const end = behind.get(batch.partition)
        if (end !== undefined && BigInt(last.offset) + 1n >= end) behind.delete(batch.partition)
        if (!loaded && behind.size === 0) done()
      }
    }).catch(crashed)
    if (behind.size === 0) done()
  }).catch(async (err: unknown) => {
    await consumer.disconnect().catch(() => {})
    throw err
  })
  if (!o.follow) { await consumer.disconnect(); return async () => {} }
  return () => consumer.disconnect()
}
