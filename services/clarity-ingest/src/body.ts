// The webhook's body, read only once its signature header has the right form and age
// (the route's onRequest, webhook.ts). Up to the limit it is kept whole, for the HMAC and
// the event. A body beyond the limit cannot become a record, yet a genuine one must not
// be refused either (Clarity would send it again for hours): it is read on through the
// HMAC with only its start kept, so that it can be a dead letter if Clarity signed it.
// Past `readMax` nothing more is read.
import type { Readable } from 'node:stream'
import { signedBy, type Signature } from './signature.ts'

/** How much of a body over the limit its dead letter keeps: enough to show the event's id and type. */
export const HEAD_BYTES = 64 * 1024

export type WebhookBody =
  | { kind: 'whole', raw: Buffer }
  | { kind: 'over', bytes: number, head: Buffer, signed: boolean }
  /** Reading stopped at `bytes`: past readMax, or past the limit with no signature to check. */
  | { kind: 'overflow', bytes: number }

export interface BodyLimits {
  /** The largest body kept whole. */
  limit: number
  /** The most read at all. */
  readMax: number
  signature: Signature | undefined
  secrets: string[]
}

export function readBody (payload: Readable, o: BodyLimits): Promise<WebhookBody> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    let bytes = 0
    let check: ReturnType<typeof signedBy> | undefined
    // Past the limit, `parts` holds only the start of the body, up to HEAD_BYTES.
    let kept = 0
    const keep = (part: Buffer): void => {
      if (kept >= HEAD_BYTES) return
      const start = part.subarray(0, HEAD_BYTES - kept)
      parts.push(start.length < part.length ? Buffer.from(start) : part)
      kept += start.length
    }
    const detach = (): void => {
      payload.off('data', onData)
      payload.off('end', onEnd)
      payload.off('error', onError)
      payload.off('close', onClose)
    }
    const done = (body: WebhookBody): void => { detach(); resolve(body) }
    const onData = (part: Buffer): void => {
      bytes += part.length
      if (bytes > o.readMax || (bytes > o.limit && o.signature === undefined)) {
        // The rest stays unread: the answer closes the connection.
        payload.pause()
        done({ kind: 'overflow', bytes })
        return
      }
      if (check === undefined && bytes > o.limit) {
        check = signedBy(o.signature!, o.secrets)
        const before = parts.splice(0)
        for (const p of before) { check.update(p); keep(p) }
      }
      if (check === undefined) { parts.push(part); return }
      check.update(part)
      keep(part)
    }
    const onEnd = (): void => {
      done(check === undefined
        ? { kind: 'whole', raw: Buffer.concat(parts, bytes) }
        : { kind: 'over', bytes, head: Buffer.concat(parts, kept), signed: check.matches() })
    }
    const onError = (err: Error): void => { detach(); reject(err) }
    const onClose = (): void => { onError(new Error('the client went away before the body ended')) }
    payload.on('data', onData)
    payload.on('end', onEnd)
    payload.on('error', onError)
    payload.on('close', onClose)
  })
}
