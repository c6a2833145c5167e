// Where a poller stopped, kept in the compacted bridge.cursors topic (key: the
// cursor's name), so a restarted or moved poller resumes exactly there; and the
// read-to-the-end that services use to rebuild a table from a compacted topic.
import { randomBytes } from 'node:crypto'
import type { InRecord, KafkaClient, OutRecord } from './kafka.ts'
import type { Serde } from './registry.ts'

export interface Cursor { name: string, position: string, updatedAt: number }

/**
 * Reads a topic from its start to the end it has now, once, with a throwaway group,
 * handing every record to `each`: how a service rebuilds a table from a compacted topic.
 */
export async function readToEnd (
  kafka: KafkaClient, topic: string, each: (r: InRecord) => Promise<void> | void
): Promise<void> {
  const admin = await kafka.admin()
  const ends = await admin.watermarks(topic)
  await admin.disconnect()
  if (ends.every((e) => e.high === e.low)) return
  const consumer = await kafka.consumer(`reader-${randomBytes(6).toString('hex')}`)
  const reached = new Map<number, boolean>(ends.map((e) => [e.partition, e.high === e.low]))
  await new Promise<void>((resolve, reject) => {
    consumer.onCrash(reject)
    void consumer.run({
      topics: [topic], fromBeginning: true, concurrency: 1,
      onBatch: async (batch, ctl) => {
        for (const r of batch.records) {
          await each(r)
          const end = ends.find((e) => e.partition === r.partition)?.high ?? 0
          if (BigInt(r.offset) + 1n >= BigInt(end)) reached.set(r.partition, true)
        }
        const last = batch.records.at(-1)
        // kafkajs fetches on from the last offset resolved: without this a topic longer than
        // one fetch is read from its first batch again and again, and never to its end. Passed,
        // not committed: this reader's group is thrown away once it is at the end.
        if (last !== undefined) ctl.pass(last.offset)
        if ([...reached.values()].every(Boolean)) resolve()
      }
    }).catch(reject)
  })
  await consumer.disconnect()
}

/** Reads the topic to its end once and answers the latest position of `name`. */
export async function readCursor (
  kafka: KafkaClient, topic: string, serde: Serde<Cursor>, name: string
): Promise<string | undefined> {
  return (await readCursors(kafka, topic, serde, (n) => n === name)).at(-1)?.position
}

/**
 * Reads the topic to its end once and answers the latest cursor of every name `wanted`
 * accepts, the one written last at the end. The order is the topic's: bridge.cursors has
 * one partition, and compaction keeps each key's latest record in place.
 */
export async function readCursors (
  kafka: KafkaClient, topic: string, serde: Serde<Cursor>, wanted: (name: string) => boolean
): Promise<Cursor[]> {
  const latest = new Map<string, Cursor>()
  await readToEnd(kafka, topic, async (r) => {
    const name = r.key?.toString()
    if (name === undefined || !wanted(name)) return
    latest.delete(name)
    if (r.value !== null) latest.set(name, { ...await serde.decode(r.value), name })
  })
  return [...latest.values()]
}

export const cursorRecord = (
  topic: string, serde: Serde<Cursor>, name: string, position: string, now = Date.now()
): OutRecord => ({ topic, key: name, value: serde.encode({ name, position, updatedAt: now }) })
