// One HTTP call to an external system, with the failure kinds decided here:
// unreachable, timed out, 429 and 5xx are retriable (honouring Retry-After);
// everything else is answered to the caller, who knows what a 4xx means.
import type { ConnectionOptions } from 'node:tls'
import { Agent, type Dispatcher } from 'undici'
import { BridgeError, fatal, poison, retriable } from '../errors.ts'

/** An external system's answer that this record's own data was refused (a 4xx): the same every time. */
export class Rejected extends Error {
  constructor (readonly system: 'SL' | 'CLARITY', readonly status: number, message: string) {
    super(message)
  }
}

/** A refusal is deterministic for the record: poison, in the system's own words; anything else goes on up. */
export function rejectedAsPoison (err: unknown, what?: string): never {
  if (err instanceof Rejected) {
    throw poison(`${err.system}_${err.status}`, what === undefined ? err.message : `${what}: ${err.message}`, err)
  }
  throw err
}

export interface HttpAnswer { status: number, body: unknown, headers: Record<string, string | string[] | undefined> }

export function retryAfterMs (h: string | null): number | undefined {
  if (h === null) return undefined
  const s = Number(h)
  if (Number.isFinite(s)) return s * 1000
  const t = Date.parse(h)
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now())
}

export interface CallInit {
  method?: string
  headers?: Record<string, string>
  body?: string
  /** How long the answer may take to start, and each pause within it (kept to within a second). */
  timeoutMs: number
  /** Connections of the caller's own; by default the process's shared ones below. */
  dispatcher?: Dispatcher
}

// Kept-alive connections per process, through undici: its CPU per call is about half of
// node:http's (fetch's is higher still), which shows at hundreds of calls a second.
// At most MAX_CONNECTIONS to one server; past that a call waits for a free connection.
// A burst that opened a new connection per call would make it worse: a Node server
// under load accepts about one new connection per turn of its event loop.
const MAX_CONNECTIONS = 64
const shared = new Agent({ connections: MAX_CONNECTIONS })

// Which process sent a call: a server's logs (and the sandboxes' Retry-After check, which
// must not take two instances' calls for one client's retry) tell the instances apart.
const USER_AGENT = `clarity-sl-bridge (pid ${process.pid})`

/** Connections of one's own to a server, as many as `count`; `tls`: its CA, or our certificate, for https. */
export const connections = (count: number, tls?: ConnectionOptions): Dispatcher =>
  new Agent({ connections: count, connect: tls })

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])

export async function call (system: string, url: string, init: CallInit): Promise<HttpAnswer> {
  if (!/^https?:\/\/[^/]/.test(url)) throw fatal('CONFIG_INVALID', `${system}: "${url}" is not an http(s) URL`)
  // Split by hand: a URL object per call costs more than the rest of the bookkeeping.
  const slash = url.indexOf('/', url.indexOf('//') + 2)
  const origin = slash < 0 ? url : url.slice(0, slash)
  const path = slash < 0 ? '/' : url.slice(slash)
  const method = init.method ?? 'GET'
  let status: number
  let headers: HttpAnswer['headers']
  let text: string
  try {
    const res = await (init.dispatcher ?? shared).request({
      origin, path, method: method as Dispatcher.HttpMethod, headers: { 'user-agent': USER_AGENT, ...init.headers },
      body: init.body,
      headersTimeout: init.timeoutMs, bodyTimeout: init.timeoutMs
    })
    status = res.statusCode
    headers = res.headers
    text = await res.body.text()
  } catch (err) {
    const e = err as Error & { code?: string }
    // A request undici refuses to send (a bad header, say) is our defect, not an outage.
    if (e.code === 'UND_ERR_INVALID_ARG') throw err
    const why = e.code !== undefined && TIMEOUT_CODES.has(e.code)
      ? `no answer within ${init.timeoutMs} ms`
      : (e.code ?? e.message)
    throw retriable('UPSTREAM_UNAVAILABLE', `${system} ${method} ${path.split('?')[0]}: ${why}`, { cause: err })
  }
  let body: unknown = text
  try { body = text === '' ? undefined : JSON.parse(text) } catch { /* not JSON: keep the text */ }
  if (status === 429 || status >= 500) {
    const h = headers['retry-after']
    throw retriable('UPSTREAM_UNAVAILABLE', `${system} ${method} ${path.split('?')[0]} answered ${status}`, {
      retryAfterMs: retryAfterMs(typeof h === 'string' ? h : null)
    })
  }
  return { status, body, headers }
}

/**
 * Holds a client's every call once its server asked it to wait (Retry-After), not only the
 * call it answered: another record's call to the same route (one customer's documents,
 * say) is the same request to the server, and coming back sooner than it said is what its
 * rate limiter punishes. A held call is not sent; it fails retriable with the time left.
 */
export function retryAfterGate (system: string, o: { twins?: boolean } = {}) {
  let until = 0
  // With `twins`, a read already on its way is not sent again: it is the same request to the
  // server, and one answered 429 while its twin is in flight would bring the twin back before
  // its time. Not for a client whose reads must see what changed after they were asked for
  // (Clarity's, read for a webhook's current state): the twin's answer may be older.
  const reading = new Map<string, Promise<unknown>>()
  return async function gated<T> (method: string, path: string, send: () => Promise<T>): Promise<T> {
    const held = until - Date.now()
    if (held > 0) {
      throw retriable('UPSTREAM_UNAVAILABLE', `${system} asked to wait (Retry-After): ${method} ` +
        `${path.split('?')[0]} not sent`, { retryAfterMs: held })
    }
    const twins = o.twins === true && method === 'GET'
    const twin = twins ? reading.get(path) : undefined
    if (twin !== undefined) return await (twin as Promise<T>)
    const sent = send().catch((err: unknown) => {
      const wait = err instanceof BridgeError ? err.retryAfterMs ?? 0 : 0
      if (wait > 0) until = Math.max(until, Date.now() + wait)
      throw err
    })
    if (!twins) return await sent
    reading.set(path, sent)
    try {
      return await sent
    } finally {
      reading.delete(path)
    }
  }
}
