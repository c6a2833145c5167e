// POST /webhooks/clarity, built from what it needs rather than inside a running service,
// so that inject() tests it with no broker. The signature is checked over the raw body;
// the entity's current state is read from Clarity, never taken from the event: events
// arrive late and out of order, and a signed one can be replayed. An order by its ID; an
// account, which the contract cannot read by ID, from the ModifiedSince listing since the
// event's UpdatedDate. The 2xx goes out only once the records are acknowledged.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isUtf8 } from 'node:buffer'
import type { Readable } from 'node:stream'
import { Counter, Gauge } from 'prom-client'
import { ClarityRejected, type ClarityClient, type ClarityRow } from '../../../lib/clients/clarity.ts'
import { deadLettered, fromOutside } from '../../../lib/consumer-loop.ts'
import { BridgeError, classify, poison } from '../../../lib/errors.ts'
import type { OutRecord } from '../../../lib/kafka.ts'
import type { Logger } from '../../../lib/logger.ts'
import type { Metrics } from '../../../lib/metrics.ts'
import type { Config } from './config.ts'
import type { IngestRecords } from './records.ts'
import type { SeenIds } from './seen.ts'
import { readBody, type WebhookBody } from './body.ts'
import { readSignature, signedBy, type Signature, type Verdict } from './signature.ts'
import { toAccountRecord } from './transform.ts'

/**
 * The listing that confirms an account event starts this much before the event's time: the
 * two may be rounded differently.
 */
const LISTING_MARGIN_MS = 5000

export type SeenTable = Pick<SeenIds, 'has' | 'add' | 'size' | 'record' | 'tombstone'>

/** What taking an event needs once the seen ids are read to their end. */
export interface Taking { seen: SeenTable, records: IngestRecords }

export interface WebhookDeps {
  /** WEBHOOK_MAX_BYTES as set, or as the broker's limit makes it (limit.ts). */
  config: Pick<Config, 'CLARITY_WEBHOOK_SECRET' | 'WEBHOOK_TOLERANCE_SEC'> & { WEBHOOK_MAX_BYTES: number }
  /** Named in the dead letters' headers. */
  service: string
  logger: Logger
  metrics: Metrics
  clarity: Pick<ClarityClient, 'order' | 'accounts'>
  /** Sends records together; resolves once every in-sync replica has them. */
  take: (records: OutRecord[]) => Promise<void>
  /** Until the seen ids are read to their end, a redelivery would pass for new. */
  ready: Promise<Taking>
}

interface Event { id: string, type: string, data: object }
type Answer = [status: number, body: object]
type SignedBody = Exclude<WebhookBody, { kind: 'overflow' }>

/**
 * The most of a body over the limit that is read to check its signature: the largest
 * body taken before the limit followed the broker's.
 */
const READ_MAX_BYTES = 8 * 1024 * 1024

function eventOf (raw: Buffer): Event | BridgeError {
  let ev: { id?: unknown, type?: unknown, data?: unknown }
  try {
    ev = JSON.parse(raw.toString('utf8')) as typeof ev
  } catch (err) {
    return poison('INVALID_JSON', `the webhook body is not JSON: ${(err as Error).message}`)
  }
  if (typeof ev !== 'object' || ev === null || typeof ev.id !== 'string' || typeof ev.type !== 'string' ||
    typeof ev.data !== 'object' || ev.data === null) {
    return poison('INVALID_PAYLOAD', 'the webhook needs id (text), type (text) and data (an object)')
  }
  return { id: ev.id, type: ev.type, data: ev.data }
}

/** The webhooks counted by outcome; beside them, a gauge of the seen ids remembered. */
function webhookMetrics (registry: Metrics['registry'], seenSize: () => number): Counter<'result'> {
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
  return webhooks
}

/**
 * The account as Clarity holds it now, if Clarity lists it among the accounts changed
 * since the event's UpdatedDate (never later than now): the contract has no route that
 * reads one account. Not listed: the event speaks of a change Clarity does not know.
 */
async function listedAccount (
  clarity: WebhookDeps['clarity'], id: number, claimedAt: number
): Promise<ClarityRow | undefined> {
  const since = new Date(Math.min(claimedAt, Date.now()) - LISTING_MARGIN_MS).toISOString()
  for (let page = 1; ; page++) {
    const p = await clarity.accounts(since, page, 100)
    const row = p.Results.find((r) => r.ID === id)
    if (row !== undefined || page >= p.TotalPages) return row
  }
}

/** The order an order event names, as Clarity holds it now. */
async function currentOrder (clarity: WebhookDeps['clarity'], e: Event): Promise<{ id: number, row: unknown }> {
  const id = (e.data as { ID?: unknown }).ID
  if (!Number.isInteger(id)) throw poison('INVALID_PAYLOAD', `${e.type}: data.ID must be the order's id`)
  try {
    return { id: id as number, row: await clarity.order(id as number) }
  } catch (err) {
    if (err instanceof ClarityRejected) {
      throw poison('ORDER_NOT_FOUND', `${e.type}: Clarity has no order ${String(id)} (${err.message})`)
    }
    throw err
  }
}

/**
 * What becomes of a body Clarity signed: a record, a duplicate, an event type not taken, or
 * (whatever is wrong with it) a dead letter, never a refusal, because a 4xx would only make
 * Clarity send it again for hours.
 */
function eventTaker (d: WebhookDeps, webhooks: Counter<'result'>) {
  const { logger } = d
  // Events being taken: a retry that overtakes its first attempt waits for it.
  const taking = new Map<string, Promise<void>>()

  /**
   * The event's records and its seen id in one send. A failed send may have written
   * part of it: the id is withdrawn, because a second record is harmless downstream,
   * and a redelivery answered "duplicate" for a record never written would be a loss.
   */
  async function accept (t: Taking, ev: Event, entityId: number, out: OutRecord[]): Promise<Answer> {
    try {
      await d.take([...out, t.seen.record(ev.id, ev.type, entityId)])
    } catch (err) {
      d.take([t.seen.tombstone(ev.id)]).catch((e: Error) => {
        logger.warn({ eventId: ev.id, reason: e.message },
          'could not withdraw the seen id of a failed send: a redelivery may be taken for a duplicate')
      })
      throw err
    }
    t.seen.add(ev.id)
    webhooks.inc({ result: 'accepted' })
    return [200, { accepted: true }]
  }

  async function account (t: Taking, e: Event): Promise<Answer> {
    // What the event claims is checked for shape, then only used to find the account.
    const claimed = toAccountRecord(e.data)
    const row = await listedAccount(d.clarity, claimed.ID, claimed.UpdatedDate)
    if (row === undefined) {
      webhooks.inc({ result: 'account_refused' })
      logger.warn({ eventId: e.id, type: e.type, account: claimed.ID, code: 'ACCOUNT_NOT_LISTED' },
        'account event refused: Clarity does not list the account as changed since the event\'s UpdatedDate; ' +
        'nothing produced')
      return [200, { refused: 'ACCOUNT_NOT_LISTED' }]
    }
    const out = t.records.account({ id: e.id, type: e.type, source: 'WEBHOOK' }, row)
    if (out.length === 0) { webhooks.inc({ result: 'stale' }); return [200, { stale: true }] }
    return await accept(t, e, claimed.ID, out)
  }

  async function order (t: Taking, e: Event): Promise<Answer> {
    const { id, row } = await currentOrder(d.clarity, e)
    return await accept(t, e, id, t.records.order({ id: e.id, type: e.type, source: 'WEBHOOK' }, row))
  }

  return async function take (body: SignedBody, headerId: string | undefined): Promise<Answer> {
    const t = await d.ready
    const keep = async (err: BridgeError, topic: string, value: Buffer): Promise<Answer> => {
      const record = fromOutside(topic, value, headerId === undefined ? {} : { 'Clarity-Event-Id': headerId })
      await d.take([deadLettered(record, err, d, 'webhook dead-lettered', { eventId: headerId })])
      webhooks.inc({ result: 'dead_lettered' })
      return [202, { accepted: true, deadLettered: err.code }]
    }
    if (body.kind === 'over') {
      return await keep(poison('INVALID_PAYLOAD', `the webhook body is ${body.bytes} bytes, over the ` +
        `${d.config.WEBHOOK_MAX_BYTES} a record can take (WEBHOOK_MAX_BYTES); its first ${body.head.length} ` +
        'bytes are kept'), t.records.topics.orders, body.head)
    }
    const { raw } = body
    // Decoded as it is, a bad byte would reach the topics as U+FFFD in the event's id or type.
    if (!isUtf8(raw)) {
      return await keep(poison('INVALID_JSON', 'the webhook body is not UTF-8, as JSON must be'),
        t.records.topics.orders, raw)
    }
    const e = eventOf(raw)
    if (e instanceof BridgeError) return await keep(e, t.records.topics.orders, raw)
    for (let first = taking.get(e.id); first !== undefined; first = taking.get(e.id)) await first
    if (t.seen.has(e.id)) {
      webhooks.inc({ result: 'duplicate' })
      logger.info({ eventId: e.id, type: e.type }, 'webhook already taken: answered 200, nothing produced')
      return [200, { duplicate: true }]
    }
    const isAccount = e.type === 'customer.created' || e.type === 'customer.updated'
    if (!isAccount && !e.type.startsWith('order.')) {
      webhooks.inc({ result: 'ignored' })
      return [202, { ignored: e.type }]
    }
    const attempt = (isAccount ? account(t, e) : order(t, e)).catch(async (raw2: unknown): Promise<Answer> => {
      const err = classify(raw2)
      if (err.kind === 'poison') {
        return await keep(err, isAccount ? t.records.topics.customers : t.records.topics.orders, raw)
      }
      // Kafka or Clarity away, or our credentials refused: Clarity retries a 503 later.
      webhooks.inc({ result: 'unavailable' })
      logger.error({ eventId: e.id, code: err.code, reason: err.message }, 'webhook not taken: try again later')
      return [503, { error: 'temporarily unavailable', code: err.code }]
    })
    taking.set(e.id, attempt.then(() => undefined, () => undefined))
    try {
      return await attempt
    } finally {
      taking.delete(e.id)
    }
  }
}

const headerOf = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name]
  return typeof v === 'string' ? v : undefined
}

/**
 * The route. What needs no body is judged before any of it is read (onRequest): the
 * signature header's form and age, and a length over the limit without a valid header
 * (413). A refused request's connection is closed, so its body is never read. Then the
 * body (body.ts), the HMAC over it, and the event.
 */
export function webhookRoutes (app: FastifyInstance, d: WebhookDeps): void {
  const { config: c, logger } = d
  let seen: SeenTable | undefined
  d.ready.then((t) => { seen = t.seen }, () => {})
  const webhooks = webhookMetrics(d.metrics.registry, () => seen?.size() ?? 0)
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

  async function early (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const s = readSignature(headerOf(req, 'clarity-signature'), Math.floor(Date.now() / 1000), c.WEBHOOK_TOLERANCE_SEC)
    const length = Number(req.headers['content-length'] ?? 0)
    if (length > readMax || (length > limit && typeof s === 'string')) return tooLarge(reply)
    if (typeof s === 'string') return unsigned(reply, req, s)
    signatures.set(req.raw, s)
    return undefined
  }

  // Every body goes through readBody, whatever its content-type says.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', async (req: FastifyRequest, payload: Readable) =>
    await readBody(payload, { limit, readMax, signature: signatures.get(req.raw), secrets: c.CLARITY_WEBHOOK_SECRET }))
  app.addHook('onResponse', async (req, reply) => {
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
