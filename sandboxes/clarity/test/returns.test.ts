// The Clarity sandbox's returns against the contract (../shared/contracts/clarity.md): Requested,
// Approved, Received, Refunded or Rejected; the refund taken from the order's captures and back by
// the next payout. The order priced here: 2 × WIDGET-RED-L at 19.99 and 1 × PIPE-COPPER-05 at 24.50,
// to Austin TX (8.25 %): subtotal 64.48, tax 3.30 + 2.02 = 5.32, shipping 9.95, total 79.75.
import Fastify, { type FastifyInstance } from 'fastify'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { waitFor } from '../../../test/helpers.ts'
import { buildClaritySandbox, type ClaritySandbox } from '../app.ts'
import type { Payout } from '../state.ts'
import { openSandbox, shopper } from './harness.ts'

const PIPE = 'PIPE-COPPER-05'
let sb: ClaritySandbox
let token: string
let receiver: FastifyInstance | undefined
beforeEach(async () => {
  ({ sb, token } = await openSandbox({ tokenTtlSec: 10 * 365 * 86400 }))
  for (const [sku, price] of [['WIDGET-RED-L', 19.99], [PIPE, 24.5]] as const) {
    Object.values(sb.state().products).find((p) => p.CustomKey === sku)!.PriceBase = price
  }
})
afterEach(async () => { vi.useRealTimers(); await receiver?.close(); receiver = undefined; await sb.app.close() })

const api = async (method: 'GET' | 'PATCH', url: string, payload?: unknown) => {
  const r = await sb.app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${token}` } })
  return { status: r.statusCode, body: r.json() as any }
}
const steer = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
  const r = await sb.app.inject({ method, url, payload: payload as object })
  return { status: r.statusCode, body: r.json() as any }
}
const lines = [{ sku: 'WIDGET-RED-L', quantity: 2 }, { sku: PIPE, quantity: 1 }]
const place = async (over: Record<string, unknown> = {}) => (await steer('POST', '/sandbox/storefront/orders', shopper({ lines, ...over }))).body
const ship = async (id: number, Items?: unknown[]) => api('PATCH', `/Ordering/SalesOrder/Ship/${id}`, { ShipmentKey: `SH${id}${Items === undefined ? '' : 'P'}`, Items })
const shipped = async (over: Record<string, unknown> = {}) => {
  const o = await place(over)
  await ship(o.ID)
  return o
}
const ask = async (orderId: number, items: unknown[]) => steer('POST', '/sandbox/storefront/returns', { orderId, items })
const confirm = async (id: number, payload?: unknown) => api('PATCH', `/Returning/SalesReturn/Confirm/${id}`, payload)
const receive = async (id: number, payload?: unknown) => api('PATCH', `/Returning/SalesReturn/Receive/${id}`, payload)
const run = async (date: string) => (await steer('POST', '/sandbox/payouts/run', { date })).body.Payouts as Payout[]
const day = (plus: number) => new Date(Date.now() + plus * 86400000).toISOString().slice(0, 10)
const at = (iso: string) => { vi.useFakeTimers({ toFake: ['Date'] }); vi.setSystemTime(new Date(iso)) }
const events = () => sb.state().nextId.event
const widgetAndPipe = [{ sku: 'WIDGET-RED-L', quantity: 1, reason: 'Changed mind' }, { sku: PIPE, quantity: 1, reason: 'Damaged' }]
const REFUND_ID = /^re_3N[0-9A-Za-z]{24}$/

/** Every webhook delivered, in the order they were sent (the sequence in the event id). */
async function listen (): Promise<Array<{ id: string, type: string, data: any }>> {
  const got: Array<{ id: string, type: string, data: any }> = []
  receiver = Fastify()
  receiver.post('/hook', async (req) => { got.push(req.body as { id: string, type: string, data: any }); return {} })
  await receiver.listen({ port: 0, host: '127.0.0.1' })
  const port = (receiver.server.address() as { port: number }).port
  await steer('PUT', '/sandbox/webhooks', { urls: [`http://127.0.0.1:${port}/hook`] })
  return got
}
const seq = (id: string) => Number(id.slice(-12, -6))
const inOrder = <T extends { id: string }>(got: T[]) => [...got].sort((a, b) => seq(a.id) - seq(b.id))

describe('a return through its lifecycle', () => {
  it('takes a partial return of a shipped order from Approved to Refunded, and the next payout takes the refund back', async () => {
    const got = await listen()
    const o = await shipped()
    expect(o.Totals).toMatchObject({ SubTotal: 64.48, Tax: 5.32, Total: 79.75 })
    const [captured] = await run(day(0))
    expect(captured!.Transactions.map((t) => t.Kind)).toEqual(['capture'])

    const r = await ask(o.ID, widgetAndPipe)
    expect(r.status).toBe(201)
    // 19.99 + 24.50 = 44.49; tax 5.32 × 44.49 / 64.48 = 3.6707 → 3.67; fee 15 % of 19.99 = 2.9985 → 3.00.
    expect(r.body).toEqual({
      ID: 301, CustomKey: null, CreatedDate: expect.any(String), UpdatedDate: r.body.CreatedDate, Active: true,
      Hash: null,
      SalesOrderID: o.ID, StatusKey: 'Approved', RefundAmount: 45.16, RefundTransactionNumber: null, ErpReference: null,
      SalesItems: [
        { Sku: 'WIDGET-RED-L', Quantity: 1, ReasonKey: 'Changed mind', RestockingFeeAmount: 3 },
        { Sku: PIPE, Quantity: 1, ReasonKey: 'Damaged', RestockingFeeAmount: 0 }
      ]
    })
    const confirmed = await confirm(301, { ErpReference: 'RMA0000123' })
    expect(confirmed).toEqual({ status: 200, body: { ActionSucceeded: true, Messages: [], Result: { ...r.body, ErpReference: 'RMA0000123', UpdatedDate: expect.any(String) } } })
    expect((await confirm(301, { ErpReference: 'RMA0000123' })).body).toMatchObject({ Messages: ['Already approved'], Result: { StatusKey: 'Approved' } })
    expect((await confirm(301)).body.Messages).toEqual(['Already approved'])

    const received = await receive(301, { ErpReference: 'RMA0000123' })
    expect(received.status).toBe(200)
    const done = received.body.Result
    expect(done).toMatchObject({ StatusKey: 'Refunded', ErpReference: 'RMA0000123', RefundAmount: 45.16, RefundTransactionNumber: expect.stringMatching(REFUND_ID) })
    const number = done.RefundTransactionNumber as string
    expect(number.length).toBe(29)

    const payment = (await api('GET', `/Payments/Payment/ID/${o.Payments[0].ID}`)).body
    expect(payment).toMatchObject({
      StatusKey: 'Payment Received', Amount: 79.75, RefundedAmount: 45.16,
      Refunds: [{ TransactionNumber: number, Amount: 45.16, RefundedDate: payment.UpdatedDate, SalesReturnID: 301 }]
    })
    expect((await api('GET', `/Ordering/SalesOrder/ID/${o.ID}`)).body.Payments[0]).toMatchObject({ StatusKey: 'Payment Received', RefundedAmount: 45.16 })

    expect(await run(day(0))).toEqual([])
    const [back] = await run(day(1))
    expect(back).toMatchObject({ CurrencyKey: 'USD', GrossAmount: 0, FeeAmount: 0, RefundAmount: 45.16, NetAmount: -45.16 })
    expect(back!.Transactions).toEqual([{ TransactionNumber: number, Kind: 'refund', Amount: 45.16, Fee: 0 }])
    expect(await run(day(2))).toEqual([])

    const mine = () => inOrder(got.filter((g) => g.type.startsWith('return.') || g.type === 'payment.refunded'))
    await waitFor('the return\'s webhooks', () => mine().length === 5 && sb.state().outbox.length === 0)
    expect(mine().map((g) => [g.type, g.data.StatusKey])).toEqual([
      ['return.created', 'Approved'], ['return.updated', 'Approved'], ['return.updated', 'Received'],
      ['payment.refunded', 'Payment Received'], ['return.updated', 'Refunded']
    ])
    expect(mine()[1]!.data.ErpReference).toBe('RMA0000123')
    expect(mine()[3]!.data).toEqual(payment)
    expect(mine()[4]!.data).toEqual(done)
  })

  it('spreads a refund over the card payments, the largest first and a gift card last', async () => {
    const payments = [{ amount: 45, cardType: 'GIFTCARD' }, { amount: 20 }, { amount: 14.75, cardType: 'MC' }]
    const o = await shipped({ payments })
    await ask(o.ID, widgetAndPipe)
    const number = (await receive(301, { ErpReference: 'RMA1' })).body.Result.RefundTransactionNumber
    const kept = (await steer('GET', `/sandbox/state/payments?order=${o.ID}`)).body.Items
    const refunds = (p: any) => p.Refunds?.map((x: any) => [x.TransactionNumber, x.Amount])
    expect(kept.map((p: any) => [p.CardTypeKey, p.StatusKey, p.RefundedAmount, refunds(p)])).toEqual([
      ['GIFTCARD', 'Payment Received', 10.41, [[`${number}_3`, 10.41]]],
      ['VISA', 'Refunded', 20, [[number, 20]]],
      ['MC', 'Refunded', 14.75, [[`${number}_2`, 14.75]]]
    ])
    const [x] = await run(day(0))
    // The payout lists refunds made at once by their payment: the gift card's came first.
    expect(x!.Transactions.filter((t) => t.Kind === 'refund')).toEqual([
      { TransactionNumber: `${number}_3`, Kind: 'refund', Amount: 10.41, Fee: 0 },
      { TransactionNumber: number, Kind: 'refund', Amount: 20, Fee: 0 },
      { TransactionNumber: `${number}_2`, Kind: 'refund', Amount: 14.75, Fee: 0 }
    ])
    expect(x).toMatchObject({ GrossAmount: 79.75, RefundAmount: 45.16 })
  })

  it('receives idempotently with the same reference, refuses another, and refunds on request when auto refund is off', async () => {
    expect((await steer('PUT', '/sandbox/returns', { autoRefund: false })).body).toEqual({ autoApprove: true, autoRefund: false, restockingRates: { 'Changed mind': 0.15 }, share: 0 })
    const o = await shipped()
    await ask(o.ID, [{ sku: 'WIDGET-RED-L', quantity: 2 }])
    expect(await receive(301)).toEqual({ status: 400, body: { ActionSucceeded: false, Messages: ['ErpReference is required'] } })
    expect((await receive(301, { ErpReference: ' ' })).status).toBe(400)
    expect((await receive(999, { ErpReference: 'RMA1' })).status).toBe(404)
    const first = await receive(301, { ErpReference: 'RMA1' })
    expect(first.body).toMatchObject({ Messages: [], Result: { StatusKey: 'Received', ErpReference: 'RMA1', RefundTransactionNumber: null } })
    const before = events()
    expect((await receive(301, { ErpReference: 'RMA1' })).body).toEqual({ ActionSucceeded: true, Messages: ['Already received'], Result: first.body.Result })
    expect(await receive(301, { ErpReference: 'RMA2' })).toEqual({ status: 409, body: { ActionSucceeded: false, Messages: ['SalesReturn 301 is RMA1 in the ERP, not RMA2'] } })
    expect((await confirm(301, { ErpReference: 'RMA2' })).status).toBe(409)
    expect((await confirm(301, { ErpReference: 'RMA1' })).body.Messages).toEqual(['Already received'])
    expect(events()).toBe(before)
    expect(sb.state().payments[o.Payments[0].ID]!.Refunds).toBeUndefined()

    const refunded = await steer('POST', '/sandbox/returns/301/refund')
    // Two widgets, no fee for reason Other: 39.98 + 5.32 × 39.98 / 64.48 = 3.2985 → 3.30.
    expect(refunded.body).toMatchObject({ StatusKey: 'Refunded', RefundAmount: 43.28, RefundTransactionNumber: expect.stringMatching(REFUND_ID) })
    expect(events()).toBe(before + 2)
    expect((await steer('POST', '/sandbox/returns/301/refund')).body).toEqual(refunded.body)
    expect((await receive(301, { ErpReference: 'RMA1' })).body.Messages).toEqual(['Already refunded'])
    expect(events()).toBe(before + 2)
    expect(sb.state().payments[o.Payments[0].ID]).toMatchObject({ RefundedAmount: 43.28, StatusKey: 'Payment Received' })
  })

  it('leaves a return Received while the order has nothing captured to refund, and refunds it once captured', async () => {
    const o = await shipped({ capture: 'later' })
    await ask(o.ID, [{ sku: PIPE, quantity: 1, reason: 'Changed mind' }])
    // 24.50 + 5.32 × 24.50 / 64.48 = 2.0214 → 2.02, less 15 % of 24.50 = 3.675 → 3.68.
    const why = `SalesOrder ${o.ID} has 0.00 captured left to refund, not the 22.84 asked`
    expect((await receive(301, { ErpReference: 'RMA7' })).body).toMatchObject({ Messages: [`Received, not refunded: ${why}`], Result: { StatusKey: 'Received', RefundAmount: 22.84 } })
    expect(await steer('POST', '/sandbox/returns/301/refund')).toEqual({ status: 409, body: { ActionSucceeded: false, Messages: [why] } })
    await steer('POST', `/sandbox/payments/${o.Payments[0].ID}/capture`)
    expect((await steer('POST', '/sandbox/returns/301/refund')).body).toMatchObject({ StatusKey: 'Refunded' })
    expect(sb.state().payments[o.Payments[0].ID]).toMatchObject({ RefundedAmount: 22.84 })
  })
})

describe('the merchant\'s decision', () => {
  it('keeps a return Requested without auto approval: approve, reject, each once, and Confirm approves', async () => {
    await steer('PUT', '/sandbox/returns', { autoApprove: false })
    const o = await shipped()
    const one = [{ sku: 'WIDGET-RED-L', quantity: 1 }]
    expect((await ask(o.ID, one)).body).toMatchObject({ ID: 301, StatusKey: 'Requested' })
    expect(await receive(301, { ErpReference: 'RMA1' })).toEqual({ status: 409, body: { ActionSucceeded: false, Messages: ['SalesReturn 301 is Requested; only an approved return can be received'] } })
    expect(await steer('POST', '/sandbox/returns/301/refund')).toEqual({ status: 409, body: { ActionSucceeded: false, Messages: ['SalesReturn 301 is Requested; only a received return is refunded'] } })
    const approved = await steer('POST', '/sandbox/returns/301/approve')
    expect(approved.body).toMatchObject({ StatusKey: 'Approved' })
    const before = events()
    expect(await steer('POST', '/sandbox/returns/301/approve')).toEqual(approved)
    expect(events()).toBe(before)
    expect(await steer('POST', '/sandbox/returns/301/reject')).toEqual({ status: 409, body: { ActionSucceeded: false, Messages: ['SalesReturn 301 is Approved; only a requested return can be rejected'] } })

    await ask(o.ID, one)
    expect((await steer('POST', '/sandbox/returns/302/reject')).body).toMatchObject({ ID: 302, StatusKey: 'Rejected' })
    expect((await steer('POST', '/sandbox/returns/302/reject')).body.StatusKey).toBe('Rejected')
    expect((await steer('POST', '/sandbox/returns/302/approve')).status).toBe(409)
    expect(await confirm(302, { ErpReference: 'RMA2' })).toEqual({ status: 409, body: { ActionSucceeded: false, Messages: ['SalesReturn 302 was rejected and cannot be confirmed'] } })
    expect((await receive(302, { ErpReference: 'RMA2' })).status).toBe(409)
    expect(events()).toBe(before + 2)

    // The rejected widget can be asked for again; the ERP's Confirm approves it.
    expect((await ask(o.ID, one)).body).toMatchObject({ ID: 303, StatusKey: 'Requested' })
    expect((await confirm(303)).body.Result).toMatchObject({ StatusKey: 'Approved', ErpReference: null })
    expect((await confirm(303, { ErpReference: 'RMA3' })).body.Result).toMatchObject({ StatusKey: 'Approved', ErpReference: 'RMA3' })
    expect((await steer('POST', '/sandbox/returns/404/approve')).status).toBe(404)
    expect((await steer('GET', `/sandbox/state/returns?order=${o.ID}`)).body.Items.map((r: any) => r.StatusKey)).toEqual(['Approved', 'Rejected', 'Approved'])
  })

  it('lists a return again by ModifiedSince once it changed', async () => {
    await steer('PUT', '/sandbox/returns', { autoApprove: false })
    at('2026-11-27T10:00:00Z')
    const o = await shipped()
    await ask(o.ID, [{ sku: PIPE, quantity: 1 }])
    const since = async (t: string) => (await api('GET', `/Returning/SalesReturns?ModifiedSince=${t}`)).body
    expect((await since('2026-11-27T10:00:00Z')).Results.map((r: any) => [r.ID, r.StatusKey])).toEqual([[301, 'Requested']])
    expect((await since('2026-11-27T10:00:00.001Z')).TotalCount).toBe(0)
    at('2026-11-27T11:00:00Z')
    await steer('POST', '/sandbox/returns/301/approve')
    const changed = await since('2026-11-27T11:00:00Z')
    expect(changed).toMatchObject({ TotalCount: 1, Results: [{ ID: 301, StatusKey: 'Approved', CreatedDate: '2026-11-27T10:00:00.000Z', UpdatedDate: '2026-11-27T11:00:00.000Z' }] })
    at('2026-11-27T12:00:00Z')
    await confirm(301, { ErpReference: 'RMA9' })
    expect((await since('2026-11-27T12:00:00Z')).Results).toMatchObject([{ ErpReference: 'RMA9', UpdatedDate: '2026-11-27T12:00:00.000Z' }])
    expect((await since('yesterday'))).toMatchObject({ ActionSucceeded: false })
  })
})

describe('what a shopper can ask back', () => {
  it('refuses more than is left to return, and what is not on the order, with 400', async () => {
    const o = await shipped()
    const refusal = async (items: unknown[]) => (await ask(o.ID, items)).body.Messages
    expect(await refusal([{ sku: 'WIDGET-RED-L', quantity: 3 }])).toEqual(['quantity of WIDGET-RED-L must be 1 to 2: 2 ordered, 0 in earlier returns'])
    expect(await refusal([{ sku: 'WIDGET-RED-L', quantity: 0 }])).toEqual(['quantity of WIDGET-RED-L must be 1 to 2: 2 ordered, 0 in earlier returns'])
    expect(await refusal([{ sku: 'WIDGET-RED-L', quantity: 1.5 }])).toEqual(['items[0].quantity must be a whole number'])
    expect(await refusal([{ sku: 'NOPE', quantity: 1 }])).toEqual([`SKU NOPE is not on SalesOrder ${o.ID}`])
    expect(await refusal([{ sku: PIPE, quantity: 1 }, { sku: PIPE, quantity: 1 }])).toEqual([`items: ${PIPE} is listed twice`])
    expect(await refusal([])).toEqual(['items is a list of at least one { sku, quantity, reason? }'])
    expect(await refusal([{ sku: PIPE, quantity: 1, reason: '' }])).toEqual(['items[0].reason is required'])
    expect((await ask(o.ID, [{ sku: 'WIDGET-RED-L', quantity: 2 }])).status).toBe(201)
    const r = await ask(o.ID, [{ sku: 'WIDGET-RED-L', quantity: 1 }])
    expect(r).toEqual({ status: 400, body: { ActionSucceeded: false, Messages: [`nothing of WIDGET-RED-L is left to return on SalesOrder ${o.ID}: 2 ordered, 2 returned`] } })
    expect((await ask(o.ID, [{ sku: PIPE, quantity: 2 }])).body.Messages).toEqual(['quantity of PIPE-COPPER-05 must be 1 to 1: 1 ordered, 0 in earlier returns'])
    expect(Object.keys(sb.state().returns)).toEqual(['301'])
  })

  it('refuses an order that has not shipped with 409, and takes back an unshipped line of one shipped in part', async () => {
    const o = await place()
    expect(await ask(o.ID, [{ sku: PIPE, quantity: 1 }])).toEqual({ status: 409, body: { ActionSucceeded: false, Messages: [`SalesOrder ${o.ID} is Pending; only an order that has shipped can be returned`] } })
    await ship(o.ID, [{ Sku: PIPE, Quantity: 1 }])
    // The widgets never shipped: the shopper may ask all the same, and the ERP refuses them.
    const r = await ask(o.ID, [{ sku: 'WIDGET-RED-L', quantity: 2 }])
    expect(r.body).toMatchObject({ StatusKey: 'Approved', SalesItems: [{ Sku: 'WIDGET-RED-L', Quantity: 2, ReasonKey: 'Other', RestockingFeeAmount: 0 }] })
    expect((await ask(999, [{ sku: PIPE, quantity: 1 }])).status).toBe(404)
  })
})

describe('settings, saved state and the demo load', () => {
  it('charges restocking fees as set', async () => {
    const set = await steer('PUT', '/sandbox/returns', { restockingRates: { Damaged: 0.1, 'Changed mind': 0 } })
    expect(set.body.restockingRates).toEqual({ Damaged: 0.1, 'Changed mind': 0 })
    const o = await shipped()
    // 0.1 × 24.50 = 2.45; 44.49 + 3.67 − 2.45 = 45.71.
    expect((await ask(o.ID, widgetAndPipe)).body)
      .toMatchObject({ RefundAmount: 45.71, SalesItems: [{ RestockingFeeAmount: 0 }, { RestockingFeeAmount: 2.45 }] })
    expect((await steer('GET', '/sandbox/state')).body.settings).toMatchObject({ returnsAutoApprove: true, returnsAutoRefund: true, returnShare: 0, returnRestockingRates: { Damaged: 0.1 } })
  })

  it.each([
    [{ auto: true }, 'auto is not a returns setting; they are autoApprove, autoRefund, restockingRates and share'],
    [{ autoApprove: 'yes' }, 'autoApprove is true or false'],
    [{ autoRefund: 1 }, 'autoRefund is true or false'],
    [{ share: 1.5 }, 'share is the part of the demo load\'s shipped orders returned, from 0 to 1'],
    [{ restockingRates: [] }, 'restockingRates is an object of ReasonKey → a rate from 0 to 1'],
    [{ restockingRates: { Damaged: 1.1 } }, 'restockingRates.Damaged is a rate from 0 to 1 with at most 4 decimals'],
    [{ restockingRates: { Damaged: 0.12345 } }, 'restockingRates.Damaged is a rate from 0 to 1 with at most 4 decimals'],
    [{ restockingRates: { '': 0.1 } }, 'restockingRates: a ReasonKey is 1 to 64 characters']
  ])('PUT /sandbox/returns refuses %j with 400', async (body, message) => {
    expect(await steer('PUT', '/sandbox/returns', body)).toEqual({ status: 400, body: { ActionSucceeded: false, Messages: [message] } })
    expect(sb.state().settings).toMatchObject({ returnsAutoApprove: true, returnsAutoRefund: true, returnShare: 0, returnRestockingRates: { 'Changed mind': 0.15 } })
  })

  it('loads a state file from before the lifecycle: Pending reads as Requested, Confirmed as Approved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clarity-returns-'))
    const dataFile = join(dir, 'clarity.json')
    const build = () => buildClaritySandbox({ clientId: 'bridge', clientSecret: 's3cret', webhookSecrets: ['w'], dataFile })
    try {
      const first = build()
      await first.app.close()
      const saved = JSON.parse(readFileSync(dataFile, 'utf8'))
      const old = (ID: number, StatusKey: string) => ({
        ID, CreatedDate: '2026-11-01T00:00:00.000Z', UpdatedDate: '2026-11-02T00:00:00.000Z', SalesOrderID: 100045, StatusKey,
        RefundAmount: 19.99, SalesItems: [{ Sku: 'WIDGET-RED-L', Quantity: 1, ReasonKey: 'Other', RestockingFeeAmount: 0 }]
      })
      saved.returns = { 301: old(301, 'Pending'), 302: old(302, 'Confirmed') }
      delete saved.nextId.refund
      for (const k of ['returnsAutoApprove', 'returnsAutoRefund', 'returnRestockingRates', 'returnShare']) delete saved.settings[k]
      writeFileSync(dataFile, JSON.stringify(saved))
      const again = build()
      const fresh = { CustomKey: null, Active: true, Hash: null, RefundTransactionNumber: null, ErpReference: null }
      expect(again.state().returns).toEqual({ 301: { ...old(301, 'Requested'), ...fresh }, 302: { ...old(302, 'Approved'), ...fresh } })
      expect(again.state().settings).toMatchObject({ returnsAutoApprove: true, returnsAutoRefund: true, returnShare: 0, returnRestockingRates: { 'Changed mind': 0.15 } })
      expect(again.state().nextId.refund).toBe(0)
      await again.app.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('has the demo load return a line of its orders once they shipped, at returnShare', async () => {
    expect((await steer('PUT', '/sandbox/returns', { share: 1 })).body.share).toBe(1)
    await steer('PUT', '/sandbox/load', { rate: 40 })
    try {
      const x = await waitFor('an order of the load', () => Object.values(sb.state().orders)[0], 10000)
      await ship(x.ID)
      const r = await waitFor('its return', () => Object.values(sb.state().returns).find((y) => y.SalesOrderID === x.ID), 10000)
      expect(r.SalesItems).toHaveLength(1)
      const line = x.SalesItems.find((l) => l.Sku === r.SalesItems[0]!.Sku)!
      expect(r.SalesItems[0]!.Quantity).toBeGreaterThanOrEqual(1)
      expect(r.SalesItems[0]!.Quantity).toBeLessThanOrEqual(line.Quantity)
      expect(['Changed mind', 'Damaged', 'Wrong size', 'Not as described']).toContain(r.SalesItems[0]!.ReasonKey)
      expect(Object.keys(sb.state().returns)).toHaveLength(1)
      expect((await steer('GET', '/sandbox/load')).body.returned).toBe(1)
    } finally {
      await steer('PUT', '/sandbox/load', { rate: 0 })
    }
  })
})
