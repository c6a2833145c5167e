// The consumer of lib/kafka.ts: a kafkajs group member that hands over whole batches and
// commits finished offsets together.
import type { IHeaders, Kafka } from 'kafkajs'
import type { Consumer, InRecord, KafkaOptions } from './kafka.ts'

const COMMIT_EVERY_MS = 100

// Per record read, so no entries array for the usual record without headers.
function headersOf (h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k in h) {
    const v = h[k]
    if (v === undefined || !Object.hasOwn(h, k)) continue
    const one = Array.isArray(v) ? v[v.length - 1] : v
    if (one !== undefined) out[k] = one.toString()
  }
  return out
}

export async function createConsumer (
  kafka: Kafka, groupId: string, fetch: { minBytes: number, maxWaitMs: number } | undefined,
  opts: Pick<KafkaOptions, 'logger' | 'sessionTimeoutMs'> & { explain?: (err: unknown) => unknown }
): Promise<Consumer> {
  const explain = opts.explain ?? ((err: unknown) => err)
  const sessionTimeout = opts.sessionTimeoutMs ?? 30000
  // Several beats per session, so that a member that misses one is not yet out of its group.
  const heartbeatInterval = Math.min(3000, Math.floor(sessionTimeout / 4))
  const c = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    sessionTimeout,
    heartbeatInterval,
    // An idle fetch parks at the broker this long; a stop waits for it, so keep it short.
    maxWaitTimeInMs: fetch?.maxWaitMs ?? 1000,
    minBytes: fetch?.minBytes ?? 1,
    maxBytesPerPartition: 4 * 1024 * 1024
  })
  let isJoined = false
  let crashHandler: (err: Error) => void = () => {}
  let assigned: (partitions: Record<string, number[]> | undefined) => void = () => {}
  let heardAt = 0
  c.on(c.events.HEARTBEAT, () => { heardAt = Date.now() })
  c.on(c.events.GROUP_JOIN, (e) => { isJoined = true; heardAt = Date.now(); assigned(e.payload.memberAssignment) })
  // From the moment a rebalance is known, what this member holds may already be given to another.
  c.on(c.events.REBALANCING, () => { assigned(undefined) })
  c.on(c.events.STOP, () => { isJoined = false; assigned(undefined) })
  c.on(c.events.CRASH, (e) => {
    isJoined = false
    assigned(undefined)
    // kafkajs restarts the consumer itself after a retriable crash.
    if (e.payload.restart !== true) crashHandler(explain(e.payload.error) as Error)
  })
  await c.connect()
  // Offsets of finished work, committed together at most every COMMIT_EVERY_MS: one
  // OffsetCommit for all partitions instead of one per batch, which at moderate rates
  // is a request per record. The work and its outputs are already durable when an
  // offset is queued here, so a crash in between only means a little re-processing.
  const queued = new Map<string, { topic: string, partition: number, offset: string }>()
  let timer: NodeJS.Timeout | undefined
  let committing: Promise<void> = Promise.resolve()
  const commitQueued = async (): Promise<void> => {
    timer = undefined
    if (queued.size === 0) return
    const offsets = [...queued.values()]
    queued.clear()
    committing = committing.then(() => c.commitOffsets(offsets)).catch((err: Error) => {
      // A partition moved to another member meanwhile: it re-reads a little, nothing is lost.
      opts.logger.warn(
        { err: err.message },
        'offset commit failed; the records since the last commit will be read again'
      )
    })
    await committing
  }
  return {
    async run ({ topics, fromBeginning, concurrency, onBatch }) {
      await c.subscribe({ topics, fromBeginning }).catch((err: unknown) => { throw explain(err) })
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: concurrency,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
          const records: InRecord[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key,
            value: m.value,
            headers: headersOf(m.headers),
            timestamp: Number(m.timestamp)
          }))
          const { topic, partition, highWatermark } = batch
          await onBatch({ topic, partition, highWatermark, records }, {
            commit: async (offset) => {
              // kafkajs fetches on from the last resolved offset: resolve, or it re-reads.
              resolveOffset(offset)
              queued.set(`${topic}:${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() })
              // Stopping or losing the partition: commit now, while the group still lets us.
              if (!isRunning() || isStale()) await commitQueued()
              else timer ??= setTimeout(() => { void commitQueued() }, COMMIT_EVERY_MS)
            },
            pass: (offset) => { resolveOffset(offset) },
            heartbeat,
            active: () => isRunning() && !isStale()
          })
        }
      })
    },
    joined: () => isJoined,
    onAssignment: (fn) => { assigned = fn },
    // Two beats short of the session: well before the coordinator could have given our partitions away.
    inTouch: () => isJoined && Date.now() - heardAt < sessionTimeout - 2 * heartbeatInterval,
    onCrash: (fn) => { crashHandler = fn },
    disconnect: async () => {
      clearTimeout(timer)
      await commitQueued()
      await c.disconnect()
    }
  }
}
