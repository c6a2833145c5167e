// Where a poller stopped, kept in the compacted bridge.cursors topic (key: the
// cursor's name), so a restarted or moved poller resumes exactly there.
import { randomBytes } from 'node:crypto'
import type { KafkaClient, OutRecord } from './kafka.ts'
import type { Serde } from './registry.ts'

export interface Cursor { name: string, position: string, updatedAt: number }

/** Reads the topic to its end once and answers the latest position of `name`. */
export async function readCursor (kafka: KafkaClient, topic: string, serde: Serde<Cursor>, name: string): Promise<string | undefined> {
  const admin = await kafka.admin()
  const ends = await admin.watermarks(topic)
  await admin.disconnect()
  if (ends.every((e) => e.high === e.low)) return undefined
  const consumer = await kafka.consumer(`cursor-reader-${randomBytes(6).toString('hex')}`)
  let position: string | undefined
  const reached = new Map<number, boolean>(ends.map((e) => [e.partition, e.high === e.low]))
  await new Promise<void>((resolve, reject) => {
    consumer.onCrash(reject)
    void consumer.run({
      topics: [topic], fromBeginning: true, concurrency: 1,
      onBatch: async (batch) => {
        for (const r of batch.records) {
          if (r.key?.toString() === name && r.value !== null) position = (await serde.decode(r.value)).position
          if (BigInt(r.offset) + 1n >= BigInt(ends.find((e) => e.partition === r.partition)?.high ?? 0)) reached.set(r.partition, true)
        }
        if ([...reached.values()].every(Boolean)) resolve()
      }
    }).catch(reject)
  })
  await consumer.disconnect()
  return position
}

export const cursorRecord = (topic: string, serde: Serde<Cursor>, name: string, position: string, now = Date.now()): OutRecord =>
  ({ topic, key: name, value: serde.encode({ name, position, updatedAt: now }) })
