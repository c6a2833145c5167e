// Taking a body Clarity signed (the route, webhook.ts, has checked the signature): the
// event's entity is read from Clarity, never taken from the event, since events arrive
// late and out of order and a signed one can be replayed. An order, a payment or a payout by its ID; an account
// or a return, which the contract cannot read by ID, from the ModifiedSince listing since the event's
// UpdatedDate. Whatever is wrong with a signed body becomes a dead letter, not a refusal.
import { isUtf8 } from 'node:buffer'
import type { Counter } from 'prom-client'
import { ClarityRejected, type ClarityClient, type ClarityRow } from '../../../lib/clients/clarity.ts'
import { deadLettered, fromOutside } from '../../../lib/consumer-loop.ts'
import { BridgeError, classify, poison } from '../../../lib/errors.ts'
import type { OutRecord } from '../../../lib/kafka.ts'
import type { Logger } from '../../../lib/logger.ts'
import type { Metrics } from '../../../lib/metrics.ts'
import type { IngestRecords } from './records.ts'
import type { SeenIds } from './seen.ts'
import type { WebhookBody } from './body.ts'
import { toAccountRecord, toReturnRecord } from './transform.ts'

/**
 * The listing that confirms an account event starts this much before the event's time: the
 * two may be rounded differently.
 */
const LISTING_MARGIN_MS = 5000

export type SeenTable = Pick<SeenIds, 'has' | 'add' | 'size' | 'record'>

/** What taking an event needs once the seen ids are read to their end. */
export interface Taking { seen: SeenTable, records: IngestRecords }

export interface TakerDeps {
  /** WEBHOOK_MAX_BYTES as set, or as the broker's limit makes it (limit.ts). */
  config: { WEBHOOK_MAX_BYTES: number }
  /** Named in the dead letters' headers. */
  service: string
  logger: Logger
  metrics: Metrics
  clarity: Pick<ClarityClient, 'order' | 'accounts' | 'payment' | 'payout' | 'returns'>
  /** Sends records together; resolves once every in-sync replica has them. */
  take: (records: OutRecord[]) => Promise<void>
  /** Until the seen ids are read to their end, a redelivery would pass for new. */
  ready: Promise<Taking>
}

interface Event { id: string, type: string, data: object }
export type Answer = [status: number, body: object]
export type SignedBody = Exclude<WebhookBody, { kind: 'overflow' }>

function eventOf (raw: Buffer): Event | BridgeError {
  let ev: { id?: unknown, type?: unknown, data?: unknown }
  try {
    ev = JSON.parse(raw.toString('utf8')) as typeof ev
  } catch {
    // JSON.parse's message quotes the body around the fault, and the body is customer data.
    return poison('INVALID_JSON', 'the webhook body is not valid JSON')
  }
  if (typeof ev !== 'object' || ev === null || typeof ev.id !== 'string' || typeof ev.type !== 'string' ||
    typeof ev.data !== 'object' || ev.data === null) {
    return poison('INVALID_PAYLOAD', 'the webhook needs id (text), type (text) and data (an object)')
  }
  return { id: ev.id, type: ev.type, data: ev.data }
}

/**
 * The account or return as Clarity holds it now, if Clarity lists it among those changed
 * since the event's UpdatedDate (never later than now): the contract has no route that
 * reads one. Not listed: the event speaks of a change Clarity does not know.
 */
async function listed (
  clarity: TakerDeps['clarity'], kind: 'accounts' | 'returns', id: number, claimedAt: number
): Promise<ClarityRow | undefined> {
  const since = new Date(Math.min(claimedAt, Date.now()) - LISTING_MARGIN_MS).toISOString()
  for (let page = 1; ; page++) {
    const p = await clarity[kind](since, page, 100)
    const row = p.Results.find((r) => r.ID === id)
    if (row !== undefined || page >= p.TotalPages) return row
  }
}

const NAMED = {
  order: { read: (c: TakerDeps['clarity'], id: number) => c.order(id), missing: 'ORDER_NOT_FOUND' },
  payment: { read: (c: TakerDeps['clarity'], id: number) => c.payment(id), missing: 'PAYMENT_NOT_FOUND' },
  payout: { read: (c: TakerDeps['clarity'], id: number) => c.payout(id), missing: 'PAYOUT_NOT_FOUND' }
} as const

/** The order, payment or payout an event names, as Clarity holds it now. */
async function current (
  clarity: TakerDeps['clarity'], e: Event, kind: keyof typeof NAMED
): Promise<{ id: number, row: unknown }> {
  const id = (e.data as { ID?: unknown }).ID
  if (!Number.isInteger(id)) throw poison('INVALID_PAYLOAD', `${e.type}: data.ID must be the ${kind}'s id`)
  try {
    return { id: id as number, row: await NAMED[kind].read(clarity, id as number) }
  } catch (err) {
    if (err instanceof ClarityRejected) {
      throw poison(NAMED[kind].missing, `${e.type}: Clarity has no ${kind} ${String(id)} (${err.message})`)
    }
    throw err
  }
}

const PAYMENT_EVENTS = ['payment.captured', 'payment.refunded']

/** What an event type is about, if it is one taken. */
function kindOf (type: string): 'account' | 'payment' | 'payout' | 'return' | 'order' | undefined {
  if (type === 'customer.created' || type === 'customer.updated') return 'account'
  if (type === 'return.created' || type === 'return.updated') return 'return'
  if (PAYMENT_EVENTS.includes(type)) return 'payment'
  if (type === 'payout.paid') return 'payout'
  return type.startsWith('order.') ? 'order' : undefined
}

/**
 * What becomes of a body Clarity signed: a record, a duplicate, an event type not taken, or
 * (whatever is wrong with it) a dead letter, never a refusal, because a 4xx would only make
 * Clarity send it again for hours.
 */
export function eventTaker (d: TakerDeps, webhooks: Counter<'result'>) {
  const { logger } = d
  // Events being taken: a retry that overtakes its first attempt waits for it.
  const taking = new Map<string, Promise<void>>()

  /**
   * The event's records, then its seen id: never together, because a send to several
   * partitions is not atomic, and a seen id kept without its record (a broker killed
   * mid-send) would answer the redelivery "duplicate" for an order never written. A failed
   * second send leaves the id unseen; the redelivery writes the record again, which is
   * harmless downstream.
   */
  async function accept (t: Taking, ev: Event, entityId: number, out: OutRecord[]): Promise<Answer> {
    await d.take(out)
    await d.take([t.seen.record(ev.id, ev.type, entityId)])
    t.seen.add(ev.id)
    webhooks.inc({ result: 'accepted' })
    return [200, { accepted: true }]
  }

  async function account (t: Taking, e: Event): Promise<Answer> {
    // What the event claims is checked for shape, then only used to find the account.
    const claimed = toAccountRecord(e.data)
    const row = await listed(d.clarity, 'accounts', claimed.ID, claimed.UpdatedDate)
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

  async function salesReturn (t: Taking, e: Event): Promise<Answer> {
    const claimed = toReturnRecord(e.data)
    const row = await listed(d.clarity, 'returns', claimed.ID, claimed.UpdatedDate)
    if (row === undefined) {
      webhooks.inc({ result: 'return_refused' })
      logger.warn({ eventId: e.id, type: e.type, salesReturn: claimed.ID, code: 'RETURN_NOT_LISTED' },
        'return event refused: Clarity does not list the return as changed since the event\'s UpdatedDate; ' +
        'nothing produced')
      return [200, { refused: 'RETURN_NOT_LISTED' }]
    }
    return await accept(t, e, claimed.ID, t.records.salesReturn({ id: e.id, type: e.type, source: 'WEBHOOK' }, row))
  }

  async function order (t: Taking, e: Event): Promise<Answer> {
    const { id, row } = await current(d.clarity, e, 'order')
    return await accept(t, e, id, t.records.order({ id: e.id, type: e.type, source: 'WEBHOOK' }, row))
  }

  async function payment (t: Taking, e: Event): Promise<Answer> {
    const { id, row } = await current(d.clarity, e, 'payment')
    return await accept(t, e, id, t.records.payment({ id: e.id, type: e.type, source: 'WEBHOOK' }, row))
  }

  async function payout (t: Taking, e: Event): Promise<Answer> {
    const { id, row } = await current(d.clarity, e, 'payout')
    return await accept(t, e, id, t.records.payout({ id: e.id, type: e.type, source: 'WEBHOOK' }, row))
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
      return await keep(poison('PAYLOAD_TOO_LARGE', `the webhook body is ${body.bytes} bytes, over the ` +
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
    const kind = kindOf(e.type)
    if (kind === undefined) {
      webhooks.inc({ result: 'ignored' })
      return [202, { ignored: e.type }]
    }
    const taken = { account, payment, payout, return: salesReturn, order }[kind](t, e)
    const attempt = taken.catch(async (raw2: unknown): Promise<Answer> => {
      const err = classify(raw2)
      if (err.kind === 'poison') {
        const { customers, payments, payouts, returns, orders } = t.records.topics
        const topic = { account: customers, payment: payments, payout: payouts, return: returns, order: orders }[kind]
        return await keep(err, topic, raw)
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
