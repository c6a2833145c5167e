// One HTTP call to an external system, with the failure kinds decided here:
// unreachable, timed out, 429 and 5xx are retriable (honouring Retry-After);
// everything else is answered to the caller, who knows what a 4xx means.
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

export interface HttpAnswer { status: number, body: unknown, headers: Headers }

export function retryAfterMs (h: string | null): number | undefined {
  if (h === null) return undefined
  const s = Number(h)
  if (Number.isFinite(s)) return s * 1000
  const t = Date.parse(h)
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now())
}

export async function call (system: string, url: string, init: RequestInit & { timeoutMs: number }): Promise<HttpAnswer> {
  let res: Response
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs) })
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } }
    const why = e.name === 'TimeoutError' ? `no answer within ${init.timeoutMs} ms` : (e.cause?.code ?? e.message)
    throw retriable('UPSTREAM_UNAVAILABLE', `${system} ${init.method ?? 'GET'} ${new URL(url).pathname}: ${why}`, { cause: err })
  }
  const text = await res.text()
  let body: unknown = text
  try { body = text === '' ? undefined : JSON.parse(text) } catch { /* not JSON: keep the text */ }
  if (res.status === 429 || res.status >= 500) {
    throw retriable('UPSTREAM_UNAVAILABLE', `${system} ${init.method ?? 'GET'} ${new URL(url).pathname} answered ${res.status}`, { retryAfterMs: retryAfterMs(res.headers.get('retry-after')) })
  }
  return { status: res.status, body, headers: res.headers }
}
