// The one consumer loop. At least once: a record's offset is committed only after
// its work is done and everything it produced is acknowledged by the broker.
//   poison    → original key, value and headers to <topic>.dlq with the reason, then move on
//   retriable → back off with jitter and retry the same record; the partition waits, so
//               order per key holds, and nothing is dead-lettered
//   fatal     → the loop rejects; the caller stops the process
import type { Batch, BatchControl, Consumer, InRecord, OutRecord, Producer } from './kafka.ts'
import { classify, type BridgeError } from './errors.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'

export const dlqTopic = (topic: string): string => `${topic}.dlq`

export const DLQ_HEADERS = {
  topic: 'dlq.source.topic',
  partition: 'dlq.source.partition',
  offset: 'dlq.source.offset',
  service: 'dlq.service',
  code: 'dlq.error.code',
  message: 'dlq.error.message',
  time: 'dlq.time'
} as const

/** Outputs of a long batch are sent once this many are waiting, without waiting for them. */
const SEND_AHEAD = 100

export type Handler = (record: InRecord) => Promise<OutRecord[] | undefined>
/**
 * Handles up to `batchSize` records of one partition at once, in offset order (sinks
 * that write in bulk). It may refuse some records as poison and keep the rest; a thrown
 * error applies to the whole chunk: retriable retries it, poison dead-letters all of it.
 */
export type BatchHandler = (records: InRecord[]) => Promise<BatchResult | undefined>
export interface BatchResult { out?: OutRecord[], rejected?: Array<{ record: InRecord, error: BridgeError }> }

/**
 * A record handler run over a chunk with up to `width` keys at once: one key's records
 * stay in order, different keys overlap, so a sink waiting on an external system's round
 * trips is not limited to one call per partition at a time. Outputs come back in offset
 * order. When a record fails retriably the chunk is thrown back to the loop (which backs
 * off as usual) and the records already finished are not run again on the retry.
 */
export function byKey (handle: Handler, width: number): BatchHandler {
  type Result = { out: OutRecord[] } | { error: BridgeError }
  const finished = new Map<string, Result>()
  const id = (r: InRecord): string => `${r.topic}:${r.partition}:${r.offset}`
  const assemble = (records: InRecord[], results: Result[]): BatchResult => {
    const result: BatchResult = { out: [], rejected: [] }
    for (const [i, f] of results.entries()) {
      if ('error' in f) result.rejected!.push({ record: records[i]!, error: f.error })
      else for (const o of f.out) result.out!.push(o)
    }
    return result
  }
  // One at a time (the worker threads' pure handlers): records in offset order, nothing
  // to group, and the finished ones are only remembered when a record fails part-way.
  if (width === 1) {
    return async (records) => {
      const results: Result[] = []
      for (const r of records) {
        const done = finished.size > 0 ? finished.get(id(r)) : undefined
        if (done !== undefined) { finished.delete(id(r)); results.push(done); continue }
        try {
          results.push({ out: (await handle(r)) ?? [] })
        } catch (raw) {
          const e = classify(raw)
          if (e.kind === 'poison') { results.push({ error: e }); continue }
          if (finished.size > 100000) finished.clear()
          for (const [i, f] of results.entries()) finished.set(id(records[i]!), f)
          throw raw
        }
      }
      return assemble(records, results)
    }
  }
  return async (records) => {
    const groups = new Map<string, InRecord[]>()
    for (const r of records) {
      const k = r.key === null ? id(r) : r.key.toString('latin1')
      const g = groups.get(k)
      if (g === undefined) groups.set(k, [r])
      else g.push(r)
    }
    const queue = [...groups.values()]
    let failure: unknown
    await Promise.all(Array.from({ length: Math.min(width, queue.length) }, async () => {
      for (let g = queue.shift(); g !== undefined && failure === undefined; g = queue.shift()) {
        for (const r of g) {
          if (finished.has(id(r))) continue
          try {
            finished.set(id(r), { out: (await handle(r)) ?? [] })
          } catch (raw) {
            const e = classify(raw)
            if (e.kind === 'poison') { finished.set(id(r), { error: e }); continue }
            failure ??= raw
            return
          }
        }
      }
    }))
    if (failure !== undefined) {
      // A chunk abandoned for good (its partition moved away) must not pin memory.
      if (finished.size > 100000) finished.clear()
      throw failure
    }
    const results: Result[] = []
    const kept: InRecord[] = []
    for (const r of records) {
      const f = finished.get(id(r))
      finished.delete(id(r))
      if (f !== undefined) { results.push(f); kept.push(r) }
    }
    return assemble(kept, results)
  }
}

export interface LoopOptions {
  service: string
  consumer: Consumer
  producer: Producer
  topics: string[]
  /** One of handle (record by record) or handleBatch. */
  handle?: Handler
  handleBatch?: BatchHandler
  batchSize?: number
  logger: Logger
  metrics: Metrics
  fromBeginning?: boolean
  concurrency?: number
  backoff?: { initialMs: number, maxMs: number }
  /** Within a long batch, flush outputs and commit at least this often (ms). */
  flushEveryMs?: number
  now?: () => number
  /** Called once with the first fatal error; the caller stops the process. */
  onFatal: (err: BridgeError) => void
}

/** Per topic, not per record: a labelled increment costs about as much as a small record. */
function countOut (metrics: Metrics, out: OutRecord[]): void {
  let topic = out[0]!.topic
  let n = 0
  for (const r of out) {
    if (r.topic !== topic) { metrics.messagesOut.inc({ topic }, n); topic = r.topic; n = 0 }
    n++
  }
  metrics.messagesOut.inc({ topic }, n)
}

/**
 * Something that never was in Kafka (a webhook body, a row of a change feed) as a dead
 * letter takes it: no partition, no offset.
 */
export const fromOutside = (topic: string, value: Buffer, headers: Record<string, string> = {}): InRecord =>
  ({ topic, partition: -1, offset: '-1', key: null, value, headers, timestamp: Date.now() })

export function deadLetter (record: InRecord, service: string, err: BridgeError, now: number): OutRecord {
  return {
    topic: dlqTopic(record.topic),
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [DLQ_HEADERS.topic]: record.topic,
      [DLQ_HEADERS.partition]: String(record.partition),
      [DLQ_HEADERS.offset]: record.offset,
      [DLQ_HEADERS.service]: service,
      [DLQ_HEADERS.code]: String(err.code),
      [DLQ_HEADERS.message]: err.message.slice(0, 4000),
      [DLQ_HEADERS.time]: new Date(now).toISOString()
    }
  }
}

/** Who dead-letters: the service named in the record's headers, where the warning and the count go. */
export interface DeadLetterer { service: string, logger: Logger, metrics: Metrics }

/**
 * The one way a poison record goes to its dead-letter topic: the record to produce, with
 * the reason's headers, counted in bridge_dead_lettered_total{topic,code} and said in a
 * warning with the code and the reason; never the payload, which may be personal data.
 */
export function deadLettered (
  record: InRecord, err: BridgeError, by: DeadLetterer, said: string,
  fields: Record<string, unknown> = {}, now = Date.now()
): OutRecord {
  by.metrics.deadLettered.inc({ topic: record.topic, code: err.code })
  by.logger.warn({ ...fields, code: err.code, reason: err.message }, said)
  return deadLetter(record, by.service, err, now)
}

/** Exponential backoff with full jitter, capped; a server's Retry-After wins when longer. */
export function backoffMs (
  attempt: number, b: { initialMs: number, maxMs: number }, retryAfterMs = 0, rand = Math.random
): number {
  const ceiling = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 20))
  return Math.max(retryAfterMs, Math.round(ceiling / 2 + rand() * ceiling / 2))
}

/** What the loop runs a chunk with: handleBatch over up to batchSize records, or handle over one. */
function chunkHandler (o: LoopOptions): { run: BatchHandler, size: number } {
  const handle = o.handle
  if ((handle === undefined) === (o.handleBatch === undefined)) {
    throw new Error('runLoop takes exactly one of handle and handleBatch')
  }
  const size = o.handleBatch === undefined ? 1 : Math.max(1, o.batchSize ?? 500)
  const run: BatchHandler = o.handleBatch ?? (async (records) => ({ out: await handle!(records[0]!) }))
  return { run, size }
}

/** Waits ms, heartbeating; false once the consumer is stopping or the partition was revoked. */
async function wait (ms: number, ctl: BatchControl, now: () => number): Promise<boolean> {
  const until = now() + ms
  while (now() < until) {
    if (!ctl.active()) return false
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, until - now())))
    await ctl.heartbeat()
  }
  return ctl.active()
}

interface BatchOutputs {
  /** Outputs to send before the next commit. */
  add: (records: OutRecord[]) => void
  /** The records up to offset are done, to be committed at the next flush. */
  done: (offset: string) => void
  /** Starts sending the waiting outputs once there are SEND_AHEAD of them. */
  sendAhead: () => void
  /** Sends every waiting output, then commits what is done. */
  flush: () => Promise<void>
  /** When the last flush ended, by now(). */
  lastFlush: () => number
}

/**
 * A batch's outputs and progress. Outputs go out while the next chunk is worked on; the
 * producer keeps their order, and nothing is committed before every send up to it is
 * acknowledged.
 */
function batchOutputs (o: LoopOptions, batch: Batch, ctl: BatchControl, now: () => number): BatchOutputs {
  let pending: OutRecord[] = []
  let done: string | undefined
  let lastFlush = now()
  let sending: Promise<void> = Promise.resolve()

  function startSend (): void {
    if (pending.length === 0) return
    const out = pending
    pending = []
    sending = sending.then(async () => {
      await o.producer.send(out)
      countOut(o.metrics, out)
    })
    // A failed send is thrown at the next flush; until then it must not count as unhandled.
    sending.catch(() => {})
  }

  async function flush (): Promise<void> {
    startSend()
    await sending
    if (done !== undefined) {
      await ctl.commit(done)
      const lag = Math.max(0, Number(batch.highWatermark) - Number(done) - 1)
      o.metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, lag)
    }
    done = undefined
    lastFlush = now()
  }

  return {
    add: (records) => { pending.push(...records) },
    done: (offset) => { done = offset },
    sendAhead: () => { if (pending.length >= SEND_AHEAD) startSend() },
    flush,
    lastFlush: () => lastFlush
  }
}

export async function runLoop (o: LoopOptions): Promise<void> {
  const backoff = o.backoff ?? { initialMs: 200, maxMs: 30000 }
  const flushEveryMs = o.flushEveryMs ?? 1000
  const now = o.now ?? Date.now
  const { run, size } = chunkHandler(o)
  // Shared by all partitions: while one partition backs off from an outage, the
  // others wait too instead of hammering the same unavailable system.
  let openUntil = 0
  let consecutiveFailures = 0
  let fatalError: BridgeError | undefined

  async function onBatch (batch: Batch, ctl: BatchControl): Promise<void> {
    const log = o.logger.child({ topic: batch.topic, partition: batch.partition })
    const out = batchOutputs(o, batch, ctl, now)
    const by: DeadLetterer = { service: o.service, logger: log, metrics: o.metrics }
    const reject = (record: InRecord, err: BridgeError): void => {
      out.add([deadLettered(record, err, by, 'dead-lettering a poison record', { offset: record.offset }, now())])
    }

    for (let i = 0; i < batch.records.length; i += size) {
      if (!ctl.active() || fatalError !== undefined) break
      const chunk = size === 1 ? [batch.records[i]!] : batch.records.slice(i, i + size)
      const started = process.hrtime.bigint()
      o.metrics.messagesIn.inc({ topic: batch.topic }, chunk.length)
      for (let attempt = 0; ; attempt++) {
        if (openUntil > now()) {
          await out.flush()
          if (!(await wait(openUntil - now(), ctl, now))) return
        }
        try {
          const res = await run(chunk)
          if (res?.out !== undefined) out.add(res.out)
          for (const r of res?.rejected ?? []) reject(r.record, r.error)
          consecutiveFailures = 0
          break
        } catch (raw) {
          const err = classify(raw)
          o.metrics.errors.inc({ kind: err.kind, code: err.code })
          if (err.kind === 'poison') {
            for (const r of chunk) reject(r, err)
            break
          }
          if (err.kind === 'fatal') {
            log.fatal({ offset: chunk[0]!.offset, code: err.code, err: raw }, 'fatal error')
            if (fatalError === undefined) {
              fatalError = err
              o.onFatal(err)
            }
            return
          }
          // Keep what is done: a long outage should not re-run the records before this one.
          await out.flush()
          if (err.local) {
            const delay = backoffMs(attempt, backoff, err.retryAfterMs)
            log.info({
              offset: chunk[0]!.offset, code: err.code, reason: err.message, attempt, delayMs: delay
            }, 'waiting')
            if (!(await wait(delay, ctl, now))) return
            continue
          }
          const delay = backoffMs(consecutiveFailures++, backoff, err.retryAfterMs)
          openUntil = Math.max(openUntil, now() + delay)
          log.warn({
            offset: chunk[0]!.offset, code: err.code, reason: err.message, attempt, delayMs: delay
          }, 'retrying')
        }
      }
      out.done(chunk.at(-1)!.offset)
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      o.metrics.processing.observe({ topic: batch.topic }, seconds / chunk.length)
      // Slow handlers (HTTP sinks) still commit progress regularly inside one batch.
      if (now() - out.lastFlush() >= flushEveryMs) await out.flush()
      else out.sendAhead()
    }
    await out.flush()
  }

  await o.consumer.run({
    topics: o.topics, fromBeginning: o.fromBeginning ?? false, concurrency: o.concurrency ?? 1, onBatch
  })
}

/** A record read back from a dead-letter topic, as the dead-letter.avsc envelope. */
export function envelopeOf (record: InRecord): Record<string, unknown> {
  const h = record.headers
  const original = Object.fromEntries(Object.entries(h).filter(([k]) => !k.startsWith('dlq.')))
  return {
    sourceTopic: h[DLQ_HEADERS.topic] ?? '',
    sourcePartition: Number(h[DLQ_HEADERS.partition]),
    sourceOffset: Number(h[DLQ_HEADERS.offset]),
    service: h[DLQ_HEADERS.service] ?? '',
    errorCode: h[DLQ_HEADERS.code] ?? '',
    errorMessage: h[DLQ_HEADERS.message] ?? '',
    time: Date.parse(h[DLQ_HEADERS.time] ?? ''),
    key: record.key,
    value: record.value,
    headers: original
  }
}
