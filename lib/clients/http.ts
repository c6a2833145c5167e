// One HTTP call to an external system, with the failure kinds decided here:
// unreachable, timed out, 429 and 5xx are retriable (honouring Retry-After);
// everything else is answered to the caller, who knows what a 4xx means.
import http, { type IncomingHttpHeaders } from 'node:http'
import https from 'node:https'
import { poison, retriable } from '../errors.ts'

/** An external system's answer that this record's own data was refused (a 4xx): the same every time. */
export class Rejected extends Error {
  constructor (readonly system: 'SL' | 'CLARITY', readonly status: number, message: string) {
    super(message)
  }
}

/** A refusal is deterministic for the record: poison, in the system's own words; anything else goes on up. */
export function rejectedAsPoison (err: unknown, what?: string): never {
  if (err instanceof Rejected) throw poison(`${err.system}_${err.status}`, what === undefined ? err.message : `${what}: ${err.message}`, err)
  throw err
}

export interface HttpAnswer { status: number, body: unknown, headers: IncomingHttpHeaders }

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
  timeoutMs: number
  /** Connections of the caller's own; by default the process's shared ones below. */
  agent?: http.Agent
}

// Kept-alive connections per process: node:http rather than fetch, whose per-request
// cost is several times higher and shows at hundreds of calls a second. At most
// MAX_SOCKETS to one server; past that a call waits for a free connection (within its
// deadline). A burst that opened a new connection per call would make it worse: a
// Node server under load accepts about one new connection per turn of its event loop.
const MAX_SOCKETS = 64
const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }), 'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }) }

function request (url: URL, init: CallInit): Promise<{ status: number, headers: IncomingHttpHeaders, text: string }> {
  const body = init.body === undefined ? undefined : Buffer.from(init.body)
  const headers = body === undefined ? init.headers : { ...init.headers, 'content-length': String(body.length) }
  const lib = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: init.method ?? 'GET', headers, agent: init.agent ?? agents[url.protocol as 'http:' | 'https:'] }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    // One deadline for the whole exchange, connect to last byte, as a caller means it.
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${init.timeoutMs} ms`), { code: 'TIMEOUT' })), init.timeoutMs)
    req.on('error', (err) => { clearTimeout(timer); reject(err) })
    req.end(body)
  })
}

export async function call (system: string, url: string, init: CallInit): Promise<HttpAnswer> {
  const u = new URL(url)
  const what = `${system} ${init.method ?? 'GET'} ${u.pathname}`
  let res: Awaited<ReturnType<typeof request>>
  try {
    res = await request(u, init)
  } catch (err) {
    const e = err as Error & { code?: string }
    const why = e.code === 'TIMEOUT' ? e.message : (e.code ?? e.message)
    throw retriable('UPSTREAM_UNAVAILABLE', `${what}: ${why}`, { cause: err })
  }
  let body: unknown = res.text
  try { body = res.text === '' ? undefined : JSON.parse(res.text) } catch { /* not JSON: keep the text */ }
  if (res.status === 429 || res.status >= 500) {
    const h = res.headers['retry-after']
    throw retriable('UPSTREAM_UNAVAILABLE', `${what} answered ${res.status}`, { retryAfterMs: retryAfterMs(typeof h === 'string' ? h : null) })
  }
  return { status: res.status, body, headers: res.headers }
}
