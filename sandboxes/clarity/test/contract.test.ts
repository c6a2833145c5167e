// The Clarity sandbox against the contract (../shared/contracts/clarity.md).
import Fastify, { type FastifyInstance } from 'fastify'
import { createHmac } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { waitFor } from '../../../test/helpers.ts'
import type { ClaritySandbox } from '../app.ts'
import { address, openSandbox, shopper } from './harness.ts'
import { priceOrder } from '../storefront.ts'

let sb: ClaritySandbox
let token: string
beforeEach(async () => { ({ sb, token } = await openSandbox()) })
afterEach(async () => { await sb.app.close() })

const api = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: unknown) => {
  const r = await sb.app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${token}` } })
  return { status: r.statusCode, body: r.json() as any }
}
const place = async (over: Record<string, unknown> = {}) => sb.app.inject({ method: 'POST', url: '/sandbox/storefront/orders', payload: shopper(over) })

describe('OAuth', () => {
  it('issues expiring bearer tokens for the client credentials, and only for them', async () => {
    const form = (b: string) => sb.app.inject({ method: 'POST', url: '/oauth/token', payload: b, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    const good = await form('grant_type=client_credentials&client_id=bridge&client_secret=s3cret')
    expect(good.json()).toMatchObject({ token_type: 'Bearer', expires_in: 300 })
    expect((await form('grant_type=client_credentials&client_id=bridge&client_secret=nope')).statusCode).toBe(401)
    expect((await form('grant_type=password&client_id=bridge&client_secret=s3cret')).statusCode).toBe(400)
    expect((await sb.app.inject('/Ordering/SalesOrders')).statusCode).toBe(401)
    expect((await api('GET', '/Ordering/SalesOrders')).status).toBe(200)
    await sb.app.inject({ method: 'POST', url: '/sandbox/tokens/expire' })
    const expired = await api('GET', '/Ordering/SalesOrders')
    expect(expired.status).toBe(401)
    expect(expired.body).toEqual({ ActionSucceeded: false, Messages: ['The access token has expired'] })
  })
})

describe('POST /sandbox/tokens/expire', () => {
  it('makes every token issued so far answer 401 at once; a new one works', async () => {
    const issue = async () => (await sb.app.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials&client_id=bridge&client_secret=s3cret', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json().access_token as string
    const others = [await issue(), await issue()]
    const status = async (t: string) => (await sb.app.inject({ url: '/Ordering/SalesOrders', headers: { authorization: `Bearer ${t}` } })).statusCode
    for (const t of [token, ...others]) expect(await status(t)).toBe(200)
    const r = await sb.app.inject({ method: 'POST', url: '/sandbox/tokens/expire' })
    expect(r.json()).toMatchObject({ expired: 3 })
    for (const t of [token, ...others]) {
      const denied = await sb.app.inject({ method: 'POST', url: '/Products/Product/Upsert', headers: { authorization: `Bearer ${t}` }, payload: { CustomKey: 'X', Name: 'x', PriceBase: 1 } })
      expect(denied.statusCode).toBe(401)
      expect(denied.headers['www-authenticate']).toMatch(/invalid_token/)
      expect(await status(t)).toBe(401)
    }
    expect(Object.values(sb.state().products).some((p) => p.CustomKey === 'X')).toBe(false)
    expect(await status(await issue())).toBe(200)
  })
})

describe('storefront', () => {
  it('places an order priced by Clarity, decrementing the displayed stock', async () => {
    const r = await place({ coupon: 'WELCOME10' })
    expect(r.statusCode).toBe(201)
    const o = r.json()
    const unit = sb.state().products[Object.keys(sb.state().products).find((k) => sb.state().products[k]!.CustomKey === 'WIDGET-RED-L')!]!.PriceBase
    expect(o).toMatchObject({ StatusKey: 'Pending', TypeKey: 'Web', SellingCurrencyKey: 'USD', AccountID: 812, AccountKey: 'C000123', ShippingMethodKey: 'UPS-GROUND' })
    expect(o.SalesItems[0]).toMatchObject({ Sku: 'WIDGET-RED-L', Quantity: 2, UnitSoldPrice: unit })
    const t = o.Totals
    expect(Math.round((t.SubTotal + t.Shipping + t.Handling + t.Fees + t.Tax - t.Discounts) * 100))
      .toBe(Math.round(t.Total * 100))
    expect(t.Discounts).toBe(Math.round(unit * 2 * 10) / 100)
    expect(o.Discounts).toEqual([{ Code: 'WELCOME10', Value: t.Discounts }])
    expect(o.Payments[0].Amount).toBe(t.Total)
    expect((await api('GET', '/Products/Product/Key/WIDGET-RED-L')).body.StockQuantity).toBe(28)
  })
  it('prices taxes per line after the discount, and reconciles to the cent in every currency', () => {
    const p = (price: number, tax = 'TAXABLE') => ({ ID: 1, CustomKey: 'X', PriceBase: price, TaxCode: tax } as never)
    for (const currency of ['USD', 'EUR', 'GBP', 'CAD']) {
      const r = priceOrder({ currency, coupon: 'WELCOME10' }, { ...address }, [{ product: p(19.99), quantity: 3 }, { product: p(1.99, 'NONTAX'), quantity: 7 }, { product: p(0.89), quantity: 11 }])
      const t = r.totals
      expect(Math.round(t.SubTotal * 100) + Math.round(t.Shipping * 100) + Math.round(t.Tax * 100) -
        Math.round(t.Discounts * 100)).toBe(Math.round(t.Total * 100))
      expect(r.lines[1]!.tax).toBe(0)
    }
  })
  it.each([
    ['an unknown SKU', shopper({ lines: [{ sku: 'NOPE', quantity: 1 }] }), 400, /unknown SKU/],
    ['a discontinued item', shopper({ lines: [{ sku: 'MOTOR-2HP-1PH', quantity: 1 }] }), 400, /unknown SKU/],
    ['more than the displayed stock', shopper({ lines: [{ sku: 'WIDGET-RED-L', quantity: 31 }] }), 409, /only 30 of WIDGET-RED-L/],
    ['a bad address', shopper({ shipTo: { ...address, PostalCode: 'ABC' } }), 400, /bad shipTo address/],
    ['a missing region in the US', shopper({ billTo: { ...address, RegionCode: undefined } }), 400, /RegionCode/],
    ['an unknown coupon', shopper({ coupon: 'FREE100' }), 400, /coupon/],
    ['an unsold currency', shopper({ currency: 'JPY' }), 400, /does not sell in JPY/],
    ['no lines', shopper({ lines: [] }), 400, /at least one line/],
    ['a zero quantity', shopper({ lines: [{ sku: 'WIDGET-RED-L', quantity: 0 }] }), 400, /quantity/],
    ['a bad e-mail', shopper({ customer: { email: 'ana', firstName: 'A', lastName: 'N' } }), 400, /e-mail/]
  ])('refuses %s', async (_n, body, status, message) => {
    const r = await sb.app.inject({ method: 'POST', url: '/sandbox/storefront/orders', payload: body })
    expect(r.statusCode).toBe(status)
    expect(r.json().Messages[0]).toMatch(message)
    expect(Object.keys(sb.state().orders)).toHaveLength(0)
  })
})

describe('orders', () => {
  it('lists by ModifiedSince with 1-based pages', async () => {
    for (let i = 0; i < 5; i++) await place()
    const p1 = await api('GET', '/Ordering/SalesOrders?ModifiedSince=2000-01-01T00:00:00Z&Paging.Size=2&Paging.StartIndex=1')
    expect(p1.body).toMatchObject({ TotalPages: 3, CurrentPage: 1, TotalCount: 5, CurrentCount: 2 })
    const p3 = await api('GET', '/Ordering/SalesOrders?ModifiedSince=2000-01-01T00:00:00Z&Paging.Size=2&Paging.StartIndex=3')
    expect(p3.body.Results.map((o: { ID: number }) => o.ID)).toEqual([100049])
    expect((await api('GET', '/Ordering/SalesOrders?ModifiedSince=2999-01-01T00:00:00Z')).body.TotalCount).toBe(0)
    expect((await api('GET', '/Ordering/SalesOrders?ModifiedSince=yesterday')).status).toBe(400)
    expect((await api('GET', '/Ordering/SalesOrders?Paging.StartIndex=0')).status).toBe(400)
  })
  it('confirms, holds, ships idempotently on ShipmentKey, and voids, by the rules of each status', async () => {
    const id = (await place()).json().ID
    expect((await api('GET', `/Ordering/SalesOrder/ID/${id}`)).body.ID).toBe(id)
    expect((await api('GET', '/Ordering/SalesOrder/ID/1')).status).toBe(404)
    expect((await api('PATCH', `/Ordering/SalesOrder/Hold/${id}`, { Reason: 'SL refused: unknown InvtID' })).body.Result).toMatchObject({ StatusKey: 'On Hold', HoldReason: 'SL refused: unknown InvtID' })
    expect((await api('PATCH', `/Ordering/SalesOrder/Confirm/${id}`, {})).status).toBe(400)
    const confirmed = await api('PATCH', `/Ordering/SalesOrder/Confirm/${id}`, { ErpOrderNumber: 'SO0004512' })
    expect(confirmed.body).toMatchObject({ ActionSucceeded: true, Result: { StatusKey: 'Confirmed', ErpOrderNumber: 'SO0004512' } })
    expect((await api('PATCH', `/Ordering/SalesOrder/Confirm/${id}`, { ErpOrderNumber: 'SO0004512' })).body.Messages).toEqual(['Already confirmed'])
    const ship = { ShipmentKey: 'SH0000881', TrackingNumber: '1Z999AA10123456784', Carrier: 'UPSGROUND', ShipDate: '2026-11-28T15:00:00Z', Items: [{ Sku: 'WIDGET-RED-L', Quantity: 1 }] }
    expect((await api('PATCH', `/Ordering/SalesOrder/Ship/${id}`, ship)).body.Result.StatusKey).toBe('Processing')
    const again = await api('PATCH', `/Ordering/SalesOrder/Ship/${id}`, ship)
    expect(again.body.Result.Shipments).toHaveLength(1)
    expect((await api('PATCH', `/Ordering/SalesOrder/Ship/${id}`, { ...ship, ShipmentKey: 'SH2', Items: [{ Sku: 'WIDGET-RED-L', Quantity: 5 }] })).status).toBe(400)
    expect((await api('PATCH', `/Ordering/SalesOrder/Ship/${id}`, { ...ship, ShipmentKey: 'SH2', Items: [{ Sku: 'OTHER', Quantity: 1 }] })).status).toBe(400)
    expect((await api('PATCH', `/Ordering/SalesOrder/Ship/${id}`, { ...ship, ShipmentKey: 'SH3', Items: [] })).body.Result.StatusKey).toBe('Shipped')
    expect((await api('PATCH', `/Ordering/SalesOrder/Void/${id}`)).status).toBe(400)
    expect((await api('PATCH', `/Ordering/SalesOrder/Hold/${id}`, { Reason: 'x' })).status).toBe(400)
    const other = (await place()).json().ID
    expect((await api('PATCH', `/Ordering/SalesOrder/Void/${other}`)).body.Result.StatusKey).toBe('Void')
    expect((await api('PATCH', `/Ordering/SalesOrder/Ship/${other}`, { ...ship, ShipmentKey: 'SH9' })).status).toBe(400)
  })
})

describe('stock, products, accounts, returns', () => {
  it('updates stock per location in batches of at most 500, answering the rows applied', async () => {
    const r = await api('POST', '/Inventory/ProductInventoryLocationSections/UpdateMany', [
      { ProductKey: 'WIDGET-RED-L', LocationKey: 'MAIN', Quantity: 7, QuantityAllocated: 1 },
      { ProductKey: 'NOPE', LocationKey: 'MAIN', Quantity: 1, QuantityAllocated: 0 },
      { ProductKey: 'WIDGET-RED-L', LocationKey: 'MOON', Quantity: 1, QuantityAllocated: 0 },
      { ProductKey: 'WIDGET-RED-L', LocationKey: 'EAST', Quantity: -1, QuantityAllocated: 0 }
    ])
    expect(r.body).toMatchObject({ ActionSucceeded: false, Result: 1 })
    expect(r.body.Messages).toHaveLength(3)
    expect((await api('GET', '/Products/Product/Key/WIDGET-RED-L')).body.StockQuantity).toBe(27)
    const rows = Array.from({ length: 501 }, () => ({ ProductKey: 'WIDGET-RED-L', LocationKey: 'MAIN', Quantity: 1, QuantityAllocated: 0 }))
    expect((await api('POST', '/Inventory/ProductInventoryLocationSections/UpdateMany', rows)).status).toBe(400)
    expect((await api('POST', '/Inventory/ProductInventoryLocationSections/UpdateMany', rows.slice(0, 500))).body.Result).toBe(500)
  })
  it('upserts products on ID, else CustomKey', async () => {
    const created = await api('POST', '/Products/Product/Upsert', { CustomKey: 'NEW-ITEM-1', Name: 'New item', PriceBase: 12.5 })
    expect(created.body.Result).toMatchObject({ CustomKey: 'NEW-ITEM-1', PriceBase: 12.5, IsDiscontinued: false })
    const again = await api('POST', '/Products/Product/Upsert', { CustomKey: 'NEW-ITEM-1', IsDiscontinued: true })
    expect(again.body.Result).toMatchObject({ ID: created.body.Result.ID, IsDiscontinued: true, Name: 'New item' })
    expect((await api('POST', '/Products/Product/Upsert', { CustomKey: 'NEW-ITEM-2' })).status).toBe(400)
    expect((await api('POST', '/Products/Product/Upsert', { CustomKey: 'NEW-ITEM-1', PriceBase: -1 })).status).toBe(400)
    expect((await api('GET', '/Products/Product/Key/NOPE')).status).toBe(404)
  })
  it('upserts accounts, lists them by ModifiedSince, and says so in a webhook only when something changed', async () => {
    const before = sb.state().nextId.event
    const a = await api('POST', '/Accounts/Account/Upsert', { ID: 813, CustomKey: 'C000777' })
    expect(a.body.Result).toMatchObject({ ID: 813, CustomKey: 'C000777' })
    await api('POST', '/Accounts/Account/Upsert', { ID: 813, CustomKey: 'C000777' })
    expect(sb.state().nextId.event).toBe(before + 1)
    expect((await api('GET', '/Accounts/Accounts?ModifiedSince=2000-01-01T00:00:00Z')).body.TotalCount).toBe(2)
    expect((await api('POST', '/Accounts/Account/Upsert', { ID: 999 })).status).toBe(404)
  })
  it('lists and confirms returns of a shipped order', async () => {
    const id = (await place()).json().ID
    await api('PATCH', `/Ordering/SalesOrder/Ship/${id}`, { ShipmentKey: 'SH1' })
    const ret = await sb.app.inject({ method: 'POST', url: '/sandbox/storefront/returns', payload: { orderId: id, items: [{ sku: 'WIDGET-RED-L', quantity: 1, reason: 'Damaged' }] } })
    expect(ret.statusCode).toBe(201)
    const list = await api('GET', '/Returning/SalesReturns?ModifiedSince=2000-01-01T00:00:00Z')
    expect(list.body.Results[0]).toMatchObject({ SalesOrderID: id, StatusKey: 'Approved', ErpReference: null })
    expect((await api('PATCH', `/Returning/SalesReturn/Confirm/${ret.json().ID}`, { ErpReference: 'RMA1' })).body.Result)
      .toMatchObject({ StatusKey: 'Approved', ErpReference: 'RMA1' })
  })
})

describe('webhooks', () => {
  let receiver: FastifyInstance
  const got: Array<{ id: string, type: string, sig: string, body: string, data: any }> = []
  let failFirst = 0
  beforeEach(async () => {
    got.length = 0
    failFirst = 0
    receiver = Fastify()
    receiver.addContentTypeParser('application/json', { parseAs: 'string' }, (_r, body, done) => done(null, body))
    receiver.post('/hook', async (req, reply) => {
      if (failFirst > 0) { failFirst--; return reply.code(500).send() }
      const body = req.body as string
      const ev = JSON.parse(body)
      got.push({ id: req.headers['clarity-event-id'] as string, type: ev.type, sig: req.headers['clarity-signature'] as string, body, data: ev.data })
      return reply.code(200).send()
    })
    await receiver.listen({ port: 0, host: '127.0.0.1' })
    const port = (receiver.server.address() as { port: number }).port
    await sb.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { urls: [`http://127.0.0.1:${port}/hook`] } })
  })
  afterEach(async () => { await receiver.close() })

  it('signs each event with HMAC-SHA256 over "<t>.<raw body>"', async () => {
    const id = (await place()).json().ID
    await waitFor('the order\'s and its payment\'s webhooks', () => got.length === 2)
    const { sig, body, data } = got.find((g) => g.type === 'order.created')!
    expect(data.ID).toBe(id)
    const t = /t=(\d+)/.exec(sig)![1]!
    expect(sig).toBe(`t=${t},v1=${createHmac('sha256', 'whsec_test').update(`${t}.${body}`).digest('hex')}`)
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(60)
  })
  it('retries a failed delivery until a 2xx', async () => {
    failFirst = 1
    await place()
    await waitFor('the retried webhook', () => got.length === 2)
    expect(sb.state().delivered).toBe(2)
    expect(sb.state().outbox).toHaveLength(0)
  })
  it('on request delivers duplicates, and signs with two secrets during a rotation', async () => {
    await sb.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { duplicateRate: 1, secrets: ['whsec_new', 'whsec_test'] } })
    await place()
    await waitFor('two deliveries of each event', () => got.length === 4)
    const created = got.filter((g) => g.type === 'order.created')
    expect(created).toHaveLength(2)
    expect(created[0]!.id).toBe(created[1]!.id)
    expect(got[0]!.sig.match(/v1=/g)).toHaveLength(2)
  })
  it('on request never sends a share of events: counted as dropped, found only by polling', async () => {
    for (const bad of [-0.1, 1.5, '0.5']) {
      const r = await sb.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { dropRate: bad } })
      expect(r.statusCode).toBe(400)
      expect(r.json().Messages[0]).toBe('dropRate is from 0 to 1')
    }
    expect((await sb.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { dropRate: 1 } })).json().dropRate).toBe(1)
    const lost = (await place()).json().ID
    await sb.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { dropRate: 0 } })
    const sent = (await place()).json().ID
    await waitFor('the one order\'s events sent', () => got.length === 2)
    expect(got.filter((g) => g.type === 'order.created').map((g) => g.data.ID)).toEqual([sent])
    expect((await sb.app.inject('/sandbox/state')).json().webhooks).toMatchObject({ dropped: 2, pending: 0, delivered: 2 })
    const polled = await api('GET', '/Ordering/SalesOrders?ModifiedSince=2000-01-01T00:00:00Z')
    expect(polled.body.Results.map((o: { ID: number }) => o.ID)).toContain(lost)
  })
  it('on request delays deliveries at random, so events arrive out of order', async () => {
    await sb.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { reorder: true } })
    const ids: number[] = []
    for (let i = 0; i < 8; i++) ids.push((await place({ lines: [{ sku: 'WIDGET-RED-L', quantity: 1 }] })).json().ID)
    await waitFor('eight orders and their payments', () => got.length === 16)
    const arrived = got.filter((g) => g.type === 'order.created').map((g) => g.data.ID as number)
    expect([...arrived].sort((a, b) => a - b)).toEqual(ids)
    expect(arrived).not.toEqual(ids)
  })

  it('sends payment.captured with the Payment after order.created, for each payment paid at once', async () => {
    const o = (await place({ coupon: 'FREESHIP' })).json()
    const t = Math.round(o.Totals.Total * 100)
    const split = (await place({ coupon: 'FREESHIP', payments: [{ amount: 5, cardType: 'GIFTCARD' }, { amount: (t - 500) / 100 }] })).json()
    await waitFor('two orders and three payments', () => got.length === 5)
    const captured = got.filter((g) => g.type === 'payment.captured').map((g) => g.data).sort((a, b) => a.ID - b.ID)
    const ids = [...o.Payments, ...split.Payments].map((p: { ID: number }) => p.ID)
    expect(captured.map((p) => p.ID)).toEqual(ids)
    for (const p of captured) expect(p).toEqual((await api('GET', `/Payments/Payment/ID/${p.ID}`)).body)
    // Each is emitted after its order's event (the sequence inside the event id); delivery may reorder them.
    const seq = (g: { id: string }) => Number(g.id.slice(-12, -6))
    for (const g of got.filter((x) => x.type === 'payment.captured')) {
      const created = got.find((x) => x.type === 'order.created' && x.data.ID === g.data.SalesOrderID)!
      expect(seq(g)).toBeGreaterThan(seq(created))
    }
  })
  it('sends payment.captured for an authorisation only once it is captured', async () => {
    const o = (await place({ capture: 'later' })).json()
    await waitFor('the order\'s webhook', () => got.length === 1 && sb.state().outbox.length === 0)
    expect(got[0]!.type).toBe('order.created')
    await sb.app.inject({ method: 'POST', url: `/sandbox/payments/${o.Payments[0].ID}/capture`, payload: { amount: 1.5 } })
    await waitFor('the capture\'s webhook', () => got.length === 2)
    expect(got[1]).toMatchObject({ type: 'payment.captured', data: { ID: o.Payments[0].ID, SalesOrderID: o.ID, Amount: 1.5, StatusKey: 'Payment Received' } })
  })

  it('sends order.updated and order.cancelled as the order changes', async () => {
    const id = (await place()).json().ID
    await api('PATCH', `/Ordering/SalesOrder/Confirm/${id}`, { ErpOrderNumber: 'SO1' })
    const other = (await place()).json().ID
    await sb.app.inject({ method: 'POST', url: `/sandbox/storefront/orders/${other}/cancel` })
    await waitFor('six events', () => got.length === 6)
    expect(got.map((g) => g.type).sort())
      .toEqual(['order.cancelled', 'order.created', 'order.created', 'order.updated', 'payment.captured', 'payment.captured'])
  })
})

describe('faults and inspection', () => {
  it('applies the shared faults with Clarity\'s error shape', async () => {
    await sb.app.inject({ method: 'PUT', url: '/sandbox/faults', payload: { rate429: 1, retryAfterSec: 3 } })
    const r = await sb.app.inject({ url: '/Ordering/SalesOrders', headers: { authorization: `Bearer ${token}` } })
    expect(r.statusCode).toBe(429)
    expect(r.headers['retry-after']).toBe('3')
    expect(r.json()).toEqual({ ActionSucceeded: false, Messages: ['Too many requests (injected)'] })
    // The storefront is not the API: shoppers still get through.
    expect((await place()).statusCode).toBe(201)
  })
  it('counts state and resets to the seed', async () => {
    await place()
    expect((await sb.app.inject('/sandbox/state')).json()).toMatchObject({ counts: { orders: 1, products: 270, accounts: 2, payments: 1 }, ordersByStatus: { Pending: 1 } })
    await sb.app.inject({ method: 'POST', url: '/sandbox/reset' })
    expect((await sb.app.inject('/sandbox/state')).json().counts).toMatchObject({ orders: 0, payments: 0 })
  })
})
