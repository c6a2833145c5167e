// Clarity-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>] with
// v1 = HMAC-SHA256(secret, "<t>.<raw body>"). Two v1 during a secret rotation, and
// we may hold two secrets: any pair that matches will do. Constant-time compare.
import { createHmac, timingSafeEqual } from 'node:crypto'

export type Verdict = 'ok' | 'missing' | 'malformed' | 'stale' | 'mismatch'

export function verifySignature (
  header: string | undefined, raw: Buffer, secrets: string[], nowSec: number, toleranceSec = 300
): Verdict {
  if (header === undefined || header === '') return 'missing'
  let t: number | undefined
  const sigs: Buffer[] = []
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2)
    if (k === 't' && v !== undefined && /^\d+$/.test(v)) t = Number(v)
    else if (k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/i.test(v)) sigs.push(Buffer.from(v, 'hex'))
  }
  if (t === undefined || sigs.length === 0) return 'malformed'
  if (Math.abs(nowSec - t) > toleranceSec) return 'stale'
  for (const secret of secrets) {
    const want = createHmac('sha256', secret).update(`${t}.`).update(raw).digest()
    if (sigs.some((s) => timingSafeEqual(s, want))) return 'ok'
  }
  return 'mismatch'
}
