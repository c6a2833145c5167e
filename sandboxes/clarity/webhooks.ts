// Clarity's webhooks: signed with HMAC-SHA256 over "<t>.<raw body>", delivered at
// least once to every configured endpoint, retried with backoff on any non-2xx or
// timeout. On request some deliveries are sent twice, or delayed so they arrive
// out of order, as a real sender sometimes does, and some events are never sent, as when
// a sender loses its queue: the only way to learn of those is to poll.
import { createHmac, randomBytes } from 'node:crypto'
import type { ClarityState, Delivery, WebhookEvent } from './state.ts'

export function sign (secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')
}

export function signatureHeader (body: string, t: number, secrets: string[]): string {
  return [`t=${t}`, ...secrets.map((s) => `v1=${sign(s, t, body)}`)].join(',')
}

export interface Sender {
  emit: (type: string, data: unknown) => WebhookEvent
  /** Sends what is due; answers how many deliveries were attempted. */
  pump: () => Promise<number>
  secrets: string[]
}

export function createSender (o: {
  state: () => ClarityState, secrets: string[], changed: () => void, rand: () => number, now?: () => number
}): Sender {
  const now = o.now ?? Date.now
  let inFlight = 0
  const sender: Sender = {
    secrets: o.secrets,
    emit (type, data) {
      const s = o.state()
      const seq = ++s.nextId.event
      const stamp = now().toString(36).toUpperCase()
      const event: WebhookEvent = {
        id: `evt_${stamp}${String(seq).padStart(6, '0')}${randomBytes(3).toString('hex').toUpperCase()}`,
        type,
        createdAt: new Date(now()).toISOString(),
        // A snapshot: a late delivery carries the entity as it was when the event happened.
        data: structuredClone(data)
      }
      // No draw when nothing is dropped: the duplicates and delays of a seeded run stay as they were.
      const dropRate = s.settings.webhookDropRate
      const drop = s.webhookUrls.length > 0 && dropRate > 0 && o.rand() < dropRate
      if (drop) s.dropped++
      for (const url of drop ? [] : s.webhookUrls) {
        const copies = o.rand() < s.settings.webhookDuplicateRate ? 2 : 1
        for (let i = 0; i < copies; i++) {
          const delay = s.settings.webhookReorder ? Math.floor(o.rand() * 1500) : 0
          s.outbox.push({ event, url, attempts: 0, nextAt: now() + delay, lastStatus: null })
        }
      }
      o.changed()
      return event
    },
    async pump () {
      const s = o.state()
      const due = s.outbox
        .filter((d) => d.nextAt <= now() && d.nextAt !== Number.MAX_SAFE_INTEGER)
        .slice(0, Math.max(0, 16 - inFlight))
      for (const d of due) d.nextAt = Number.MAX_SAFE_INTEGER // taken
      await Promise.all(due.map(async (d) => {
        inFlight++
        try { await deliver(s, d) } finally { inFlight-- }
      }))
      if (due.length > 0) o.changed()
      return due.length
    }
  }

  async function deliver (s: ClarityState, d: Delivery): Promise<void> {
    const body = JSON.stringify(d.event)
    const t = Math.floor(now() / 1000)
    d.attempts++
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'Clarity-Event-Id': d.event.id,
          'Clarity-Signature': signatureHeader(body, t, sender.secrets)
        },
        body,
        signal: AbortSignal.timeout(s.settings.webhookTimeoutMs)
      })
      d.lastStatus = res.status
      await res.arrayBuffer().catch(() => undefined)
      if (res.ok) {
        s.outbox = s.outbox.filter((x) => x !== d)
        s.delivered++
        return
      }
    } catch (err) {
      d.lastStatus = (err as Error).name === 'TimeoutError' ? 'timeout' : 'refused'
    }
    if (d.attempts >= s.settings.webhookMaxAttempts) {
      s.outbox = s.outbox.filter((x) => x !== d)
      s.abandoned++
      return
    }
    // 1 s, 2 s, 4 s … capped at a minute, with jitter.
    d.nextAt = now() + Math.min(60000, 1000 * 2 ** (d.attempts - 1)) * (0.75 + o.rand() * 0.5)
  }
  return sender
}
