// A pure record handler on worker threads. kafkajs runs on one thread and its own cost
// per record is about that of decoding, mapping and encoding an order: a transform run
// beside it halves the service's throughput, run on another core it costs little. The
// main thread keeps every Kafka call, the order of chunks and the commits; workers only
// turn records into outputs or a reason, so delivery works exactly as in one thread.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { byKey, type BatchHandler, type BatchResult, type Handler } from './consumer-loop.ts'
import { BridgeError, classify, fatal, type Code, type ErrorKind } from './errors.ts'
import type { InRecord } from './kafka.ts'
import { createRegistry, type RegistrySecurityConfig } from './registry.ts'
import { topicSerdes, type TopicSerdes } from './serdes.ts'

/** What a handler module exports: the handler, built from the service's config and serdes. */
export type HandlerFactory<C> = (env: { config: C, serde: TopicSerdes }) => Promise<Handler>

/** Builds the handler a module exports under `exportName` (a HandlerFactory). */
export async function buildHandler<C> (
  module: string, exportName: string, env: { config: C, serde: TopicSerdes }
): Promise<Handler> {
  return await (await import(module) as Record<string, HandlerFactory<C>>)[exportName]!(env)
}

export interface WorkerHandler { handleBatch: BatchHandler, close: () => Promise<void> }

type Bytes = Buffer | string | null
/**
 * No part smaller, and a smaller chunk stays on this thread: each message wakes a thread,
 * tens of µs on a busy machine.
 */
const MIN_PART = 50
/**
 * Records the loop hands over at once: one part per worker (parts of MIN_PART at least),
 * sent together.
 */
export const WORKER_CHUNK = 500
interface Packed { bytes: ArrayBuffer, lens: Int32Array }
type Failure = [kind: ErrorKind, code: Code, message: string, retryAfterMs: number | undefined, local: boolean]
type OutMeta = [
  topic: string, headers: Record<string, string> | undefined,
  partition: number | undefined, timestamp: number | undefined
]
/** Records of one partition (as the loop hands them over); headers only when any has some. */
interface Request {
  id: number, topic: string, partition: number, offsets: string[], timestamps: Float64Array
  headers: Array<Record<string, string>> | undefined, keys: Packed, values: Packed
}
/** Outputs in order: their topic alone when all are plain records of one topic (the usual case). */
interface Reply {
  id: number, outs: OutMeta[] | string, rejected: Array<[index: number, failure: Failure]>
  keys: Packed, values: Packed, failure?: Failure
}

// Kafka's buffers are views of whole fetch responses, which a message would copy in full:
// every key and value goes into one fresh buffer, handed over without a copy.
function pack (list: Bytes[]): Packed {
  const bufs = list.map((b) => typeof b === 'string' ? Buffer.from(b) : b)
  const lens = new Int32Array(bufs.map((b) => b === null ? -1 : b.length))
  const bytes = new ArrayBuffer(bufs.reduce((n, b) => n + (b?.length ?? 0), 0))
  const view = new Uint8Array(bytes)
  let at = 0
  for (const b of bufs) if (b !== null) { view.set(b, at); at += b.length }
  return { bytes, lens }
}

function unpack (p: Packed): Array<Buffer | null> {
  const out: Array<Buffer | null> = []
  let at = 0
  for (const n of p.lens) {
    out.push(n < 0 ? null : Buffer.from(p.bytes, at, n))
    at += Math.max(0, n)
  }
  return out
}

function hasAny (h: Record<string, string>): boolean {
  for (const k in h) if (Object.hasOwn(h, k)) return true
  return false
}

const failureOf = (e: BridgeError): Failure => [e.kind, e.code, e.message, e.retryAfterMs, e.local]
const errorOf = (f: Failure): BridgeError => new BridgeError(f[1], f[0], f[2], { retryAfterMs: f[3], local: f[4] })

/**
 * The handler record by record, as the loop runs it: poison kept per record, anything
 * else fails the chunk.
 */
async function oneByOne<C> (
  module: string, exportName: string, env: { config: C, serde: TopicSerdes }
): Promise<BatchHandler> {
  return byKey(await buildHandler(module, exportName, env), 1)
}

/** A part's reply into the chunk's result: its outputs in order, then its refusals. */
function applyReply (reply: Reply, records: InRecord[], result: BatchResult): void {
  const keys = unpack(reply.keys)
  const values = unpack(reply.values)
  const outs = reply.outs
  if (typeof outs === 'string') {
    for (let k = 0; k < keys.length; k++) result.out!.push({ topic: outs, key: keys[k]!, value: values[k]! })
  } else {
    for (let k = 0; k < keys.length; k++) {
      const [topic, headers, partition, timestamp] = outs[k]!
      result.out!.push({ topic, key: keys[k]!, value: values[k]!, headers, partition, timestamp })
    }
  }
  for (const [j, f] of reply.rejected) result.rejected!.push({ record: records[j]!, error: errorOf(f) })
}

/**
 * Runs the handler `exportName` of `module` on `count` worker threads, each with its own
 * registry client and serdes (this thread's copy uses `serde`). Each part of a chunk goes
 * to the least busy worker; the loop awaits a chunk before the next of its partition, and
 * parts are applied in order. A chunk smaller than a part is handled on this thread: at a
 * few records per fetch (hundreds of orders a second) the two wake-ups of a worker round
 * trip cost more than the records.
 */
export async function handlerInWorkers<C> (
  o: { module: string, exportName: string, config: C, count: number, serde: TopicSerdes }
): Promise<WorkerHandler> {
  const inThread = await oneByOne(o.module, o.exportName, { config: o.config, serde: o.serde })
  const pending = new Map<number, { worker: number, resolve: (r: Reply) => void, reject: (e: unknown) => void }>()
  const busy: number[] = []
  let nextId = 0
  let closing = false
  let stopped: string | undefined
  const started: Worker[] = []
  const starting = await Promise.allSettled(Array.from({ length: o.count }, async (_, i) => {
    const w = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
      workerData: {
        entry: import.meta.url, bridgeHandler: { module: o.module, exportName: o.exportName, config: o.config }
      }
    })
    started.push(w)
    busy[i] = 0
    const lost = (why: string): void => {
      if (closing) return
      // Never chosen again: a message to a stopped worker would wait for ever.
      busy[i] = Infinity
      stopped ??= why
      for (const [id, p] of pending) {
        if (p.worker === i) { pending.delete(id); p.reject(fatal('BUG', `a handler worker stopped: ${why}`)) }
      }
    }
    w.on('error', (err) => lost(err.message))
    w.on('exit', (code) => lost(`exit code ${code}`))
    await new Promise<void>((resolve, reject) => {
      w.once('message', (m: { ready?: true, failure?: Failure }) =>
        m.ready === true ? resolve() : reject(errorOf(m.failure!)))
      w.once('error', reject)
    })
    w.on('message', (r: Reply) => {
      const p = pending.get(r.id)
      if (p === undefined) return
      pending.delete(r.id)
      busy[i]!--
      p.resolve(r)
    })
    return w
  }))
  const failed = starting.find((r) => r.status === 'rejected')
  if (failed !== undefined) {
    closing = true
    await Promise.all(started.map((w) => w.terminate()))
    throw failed.reason
  }
  const workers = starting.map((r) => (r as PromiseFulfilledResult<Worker>).value)

  /** One part of a chunk on the least busy worker: its outputs in order, or its refusals. */
  async function run (records: InRecord[], result: BatchResult): Promise<() => void> {
    const i = busy.indexOf(Math.min(...busy))
    if (busy[i] === Infinity) throw fatal('BUG', `every handler worker stopped (${stopped})`)
    const id = nextId++
    const req: Request = {
      id,
      keys: pack(records.map((r) => r.key)),
      values: pack(records.map((r) => r.value)),
      topic: records[0]!.topic,
      partition: records[0]!.partition,
      offsets: records.map((r) => r.offset),
      timestamps: new Float64Array(records.map((r) => r.timestamp)),
      headers: records.some((r) => hasAny(r.headers)) ? records.map((r) => r.headers) : undefined
    }
    busy[i]!++
    const reply = await new Promise<Reply>((resolve, reject) => {
      pending.set(id, { worker: i, resolve, reject })
      workers[i]!.postMessage(req, [req.keys.bytes, req.values.bytes, req.timestamps.buffer as ArrayBuffer])
    })
    if (reply.failure !== undefined) throw errorOf(reply.failure)
    // Applied by the caller in part order, once every part has answered.
    return () => { applyReply(reply, records, result) }
  }

  return {
    // A chunk goes out in parts all at once: workers never wait for the main thread
    // between parts, and the main thread meanwhile serves the other partitions.
    async handleBatch (records) {
      if (records.length < MIN_PART) return await inThread(records)
      const result: BatchResult = { out: [], rejected: [] }
      const parts: Array<Promise<() => void>> = []
      const size = Math.ceil(records.length / Math.min(workers.length, Math.ceil(records.length / MIN_PART)))
      for (let j = 0; j < records.length; j += size) parts.push(run(records.slice(j, j + size), result))
      for (const apply of await Promise.all(parts)) apply()
      return result
    },
    async close () {
      closing = true
      await Promise.all(workers.map((w) => w.terminate()))
    }
  }
}

async function serveInWorker (): Promise<void> {
  const { module, exportName, config } = (workerData as {
    bridgeHandler: {
      module: string
      exportName: string
      config: { SCHEMA_REGISTRY_URL: string, SCHEMA_DIR?: string } & RegistrySecurityConfig
    }
  }).bridgeHandler
  const port = parentPort!
  let handle: BatchHandler
  try {
    const serde = topicSerdes(createRegistry(config.SCHEMA_REGISTRY_URL, config), config.SCHEMA_DIR)
    handle = await oneByOne(module, exportName, { config, serde })
  } catch (err) {
    port.postMessage({ failure: failureOf(classify(err)) })
    return
  }
  port.on('message', (req: Request) => {
    void (async () => {
      const keys = unpack(req.keys)
      const values = unpack(req.values)
      const records = req.offsets.map((offset, j): InRecord => ({
        topic: req.topic, partition: req.partition, offset, timestamp: req.timestamps[j]!,
        headers: req.headers?.[j] ?? {}, key: keys[j]!, value: values[j]!
      }))
      let res: BatchResult | undefined
      try {
        res = await handle(records)
      } catch (err) {
        const reply: Reply = {
          id: req.id, outs: [], rejected: [], keys: pack([]), values: pack([]), failure: failureOf(classify(err))
        }
        port.postMessage(reply)
        return
      }
      const out = res?.out ?? []
      const topic = out[0]?.topic ?? ''
      const plain = out.every((x) =>
        x.topic === topic && x.headers === undefined && x.partition === undefined && x.timestamp === undefined)
      const reply: Reply = {
        id: req.id,
        outs: plain ? topic : out.map((x): OutMeta => [x.topic, x.headers, x.partition, x.timestamp]),
        rejected: (res?.rejected ?? []).map((r) => [records.indexOf(r.record), failureOf(r.error)]),
        keys: pack(out.map((x) => x.key)),
        values: pack(out.map((x) => x.value))
      }
      port.postMessage(reply, [reply.keys.bytes, reply.values.bytes])
    })()
  })
  port.postMessage({ ready: true })
}

if (!isMainThread && (workerData as { bridgeHandler?: unknown } | undefined)?.bridgeHandler !== undefined) {
  await serveInWorker()
}
