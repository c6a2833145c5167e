// Retry-After compliance: after a 429 or 503 that says when to come back, the same request
// from the same client (its User-Agent; method, path and query as sent, the body's bytes)
// arriving sooner is counted, so a run can show that no client ignored a Retry-After. Only
// a hash of each request is kept, and a sample names the route's pattern: no body, query
// or path value ever reaches /sandbox/*.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'

export interface EarlyRetry { route: string, method: string, earlyByMs: number }

/** Clocks differ by a tick or two; a retry within this of its time is on time. */
export const GRACE_MS = 100
const SAMPLES = 20

export interface RetryLedger {
  /** Counts `key` arriving at `at` if that is before its time. */
  arrived: (key: string, at: number, sample: () => Omit<EarlyRetry, 'earlyByMs'>) => void
  /** Nothing with `key` should come back before `until`. */
  answered: (key: string, until: number, now: number) => void
  samples: EarlyRetry[]
  size: () => number
}

/**
 * `onEarly` counts an early retry. Deadlines live in insertion order, which is close to
 * deadline order, so dropping passed ones from the front keeps the map small at O(1) a
 * request; `max` bounds it when many distinct requests are told to wait at once.
 */
export function createRetryLedger (onEarly: () => void, max = 10000): RetryLedger {
  const until = new Map<string, number>()
  const samples: EarlyRetry[] = []
  return {
    samples,
    size: () => until.size,
    arrived (key, at, sample) {
      const due = until.get(key)
      if (due === undefined) return
      if (at >= due - GRACE_MS) { until.delete(key); return }
      onEarly()
      samples.push({ ...sample(), earlyByMs: due - at })
      if (samples.length > SAMPLES) samples.splice(0, samples.length - SAMPLES)
    },
    answered (key, due, now) {
      until.delete(key)
      if (due - GRACE_MS > now) until.set(key, due)
      for (const [k, d] of until) {
        if (d > now && until.size <= max) break
        until.delete(k)
      }
    }
  }
}

/** When a Retry-After header (seconds or an HTTP date) says to come back; undefined if it says nothing usable. */
export function retryAt (header: unknown, now: number): number | undefined {
  if (header === undefined) return undefined
  const text = String(header).trim()
  if (/^\d+(\.\d+)?$/.test(text)) return now + Number(text) * 1000
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : date
}

interface Seen {
  arrivedAt: number
  key?: Promise<string | undefined>
  checked: boolean
}

const hasBody = (req: FastifyRequest): boolean => {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

const keyOf = (req: FastifyRequest, bodyHash: string): string =>
  createHash('sha256').update(`${req.headers['user-agent'] ?? ''}\n${req.method} ${req.url}\n${bodyHash}`).digest('hex')

/** Hashes the body as it streams past whoever reads it; undefined if the client gave up half-way. */
function hashBody (req: FastifyRequest, body: Readable): Promise<string | undefined> {
  const h = createHash('sha256')
  if (body.readableEnded || body.destroyed) return Promise.resolve(undefined)
  return new Promise((resolve) => {
    body.on('data', (chunk: Buffer | string) => h.update(chunk))
    body.once('end', () => resolve(keyOf(req, h.digest('hex'))))
    body.once('error', () => resolve(undefined))
    body.once('close', () => resolve(undefined))
  })
}

/**
 * Watches the requests `watched` picks. Registered before the fault hooks, so a request
 * arrives when it reaches the server, not after injected latency.
 */
export function watchRetryAfter (
  app: FastifyInstance, ledger: RetryLedger, watched: (req: FastifyRequest) => boolean
): void {
  const seen = new WeakMap<FastifyRequest, Seen>()
  const sample = (req: FastifyRequest) => () => ({ route: req.routeOptions.url ?? '(no route)', method: req.method })
  const check = async (req: FastifyRequest, s: Seen): Promise<string | undefined> => {
    const key = await s.key
    if (key !== undefined && !s.checked) {
      s.checked = true
      ledger.arrived(key, s.arrivedAt, sample(req))
    }
    return key
  }

  app.addHook('onRequest', async (req) => {
    if (!watched(req)) return
    const s: Seen = { arrivedAt: Date.now(), checked: false }
    seen.set(req, s)
    if (!hasBody(req)) {
      s.key = Promise.resolve(keyOf(req, createHash('sha256').digest('hex')))
      await check(req, s)
    }
  })
  app.addHook('preParsing', async (req, _reply, payload) => {
    const s = seen.get(req)
    if (s === undefined || s.key !== undefined) return payload
    s.key = hashBody(req, payload)
    // Listening set the stream flowing; the body parser resumes it once it listens too.
    payload.pause()
    void check(req, s)
    return payload
  })
  app.addHook('onSend', async (req, reply: FastifyReply, payload) => {
    const s = seen.get(req)
    if (s === undefined) return payload
    // Answered before the body was read (an injected fault, a refused login, a body too large):
    // read the rest here, or the hash never completes.
    s.key ??= hashBody(req, req.raw)
    req.raw.resume()
    const key = await check(req, s)
    if (key === undefined || (reply.statusCode !== 429 && reply.statusCode !== 503)) return payload
    const now = Date.now()
    const due = retryAt(reply.getHeader('retry-after'), now)
    if (due !== undefined) ledger.answered(key, due, now)
    return payload
  })
}
