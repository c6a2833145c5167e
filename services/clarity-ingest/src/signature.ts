// Clarity-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>] with
// v1 = HMAC-SHA256(secret, "<t>.<raw body>"). Two v1 during a secret rotation, and
// we may hold two secrets: any pair that matches will do. Constant-time compare.
// The header's form and age need no body, so they are checked before it is read.
import { createHmac, timingSafeEqual } from 'node:crypto'

export type Verdict = 'ok' | 'missing' | 'malformed' | 'stale' | 'mismatch'

/** A header of the right form and age: its time and its signatures. */
export interface Signature { t: number, sigs: Buffer[] }

export function readSignature (
  header: string | undefined, nowSec: number, toleranceSec = 300
): Signature | 'missing' | 'malformed' | 'stale' {
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
  return { t, sigs }
}

/** Whether one of the secrets signed the body, given in parts as it arrives. */
export function signedBy (s: Signature, secrets: string[]) {
  const macs = secrets.map((secret) => createHmac('sha256', secret).update(`${s.t}.`))
  return {
    update (part: Buffer): void { for (const mac of macs) mac.update(part) },
    matches: (): boolean => macs.some((mac) => {
      const want = mac.digest()
      return s.sigs.some((sig) => timingSafeEqual(sig, want))
    })
  }
}

export function verifySignature (
  header: string | undefined, raw: Buffer, secrets: string[], nowSec: number, toleranceSec = 300
): Verdict {
  const s = readSignature(header, nowSec, toleranceSec)
  if (typeof s === 'string') return s
  const check = signedBy(s, secrets)
  check.update(raw)
  return check.matches() ? 'ok' : 'mismatch'
}
