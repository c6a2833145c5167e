// POST /webhooks/clarity, built from what it needs rather than inside a running service,
// so that inject() tests it with no broker. What needs no body is judged first; then the
// body is read, the signature checked over it as it came, and the event taken (events.ts).
// The 2xx goes out only once the records are acknowledged.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import { Counter, Gauge } from 'prom-client'
import type { Config } from './config.ts'
import { readBody, type WebhookBody } from './body.ts'
import { eventTaker, type SeenTable, type TakerDeps } from './events.ts'
import { readSignature, signedBy, type Signature, type Verdict } from './signature.ts'

export type { SeenTable, Taking } from './events.ts'

export interface WebhookDeps extends TakerDeps {
  config: Pick<Config, 'CLARITY_WEBHOOK_SECRET' | 'WEBHOOK_TOLERANCE_SEC' | 'WEBHOOK_MAX_IN_FLIGHT'> &
    TakerDeps['config']
}

/**
 * The most of a body over the limit that is read to check its signature: the largest
 * body taken before the limit followed the broker's.
 */
const READ_MAX_BYTES = 8 * 1024 * 1024

/** The webhooks counted by outcome; beside them, gauges of the seen ids remembered and the bodies being read. */
function webhookMetrics (
  registry: WebhookDeps['metrics']['registry'], seenSize: () => number, reading: () => number
): Counter<'result'> {
  const webhooks = new Counter({
    name: 'bridge_webhooks_total',
    help: 'Clarity webhooks by outcome',
    labelNames: ['result'],
    registers: [registry]
  })
  void new Gauge({
    name: 'bridge_webhook_seen_ids',
    help: 'Webhook event ids remembered, from every instance',
    registers: [registry],
    collect () { this.set(seenSize()) }
  })
  void new Gauge({
    name: 'bridge_webhooks_reading',
    help: 'Webhook bodies being read now (at most WEBHOOK_MAX_IN_FLIGHT)',
    registers: [registry],
    collect () { this.set(reading()) }
  })
  return webhooks
}

const headerOf = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name]
  return typeof v === 'string' ? v : undefined
}

/**
 * The route. What needs no body is judged before any of it is read (onRequest): the
 * signature header's form and age, a length over the limit without a valid header (413),
 * and how many bodies are being read already (503). A refused request's connection is
 * closed, so its body is never read. Then the body (body.ts), the HMAC over it, and the
 * event.
 */
export function webhookRoutes (app: FastifyInstance, d: WebhookDeps): void {
  const { config: c, logger } = d
  let seen: SeenTable | undefined
  d.ready.then((t) => { seen = t.seen }, () => {})
  // A fresh header of the right form is not proof of Clarity: until the HMAC is checked, at
  // the body's end, a forger's request holds what it sent so far. Their number is capped.
  const reading = new Set<object>()
  const webhooks = webhookMetrics(d.metrics.registry, () => seen?.size() ?? 0, () => reading.size)
  const take = eventTaker(d, webhooks)
  const limit = c.WEBHOOK_MAX_BYTES
  const readMax = Math.max(READ_MAX_BYTES, limit)
  const signatures = new WeakMap<object, Signature>()

  const refuse = (reply: FastifyReply, status: number, error: string): FastifyReply =>
    reply.code(status).header('connection', 'close').send({ error })
  const unsigned = (reply: FastifyReply, req: FastifyRequest, verdict: Exclude<Verdict, 'ok'>): FastifyReply => {
    webhooks.inc({ result: `signature_${verdict}` })
    logger.warn({ eventId: headerOf(req, 'clarity-event-id'), verdict }, 'webhook refused: signature')
    return refuse(reply, 401, verdict === 'stale' ? 'stale timestamp' : `signature ${verdict}`)
  }
  const tooLarge = (reply: FastifyReply): FastifyReply => refuse(reply, 413, `body over the ${limit} bytes taken`)
  // Clarity retries a 503; a second later most bodies being read now are done.
  const busy = (reply: FastifyReply, req: FastifyRequest): FastifyReply => {
    webhooks.inc({ result: 'busy' })
    logger.warn({ eventId: headerOf(req, 'clarity-event-id'), reading: reading.size },
      'webhook refused: WEBHOOK_MAX_IN_FLIGHT bodies are being read already')
    return refuse(reply.header('retry-after', '1'), 503,
      `${c.WEBHOOK_MAX_IN_FLIGHT} webhook bodies are being read already, the most at once (WEBHOOK_MAX_IN_FLIGHT)`)
  }
  const release = (req: FastifyRequest): void => { reading.delete(req.raw) }

  async function early (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const s = readSignature(headerOf(req, 'clarity-signature'), Math.floor(Date.now() / 1000), c.WEBHOOK_TOLERANCE_SEC)
    const length = Number(req.headers['content-length'] ?? 0)
    if (length > readMax || (length > limit && typeof s === 'string')) return tooLarge(reply)
    if (typeof s === 'string') return unsigned(reply, req, s)
    if (reading.size >= c.WEBHOOK_MAX_IN_FLIGHT) return busy(reply, req)
    reading.add(req.raw)
    // Whichever comes first: the body read, the answer sent, or the client gone.
    req.raw.once('close', () => { release(req) })
    signatures.set(req.raw, s)
    return undefined
  }

  // Every body goes through readBody, whatever its content-type says.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', async (req: FastifyRequest, payload: Readable) => {
    try {
      return await readBody(payload, {
        limit, readMax, signature: signatures.get(req.raw), secrets: c.CLARITY_WEBHOOK_SECRET
      })
    } finally {
      release(req)
    }
  })
  app.addHook('onResponse', async (req, reply) => {
    release(req)
    if (reply.statusCode === 413) {
      webhooks.inc({ result: 'too_large' })
      logger.warn({ bytes: req.headers['content-length'] }, 'webhook refused: body over the limit')
    }
  })
  app.post('/webhooks/clarity', { onRequest: early }, async (req, reply) => {
    const body = req.body as WebhookBody | undefined ?? { kind: 'whole', raw: Buffer.alloc(0) }
    if (body.kind === 'overflow') return tooLarge(reply)
    const s = signatures.get(req.raw)
    let signed = body.kind === 'over' && body.signed
    if (body.kind === 'whole' && s !== undefined) {
      const check = signedBy(s, c.CLARITY_WEBHOOK_SECRET)
      check.update(body.raw)
      signed = check.matches()
    }
    if (!signed) return unsigned(reply, req, 'mismatch')
    const [status, answer] = await take(body, headerOf(req, 'clarity-event-id'))
    return reply.code(status).send(answer)
  })
}
