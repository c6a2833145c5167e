// The webhook route on its own, through inject(): what is refused, what is kept as a
// dead letter, what is a duplicate, and what is handed over to be produced, with Clarity,
// the seen ids and the producer as small in-memory stand-ins. Then on a socket: what is
// refused before its body is read.
import { createHmac } from 'node:crypto'
import { connect } from 'node:net'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { ClarityRejected, type ClarityRow } from '../../../lib/clients/clarity.ts'
import { DLQ_HEADERS } from '../../../lib/consumer-loop.ts'
import { bridgeError } from '../../../lib/errors.ts'
import type { OutRecord } from '../../../lib/kafka.ts'
import { createMetrics } from '../../../lib/metrics.ts'
import { ingestRecords } from '../src/records.ts'
import { webhookRoutes, type SeenTable } from '../src/webhook.ts'

const SECRET = 'whsec_test'
const contact = { FirstName: 'Ana', LastName: 'Núñez', Email1: 'ana@example.com', Phone1: null, Address: { Street1: '500 Congress Ave', City: 'Austin', CountryCode: 'US' } }
const order = {
  ID: 100045, CreatedDate: '2026-11-27T10:15:00Z', UpdatedDate: '2026-11-27T10:15:02Z', StatusKey: 'Pending', SellingCurrencyKey: 'USD',
  Totals: { SubTotal: 19.99, Total: 19.99 }, BillingContact: contact, ShippingContact: contact, SalesItems: []
}
const payment = {
  ID: 77, SalesOrderID: 100045, Amount: 19.99, CurrencyKey: 'USD', StatusKey: 'Payment Received', TransactionNumber: 'ch_3Nx0123456789abcdef',
  CardTypeKey: 'VISA', ReceivedDate: '2026-11-27T10:15:01Z', UpdatedDate: '2026-11-27T10:15:01Z'
}
const payout = {
  ID: 1127, PayoutDate: '2026-11-27T00:00:00Z', CurrencyKey: 'USD', GrossAmount: 1061.35, FeeAmount: 30.35, RefundAmount: 20, NetAmount: 1011,
  Transactions: [{ TransactionNumber: 'ch_1', Kind: 'capture', Amount: 1061.35, Fee: 30.35 }, { TransactionNumber: 'ch_2', Kind: 'refund', Amount: 20, Fee: 0 }],
  UpdatedDate: '2026-11-28T02:00:00Z'
}
const salesReturn = {
  ID: 301, SalesOrderID: 100045, StatusKey: 'Approved', RefundAmount: 17.24, RefundTransactionNumber: null, ErpReference: null,
  SalesItems: [{ Sku: 'WIDGET-RED-L', Quantity: 1, ReasonKey: 'Changed mind', RestockingFeeAmount: 3 }], UpdatedDate: new Date(Date.now() - 1000).toISOString()
}
const account = { ID: 813, Name: 'Kofi Mensah', UpdatedDate: new Date(Date.now() - 1000).toISOString(), PrimaryContact: { FirstName: 'Kofi' } }

const sign = (body: string | Buffer, t = Math.floor(Date.now() / 1000), secret = SECRET): string =>
  `t=${t},v1=${createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex')}`
const json = (r: OutRecord): Record<string, any> => JSON.parse(r.value!.toString()) as Record<string, any>

function ingest (o: {
  orders?: Record<number, ClarityRow>, payments?: Record<number, ClarityRow>, payouts?: Record<number, ClarityRow>
  listed?: ClarityRow[], returns?: ClarityRow[]
  sendFails?: boolean | 'seen', seen?: string[]
  maxBytes?: number, maxInFlight?: number
} = {}) {
  const sent: OutRecord[][] = []
  const logged: Array<Record<string, unknown>> = []
  const ids = new Set(o.seen)
  const listing = [...o.listed ?? []]
  const seen: SeenTable = {
    has: (id) => ids.has(id),
    add: (id) => { ids.add(id) },
    size: () => ids.size,
    record: (eventId, eventType, entityId) => ({ topic: 'bridge.webhooks-seen', key: eventId, value: Buffer.from(JSON.stringify({ eventType, entityId })) })
  }
  const logger = pino(new Writable({
    write (line: Buffer, _enc, done) { logged.push(JSON.parse(line.toString()) as Record<string, unknown>); done() }
  }))
  const metrics = createMetrics('clarity-ingest')
  const encode = (v: unknown): Buffer => Buffer.from(JSON.stringify(v))
  const records = ingestRecords({
    topics: { orders: 'orders.raw', customers: 'customers.raw', payments: 'payments.raw', payouts: 'payouts.raw', returns: 'returns.raw' },
    orders: { encode }, accounts: { encode }, payments: { encode }, payouts: { encode }, returns: { encode }, logger
  })
  const clarity = {
    order: async (id: number): Promise<ClarityRow> => {
      const row = o.orders?.[id]
      if (row === undefined) throw new ClarityRejected(404, [`no SalesOrder ${id}`])
      return row
    },
    payment: async (id: number): Promise<ClarityRow> => {
      const row = o.payments?.[id]
      if (row === undefined) throw new ClarityRejected(404, [`no Payment ${id}`])
      return row
    },
    payout: async (id: number): Promise<ClarityRow> => {
      const row = o.payouts?.[id]
      if (row === undefined) throw new ClarityRejected(404, [`no Payout ${id}`])
      return row
    },
    accounts: async (_since: string, page: number) => ({
      TotalPages: 1, CurrentPage: page, TotalCount: listing.length, CurrentCount: listing.length, Results: listing
    }),
    returns: async () => ({ TotalPages: 1, CurrentPage: 1, Results: o.returns ?? [] }) as never
  }
  const take = async (out: OutRecord[]): Promise<void> => {
    sent.push(out)
    const failing = o.sendFails === true || (o.sendFails === 'seen' && out.some((r) => r.topic === 'bridge.webhooks-seen'))
    if (failing) throw bridgeError('KAFKA_UNAVAILABLE', 'kafka: no broker answers')
  }
  const app: FastifyInstance = Fastify()
  webhookRoutes(app, {
    config: {
      CLARITY_WEBHOOK_SECRET: [SECRET], WEBHOOK_TOLERANCE_SEC: 300, WEBHOOK_MAX_BYTES: o.maxBytes ?? 1024 * 1024,
      WEBHOOK_MAX_IN_FLIGHT: o.maxInFlight ?? 64
    },
    service: 'clarity-ingest', logger, metrics, clarity, take, ready: Promise.resolve({ seen, records })
  })
  const post = async (body: string | Buffer, headers: Record<string, string> = { 'clarity-signature': sign(body) }) => {
    const r = await app.inject({ method: 'POST', url: '/webhooks/clarity', payload: body, headers: { 'content-type': 'application/json', ...headers } })
    return { status: r.statusCode, body: r.json() as Record<string, unknown> }
  }
  const counted = async (result: string): Promise<number> => (await metrics.registry.getSingleMetric('bridge_webhooks_total')!.get()).values.find((v) => v.labels.result === result)?.value ?? 0
  const reading = async (): Promise<number> => (await metrics.registry.getSingleMetric('bridge_webhooks_reading')!.get()).values[0]?.value ?? 0
  return { app, post, sent, logged, ids, listing, counted, reading }
}

const event = (id: string, type: string, data: object): string => JSON.stringify({ id, type, data })

/** Polls until `ok`; a socket's progress has no event to await from outside the server. */
async function waitUntil (ok: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  for (const until = Date.now() + timeoutMs; !(await ok());) {
    if (Date.now() > until) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('POST /webhooks/clarity', () => {
  const body = event('evt_1', 'order.created', { ID: 100045 })
  it.each([
    ['no signature', {}, 'signature missing', 'missing'],
    ['another secret\'s signature', { 'clarity-signature': sign(body, undefined, 'another') }, 'signature mismatch', 'mismatch'],
    ['a signature from ten minutes ago', { 'clarity-signature': sign(body, Math.floor(Date.now() / 1000) - 600) }, 'stale timestamp', 'stale']
  ])('refuses %s with 401, producing nothing', async (_name, headers, error, verdict) => {
    const w = ingest({ orders: { 100045: order } })
    expect(await w.post(body, headers)).toEqual({ status: 401, body: { error } })
    expect(w.sent).toEqual([])
    expect(await w.counted(`signature_${verdict}`)).toBe(1)
  })

  it.each([
    ['a body that is not JSON', '{"id": "evt_2",', 'INVALID_JSON', /^the webhook body is not valid JSON$/],
    ['an event without data', JSON.stringify({ id: 'evt_2', type: 'order.created' }), 'INVALID_PAYLOAD', /needs id \(text\), type \(text\) and data/],
    ['an order event without the order\'s ID', event('evt_2', 'order.created', { Number: 'W-1' }), 'INVALID_PAYLOAD', /data.ID must be the order's id/],
    ['an order Clarity does not have', event('evt_2', 'order.created', { ID: 999 }), 'ORDER_NOT_FOUND', /Clarity has no order 999/]
  ])('keeps %s as a dead letter with its reason, answered 202', async (_name, raw, code, reason) => {
    const w = ingest({ orders: { 100045: order } })
    expect(await w.post(raw, { 'clarity-signature': sign(raw), 'clarity-event-id': 'evt_2' })).toEqual({ status: 202, body: { accepted: true, deadLettered: code } })
    expect(w.sent).toHaveLength(1)
    const [dead] = w.sent[0]!
    expect(dead!.topic).toBe('orders.raw.dlq')
    expect(dead!.value!.toString()).toBe(raw)
    expect(dead!.headers).toMatchObject({ 'Clarity-Event-Id': 'evt_2', [DLQ_HEADERS.code]: code, [DLQ_HEADERS.service]: 'clarity-ingest', [DLQ_HEADERS.topic]: 'orders.raw' })
    expect(dead!.headers![DLQ_HEADERS.message]).toMatch(reason)
    const warning = w.logged.find((l) => l.msg === 'webhook dead-lettered')
    expect(warning).toMatchObject({ eventId: 'evt_2', code })
    expect(JSON.stringify(warning)).not.toContain(raw)
  })

  it('reads the order from Clarity and hands its record over, then the event\'s seen id', async () => {
    const w = ingest({ orders: { 100045: { ...order, StatusKey: 'Processing' } } })
    expect(await w.post(body)).toEqual({ status: 200, body: { accepted: true } })
    expect(w.sent.map((out) => out.length)).toEqual([1, 1])
    const [[record], [seen]] = w.sent as [[OutRecord], [OutRecord]]
    expect(record).toMatchObject({ topic: 'orders.raw', key: '100045', headers: { 'clarity.event.id': 'evt_1' } })
    expect(json(record!)).toMatchObject({ eventId: 'evt_1', eventType: 'order.created', source: 'WEBHOOK', order: { ID: 100045, StatusKey: 'Processing' } })
    expect(seen).toMatchObject({ topic: 'bridge.webhooks-seen', key: 'evt_1' })
    expect(w.ids.has('evt_1')).toBe(true)
  })

  it('answers an event id already taken 200 duplicate, producing nothing', async () => {
    const w = ingest({ orders: { 100045: order }, seen: ['evt_1'] })
    expect(await w.post(body)).toEqual({ status: 200, body: { duplicate: true } })
    expect(w.sent).toEqual([])
    expect(await w.counted('duplicate')).toBe(1)
  })

  it('sends the seen id only once the records are written, never in their send, and takes a redelivery after a failed send', async () => {
    const w = ingest({ orders: { 100045: order }, sendFails: true })
    expect(await w.post(body)).toEqual({ status: 503, body: { error: 'temporarily unavailable', code: 'KAFKA_UNAVAILABLE' } })
    expect(w.sent).toHaveLength(1)
    expect(w.sent[0]!.map((r) => r.topic)).toEqual(['orders.raw'])
    expect(w.ids.has('evt_1')).toBe(false)
    expect((await w.post(body)).status).toBe(503)
    expect(await w.counted('unavailable')).toBe(2)
  })

  it('answers 503 and keeps the id unseen when the records landed but the seen id did not; the redelivery writes them again', async () => {
    const w = ingest({ orders: { 100045: order }, sendFails: 'seen' })
    expect((await w.post(body)).status).toBe(503)
    expect(w.sent.map((out) => out.map((r) => r.topic))).toEqual([['orders.raw'], ['bridge.webhooks-seen']])
    expect(w.ids.has('evt_1')).toBe(false)
    expect((await w.post(body)).status).toBe(503)
    expect(w.sent.filter((out) => out[0]!.topic === 'orders.raw')).toHaveLength(2)
  })

  it('takes a return as Clarity lists it, keyed by its ID, and refuses one Clarity does not list', async () => {
    const w = ingest({ returns: [{ ...salesReturn, StatusKey: 'Received', ErpReference: 'RMA0000121' }] })
    expect(await w.post(event('evt_r1', 'return.updated', salesReturn))).toEqual({ status: 200, body: { accepted: true } })
    expect(w.sent[0]![0]).toMatchObject({ topic: 'returns.raw', key: '301' })
    // What Clarity lists now, not what the event claimed.
    expect(json(w.sent[0]![0]!)).toMatchObject({ source: 'WEBHOOK', salesReturn: { ID: 301, StatusKey: 'Received', ErpReference: 'RMA0000121' } })
    expect(await w.post(event('evt_r2', 'return.created', { ...salesReturn, ID: 302 }))).toEqual({ status: 200, body: { refused: 'RETURN_NOT_LISTED' } })
    expect(w.logged.find((l) => l.code === 'RETURN_NOT_LISTED')).toMatchObject({ eventId: 'evt_r2', salesReturn: 302 })
    expect(w.sent).toHaveLength(2)
    // Not Clarity's SalesReturn: a dead letter beside returns.raw.
    const bad = await w.post(event('evt_r3', 'return.created', { ...salesReturn, SalesItems: 'none' }))
    expect([bad.body.deadLettered, w.sent[2]![0]!.topic]).toEqual(['INVALID_PAYLOAD', 'returns.raw.dlq'])
  })

  it('takes an account as Clarity lists it, refuses one Clarity does not list, and answers an older state 200 stale', async () => {
    const w = ingest({ listed: [{ ...account, Name: 'Kofi A. Mensah' }] })
    expect(await w.post(event('evt_a', 'customer.updated', account))).toEqual({ status: 200, body: { accepted: true } })
    expect(w.sent).toHaveLength(2)
    expect(w.sent[0]![0]).toMatchObject({ topic: 'customers.raw', key: '813' })
    expect(json(w.sent[0]![0]!)).toMatchObject({ source: 'WEBHOOK', account: { ID: 813, Name: 'Kofi A. Mensah' } })

    expect(await w.post(event('evt_b', 'customer.updated', { ...account, ID: 814 }))).toEqual({ status: 200, body: { refused: 'ACCOUNT_NOT_LISTED' } })
    expect(w.logged.find((l) => l.code === 'ACCOUNT_NOT_LISTED')).toMatchObject({ eventId: 'evt_b', account: 814 })

    const before = { ...account, UpdatedDate: new Date(Date.parse(account.UpdatedDate) - 60000).toISOString() }
    w.listing.splice(0, Infinity, before)
    expect(await w.post(event('evt_c', 'customer.updated', before))).toEqual({ status: 200, body: { stale: true } })
    expect(w.sent).toHaveLength(2)
    expect(await w.counted('stale')).toBe(1)
  })

  it.each([
    ['without a signature', {}],
    ['with a malformed signature', { 'clarity-signature': 't=1,v1=abc' }],
    ['with a stale signature', { 'clarity-signature': sign('x', Math.floor(Date.now() / 1000) - 600) }]
  ])('refuses a body over the limit %s with 413, counted, producing nothing', async (_name, headers) => {
    const w = ingest({ maxBytes: 1024 })
    const big = event('evt_big', 'order.created', { ID: 100045, Note: 'x'.repeat(2048) })
    expect(await w.post(big, headers)).toEqual({ status: 413, body: { error: 'body over the 1024 bytes taken' } })
    expect(w.sent).toEqual([])
    expect(await w.counted('too_large')).toBe(1)
  })

  it('keeps a signed body over the limit as a dead letter with its reason and its start, answered 202', async () => {
    const w = ingest({ orders: { 100045: order }, maxBytes: 1024 })
    const big = event('evt_big', 'order.created', { ID: 100045, Note: 'x'.repeat(100 * 1024) })
    expect(await w.post(big, { 'clarity-signature': sign(big), 'clarity-event-id': 'evt_big' })).toEqual({ status: 202, body: { accepted: true, deadLettered: 'PAYLOAD_TOO_LARGE' } })
    expect(w.sent).toHaveLength(1)
    const [dead] = w.sent[0]!
    expect(dead!.topic).toBe('orders.raw.dlq')
    expect(dead!.value!.toString()).toBe(big.slice(0, 64 * 1024))
    expect(dead!.headers).toMatchObject({ 'Clarity-Event-Id': 'evt_big', [DLQ_HEADERS.code]: 'PAYLOAD_TOO_LARGE' })
    expect(dead!.headers![DLQ_HEADERS.message]).toBe(`the webhook body is ${big.length} bytes, over the 1024 a record can take (WEBHOOK_MAX_BYTES); its first 65536 bytes are kept`)
    expect(await w.counted('dead_lettered')).toBe(1)
  })

  it('refuses a body over the limit whose signature is well formed and fresh but not Clarity\'s with 401', async () => {
    const w = ingest({ orders: { 100045: order }, maxBytes: 1024 })
    const big = event('evt_big', 'order.created', { ID: 100045, Note: 'x'.repeat(4096) })
    expect(await w.post(big, { 'clarity-signature': sign(big, undefined, 'another') })).toEqual({ status: 401, body: { error: 'signature mismatch' } })
    expect(w.sent).toEqual([])
    expect(await w.counted('signature_mismatch')).toBe(1)
  })

  it('refuses a signed body over 8 MiB, the most it reads to check a signature, with 413', async () => {
    const w = ingest({ orders: { 100045: order }, maxBytes: 1024 })
    const huge = event('evt_huge', 'order.created', { ID: 100045, Note: 'x'.repeat(8 * 1024 * 1024) })
    expect((await w.post(huge, { 'clarity-signature': sign(huge) })).status).toBe(413)
    expect(w.sent).toEqual([])
  })

  it('keeps a signed body that is not UTF-8 as a dead letter, instead of taking its event with replacement characters', async () => {
    const w = ingest({ orders: { 100045: order } })
    const raw = Buffer.concat([Buffer.from('{"id":"evt_'), Buffer.from([0xff, 0xfe]), Buffer.from('","type":"order.created","data":{"ID":100045}}')])
    expect(await w.post(raw, { 'clarity-signature': sign(raw), 'clarity-event-id': 'evt_bad' })).toEqual({ status: 202, body: { accepted: true, deadLettered: 'INVALID_JSON' } })
    expect(w.sent).toHaveLength(1)
    const [dead] = w.sent[0]!
    expect(dead!.topic).toBe('orders.raw.dlq')
    expect(dead!.value!.equals(raw)).toBe(true)
    expect(dead!.headers![DLQ_HEADERS.message]).toBe('the webhook body is not UTF-8, as JSON must be')
  })

  it('says a body is not JSON without quoting it: the body is customer data', async () => {
    const w = ingest({ orders: { 100045: order } })
    const marker = 'MARKER-7f3c-Ana-Nunez'
    const raw = `{"id":"evt_m","type":"order.created","data":{"Note":"${marker}" "ID":100045}}`
    expect((await w.post(raw, { 'clarity-signature': sign(raw), 'clarity-event-id': 'evt_m' })).body).toEqual({ accepted: true, deadLettered: 'INVALID_JSON' })
    const [dead] = w.sent[0]!
    expect(dead!.headers![DLQ_HEADERS.message]).toBe('the webhook body is not valid JSON')
    expect(JSON.stringify(dead!.headers)).not.toContain(marker)
    expect(JSON.stringify(w.logged)).not.toContain(marker)
  })

  it('reads every body itself, whatever its content-type, and takes a signed text/plain event the same way', async () => {
    const w = ingest({ orders: { 100045: order } })
    expect(await w.post(body, { 'clarity-signature': sign(body), 'content-type': 'text/plain' })).toEqual({ status: 200, body: { accepted: true } })
  })

  it('reads a captured payment from Clarity and hands its record over keyed by its order, then the seen id', async () => {
    const w = ingest({ payments: { 77: { ...payment, Amount: 10 } } })
    expect(await w.post(event('evt_pay', 'payment.captured', { ID: 77, Amount: 19.99 }))).toEqual({ status: 200, body: { accepted: true } })
    const [[record], [seen]] = w.sent as [[OutRecord], [OutRecord]]
    expect(record).toMatchObject({ topic: 'payments.raw', key: '100045', headers: { 'clarity.event.id': 'evt_pay' } })
    expect(json(record!)).toMatchObject({
      eventId: 'evt_pay', eventType: 'payment.captured', source: 'WEBHOOK',
      payment: { ID: 77, SalesOrderID: 100045, Amount: '10.0000', CurrencyKey: 'USD', TransactionNumber: payment.TransactionNumber }
    })
    expect(seen).toMatchObject({ topic: 'bridge.webhooks-seen', key: 'evt_pay' })
  })

  it('keeps a payment event for a payment Clarity does not have, or one that is not a Payment, as a dead letter of payments.raw', async () => {
    const w = ingest({ payments: { 78: { ...payment, ID: 78, SalesOrderID: 'x' } } })
    expect(await w.post(event('evt_p1', 'payment.refunded', { ID: 76 }))).toEqual({ status: 202, body: { accepted: true, deadLettered: 'PAYMENT_NOT_FOUND' } })
    expect(await w.post(event('evt_p2', 'payment.captured', { ID: 78 }))).toEqual({ status: 202, body: { accepted: true, deadLettered: 'INVALID_PAYLOAD' } })
    expect(w.sent.map(([r]) => r!.topic)).toEqual(['payments.raw.dlq', 'payments.raw.dlq'])
    expect(String(w.sent[1]![0]!.headers![DLQ_HEADERS.message])).toContain('payment.SalesOrderID must be a whole number')
  })

  it('reads a paid payout from Clarity and hands its record over keyed by its ID, then the seen id', async () => {
    const w = ingest({ payouts: { 1127: payout } })
    expect(await w.post(event('evt_po', 'payout.paid', { ID: 1127, NetAmount: 1 }))).toEqual({ status: 200, body: { accepted: true } })
    const [[record], [seen]] = w.sent as [[OutRecord], [OutRecord]]
    expect(record).toMatchObject({ topic: 'payouts.raw', key: '1127', headers: { 'clarity.event.id': 'evt_po' } })
    expect(json(record!)).toMatchObject({
      eventId: 'evt_po', eventType: 'payout.paid', source: 'WEBHOOK',
      payout: { ID: 1127, CurrencyKey: 'USD', NetAmount: '1011.0000', PayoutDate: Date.parse(payout.PayoutDate) }
    })
    expect(seen).toMatchObject({ topic: 'bridge.webhooks-seen', key: 'evt_po' })
  })

  it('keeps a payout event for a payout Clarity does not have, or one that is not a Payout, as a dead letter of payouts.raw', async () => {
    const w = ingest({ payouts: { 1128: { ...payout, ID: 1128, PayoutDate: 'yesterday' } } })
    expect(await w.post(event('evt_q1', 'payout.paid', { ID: 1 }))).toEqual({ status: 202, body: { accepted: true, deadLettered: 'PAYOUT_NOT_FOUND' } })
    expect(await w.post(event('evt_q2', 'payout.paid', { ID: 1128 }))).toEqual({ status: 202, body: { accepted: true, deadLettered: 'INVALID_PAYLOAD' } })
    expect(w.sent.map(([r]) => r!.topic)).toEqual(['payouts.raw.dlq', 'payouts.raw.dlq'])
    expect(String(w.sent[0]![0]!.headers![DLQ_HEADERS.message])).toBe('payout.paid: Clarity has no payout 1 (Clarity refused (404): no Payout 1)')
    expect(String(w.sent[1]![0]!.headers![DLQ_HEADERS.message])).toContain('payout.PayoutDate must be an ISO-8601 time')
  })

  it('ignores an event type it does not take, with 202', async () => {
    const w = ingest()
    expect(await w.post(event('evt_p', 'product.updated', { ID: 1 }))).toEqual({ status: 202, body: { ignored: 'product.updated' } })
    expect(w.sent).toEqual([])
  })
})

// On a socket, with the body not sent: what needs no body is answered without waiting for
// it, and the connection is closed, so the body is never read.
describe('POST /webhooks/clarity before the body', () => {
  async function headersOnly (app: FastifyInstance, headers: Record<string, string>) {
    const { port } = app.server.address() as { port: number }
    const socket = connect(port, '127.0.0.1')
    const lines = Object.entries({ host: `127.0.0.1:${port}`, 'content-type': 'application/json', 'content-length': String(8 * 1024 * 1024), ...headers }).map(([k, v]) => `${k}: ${v}`)
    socket.write(`POST /webhooks/clarity HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`)
    let head = ''
    socket.on('data', (d: Buffer) => { head += d.toString() })
    await new Promise<void>((resolve) => socket.once('close', () => resolve()))
    return { head, closed: true }
  }

  it.each([
    ['no signature, over the limit', {}, '413'],
    ['a malformed signature', { 'clarity-signature': 't=soon,v1=abc', 'content-length': '1000' }, '401'],
    ['a stale signature', { 'clarity-signature': sign('x', Math.floor(Date.now() / 1000) - 600), 'content-length': '1000' }, '401'],
    ['a signature over what is read to check one', { 'clarity-signature': sign('x'), 'content-length': String(9 * 1024 * 1024) }, '413']
  ])('answers %s at once and closes the connection', async (_name, headers, status) => {
    const w = ingest({ maxBytes: 1024 })
    await w.app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const { head, closed } = await headersOnly(w.app, headers)
      expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `))
      expect(head.toLowerCase()).toContain('connection: close')
      expect(closed).toBe(true)
      expect(w.sent).toEqual([])
    } finally {
      await w.app.close()
    }
  }, 5000)

  it('keeps a signed body over the limit sent in chunks, with no length said, as a dead letter', async () => {
    const w = ingest({ orders: { 100045: order }, maxBytes: 1024 })
    await w.app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const big = event('evt_chunked', 'order.created', { ID: 100045, Note: 'x'.repeat(200 * 1024) })
      const { port } = w.app.server.address() as { port: number }
      const parts = [big.slice(0, 1000), big.slice(1000)]
      const r = await fetch(`http://127.0.0.1:${port}/webhooks/clarity`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'clarity-signature': sign(big) }, duplex: 'half',
        body: new ReadableStream({
          start (c) { for (const p of parts) c.enqueue(new TextEncoder().encode(p)); c.close() }
        })
      } as RequestInit)
      expect(r.status).toBe(202)
      expect(await r.json()).toEqual({ accepted: true, deadLettered: 'PAYLOAD_TOO_LARGE' })
      expect(w.sent[0]![0]!.value!.length).toBe(64 * 1024)
    } finally {
      await w.app.close()
    }
  })
})

// Bodies being read at once are capped: each holds what it sent so far until its HMAC can be
// checked, at its end, and a fresh header of the right form is all it takes to get there.
describe('POST /webhooks/clarity, bodies being read at once', () => {
  /** A signed upload that stops halfway until told to finish, or to give up. */
  function slowUpload (app: FastifyInstance, body: string) {
    const { port } = app.server.address() as { port: number }
    const socket = connect(port, '127.0.0.1')
    const head = [`host: 127.0.0.1:${port}`, 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, `clarity-signature: ${sign(body)}`, 'connection: close']
    socket.write(`POST /webhooks/clarity HTTP/1.1\r\n${head.join('\r\n')}\r\n\r\n${body.slice(0, 10)}`)
    let answer = ''
    socket.on('data', (d: Buffer) => { answer += d.toString() })
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    return {
      finish: async () => { socket.write(body.slice(10)); await closed; return answer },
      abort: async () => { socket.destroy(); await closed }
    }
  }
  const body0 = event('evt_after', 'order.created', { ID: 100045 })

  it('answers one over WEBHOOK_MAX_IN_FLIGHT 503 with Retry-After: 1 before reading it, and takes webhooks again once the others are read', async () => {
    const w = ingest({ orders: { 100045: order }, maxInFlight: 2 })
    await w.app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const uploads = [slowUpload(w.app, event('evt_s1', 'order.created', { ID: 100045 })), slowUpload(w.app, event('evt_s2', 'order.created', { ID: 100045 }))]
      await waitUntil(async () => await w.reading() === 2)
      const { port } = w.app.server.address() as { port: number }
      const third = event('evt_s3', 'order.created', { ID: 100045 })
      const r = await fetch(`http://127.0.0.1:${port}/webhooks/clarity`, { method: 'POST', headers: { 'content-type': 'application/json', 'clarity-signature': sign(third) }, body: third })
      expect([r.status, r.headers.get('retry-after'), r.headers.get('connection'), await r.json()]).toEqual([503, '1', 'close', { error: '2 webhook bodies are being read already, the most at once (WEBHOOK_MAX_IN_FLIGHT)' }])
      expect(await w.counted('busy')).toBe(1)
      for (const u of uploads) expect(await u.finish()).toMatch(/^HTTP\/1.1 200 /)
      expect(await w.reading()).toBe(0)
      expect((await w.post(third)).body).toEqual({ accepted: true })
    } finally {
      await w.app.close()
    }
  })

  it('frees the place of a client that goes away halfway, and does not hold one for a refused header', async () => {
    const w = ingest({ orders: { 100045: order }, maxInFlight: 1 })
    await w.app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const gone = slowUpload(w.app, event('evt_g', 'order.created', { ID: 100045 }))
      await waitUntil(async () => await w.reading() === 1)
      await gone.abort()
      await waitUntil(async () => await w.reading() === 0)
      expect((await w.post(body0, {})).status).toBe(401)
      expect(await w.reading()).toBe(0)
      expect((await w.post(body0)).body).toEqual({ accepted: true })
    } finally {
      await w.app.close()
    }
  })
})
