// Order to fulfilment, end to end: Clarity storefront → webhook → orders.raw →
// orders.mapped → SL sales order → SL ships → shipments.changes → Clarity Shipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DLQ_HEADERS } from '../../lib/consumer-loop.ts'
import { createSerde } from '../../lib/registry.ts'
import { readSchema } from '../../lib/serdes.ts'
import { topics as declaredTopics } from '../../topology/topology.ts'
import { clarityOrder, place, shopper, signed, slOrders, startFlow, stock, type Flow } from '../orders-harness.ts'
import { env, readRecords, recordCount, useBroker, waitFor } from '../helpers.ts'

const b = useBroker()
let f: Flow

beforeAll(async () => {
  f = await startFlow({ ...env(), logLevel: process.env.TEST_LOG_LEVEL, pollMs: 500 })
  for (const sku of ['WIDGET-RED-L', 'WIDGET-BLUE-M', 'VALVE-BRASS-050', 'GAUGE-DRY-0300']) stock(f, sku)
})
afterAll(async () => { await f.stop() })

const t = (name: string) => `${f.prefix}${name}`
const shipped = (id: number) => waitFor(`order ${id} shipped in Clarity`, () => clarityOrder(f, id).StatusKey === 'Shipped', 60000)

describe('order to fulfilment', () => {
  it('a storefront order becomes one SL sales order as the mapping says, ships, and shows Shipped with tracking in Clarity', async () => {
    const id = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 2 }, { sku: 'VALVE-BRASS-1/2IN', quantity: 1 }], { coupon: 'WELCOME10', shippingMethod: 'UPS-2DAY' }))
    await shipped(id)
    const c = clarityOrder(f, id)
    const [so, ...more] = slOrders(f, String(id))
    expect(more).toEqual([])
    expect(so).toMatchObject({
      SOTypeID: 'SO', CustID: 'C000123', CustOrdNbr: String(id), CuryID: 'USD', ShipViaID: 'UPS2DAY', TaxID00: 'TXSTATE',
      ShipName: 'Ana Núñez', ShipAddr1: '500 Congress Ave', ShipAddr2: 'Suite 210', ShipCity: 'Austin', ShipState: 'TX', ShipZip: '78701', ShipCountry: 'USA',
      CuryTotFrt: c.Totals.Shipping, CuryTotTax: c.Totals.Tax, CuryWholeOrdDisc: c.Totals.Discounts,
      CuryTotOrd: c.Totals.Total
    })
    expect(so!.Lines.map((l) => [l.InvtID, l.SiteID, l.QtyOrd])).toEqual([['WIDGET-RED-L', 'MAIN', 2], ['VALVE-BRASS-050', 'MAIN', 1]])
    expect(c.ErpOrderNumber).toBe(so!.OrdNbr)
    const shipper = Object.values(f.sl.state().shippers).find((s) => s.OrdNbr === so!.OrdNbr)!
    expect(c.Shipments).toHaveLength(1)
    expect(c.Shipments[0]).toMatchObject({ ShipmentKey: shipper.ShipperID, TrackingNumber: shipper.TrackingNbr, Carrier: 'UPS2DAY' })
    expect(c.Shipments[0]!.Items).toEqual([{ Sku: 'WIDGET-RED-L', Quantity: 2 }, { Sku: 'VALVE-BRASS-1/2IN', Quantity: 1 }])
    expect(c.Shipments[0]!.TrackingNumber).toMatch(/^1Z\d{16}$/)
  })

  it('the same webhook three times and updates out of order: one SL order, final state right', async () => {
    const id = await place(f, shopper([{ sku: 'WIDGET-BLUE-M', quantity: 1 }]))
    const body = JSON.stringify({ id: `evt_dup_${id}`, type: 'order.created', createdAt: new Date().toISOString(), data: clarityOrder(f, id) })
    const answers = await Promise.all([1, 2, 3].map(async () => (await fetch(`${f.ingestUrl}/webhooks/clarity`, { method: 'POST', headers: signed(body), body })).status))
    expect(answers.every((s) => s === 200)).toBe(true)
    await shipped(id)
    expect(slOrders(f, String(id))).toHaveLength(1)

    // A cancelled order whose "cancelled" event overtakes "created": nothing live in SL, Void in Clarity.
    await f.clarity.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { urls: [] } })
    const late = await place(f, shopper([{ sku: 'WIDGET-BLUE-M', quantity: 1 }]))
    const created = clarityOrder(f, late)
    await f.clarity.app.inject({ method: 'POST', url: `/sandbox/storefront/orders/${late}/cancel` })
    await f.clarity.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { urls: [`${f.ingestUrl}/webhooks/clarity`] } })
    for (const [evId, type, data] of [[`evt_c_${late}`, 'order.cancelled', clarityOrder(f, late)], [`evt_a_${late}`, 'order.created', created]] as const) {
      const b2 = JSON.stringify({ id: evId, type, createdAt: new Date().toISOString(), data })
      expect((await fetch(`${f.ingestUrl}/webhooks/clarity`, { method: 'POST', headers: signed(b2), body: b2 })).status).toBe(200)
    }
    await waitFor('the cancellation to reach orders.status', async () => (await readRecords(b.kafka, t('orders.status'), 1)).some((r) => r.key?.toString() === String(late)))
    expect(slOrders(f, String(late)).filter((o) => o.Cancelled === 0)).toEqual([])
    expect(clarityOrder(f, late).StatusKey).toBe('Void')
  })

  it('an order never pushed is found by the poller, and push plus poll still make one SL order', async () => {
    await f.clarity.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { urls: [] } })
    const quiet = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }]))
    await f.clarity.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { urls: [`${f.ingestUrl}/webhooks/clarity`] } })
    const pushed = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }]))
    await shipped(quiet)
    await shipped(pushed)
    expect(slOrders(f, String(quiet))).toHaveLength(1)
    expect(slOrders(f, String(pushed))).toHaveLength(1)
  })

  it('an order SL refuses (unknown item) is dead-lettered with SL\'s reason and held in Clarity; the orders around it flow', async () => {
    const token = (await f.clarity.app.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials&client_id=bridge&client_secret=bridge-dev', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json().access_token
    await f.clarity.app.inject({ method: 'POST', url: '/Products/Product/Upsert', headers: { authorization: `Bearer ${token}` }, payload: { CustomKey: 'GHOST-ITEM', Name: 'Sold on the web only', PriceBase: 10 } })
    f.clarity.state().stock['GHOST-ITEM|MAIN']!.Quantity = 5
    const before = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }]))
    const ghost = await place(f, shopper([{ sku: 'GHOST-ITEM', quantity: 1 }]))
    const after = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }]))
    await waitFor('the refused order held in Clarity', () => clarityOrder(f, ghost).StatusKey === 'On Hold', 60000)
    expect(clarityOrder(f, ghost).HoldReason).toMatch(/Lines\[0\]\.InvtID: Inventory ID GHOST-ITEM does not exist \(messageNbr 8012\)/)
    const dead = (await readRecords(b.kafka, t('orders.mapped.dlq'), 1)).find((r) => r.key?.toString() === String(ghost))!
    expect(dead.headers).toMatchObject({ [DLQ_HEADERS.code]: 'SL_422', [DLQ_HEADERS.service]: `${f.prefix.replace(/\./g, '-')}sl-order-sink` })
    expect(dead.headers[DLQ_HEADERS.message]).toMatch(/GHOST-ITEM does not exist/)
    await shipped(before)
    await shipped(after)
    expect(slOrders(f, String(ghost))).toEqual([])
  })

  it('an order whose totals do not reconcile is dead-lettered at the mapper with the difference', async () => {
    const id = await place(f, shopper([{ sku: 'GAUGE-DRY-0300', quantity: 1 }]))
    await waitFor('it to reach SL', () => slOrders(f, String(id)).length === 1, 60000)
    // Clarity now reports a total a cent off, and says so in an update.
    const o = clarityOrder(f, id)
    o.StatusKey = 'Pending'
    o.Totals.Total = Math.round((o.Totals.Total + 0.01) * 100) / 100
    const body = JSON.stringify({ id: `evt_bad_${id}`, type: 'order.updated', createdAt: new Date().toISOString(), data: { ID: id } })
    expect((await fetch(`${f.ingestUrl}/webhooks/clarity`, { method: 'POST', headers: signed(body), body })).status).toBe(200)
    const dead = await waitFor('the dead letter', async () => (await readRecords(b.kafka, t('orders.raw.dlq'), 1)).find((r) => r.key?.toString() === String(id)))
    expect(dead.headers[DLQ_HEADERS.code]).toBe('TOTALS_DO_NOT_RECONCILE')
    expect(dead.headers[DLQ_HEADERS.message]).toMatch(/but Clarity's total is [\d.]+ \(difference 0.01 USD\)/)
    expect(slOrders(f, String(id))).toHaveLength(1)
  })
})

describe('webhook security', () => {
  const post = (body: string, headers: Record<string, string>) => fetch(`${f.ingestUrl}/webhooks/clarity`, { method: 'POST', headers, body })
  it('refuses a bad signature, a stale timestamp and an oversized body, producing nothing', async () => {
    // Earlier orders still move (poller, Clarity's own order.updated webhooks): judge by these events' records.
    const body = JSON.stringify({ id: 'evt_sec', type: 'order.created', createdAt: new Date().toISOString(), data: { ID: 1 } })
    expect((await post(body, { ...signed(body, 'wrong-secret'), 'Clarity-Event-Id': 'evt_sec' })).status).toBe(401)
    expect((await post(body, { 'content-type': 'application/json', 'Clarity-Event-Id': 'evt_sec' })).status).toBe(401)
    expect((await post(body, { ...signed(body, undefined, Math.floor(Date.now() / 1000) - 3600), 'Clarity-Event-Id': 'evt_sec' })).status).toBe(401)
    const huge = JSON.stringify({ id: 'evt_big', type: 'order.created', data: { pad: 'x'.repeat(9 * 1024 * 1024) } })
    expect((await post(huge, { ...signed(huge), 'Clarity-Event-Id': 'evt_big' })).status).toBe(413)
    for (const topic of [t('orders.raw'), t('orders.raw.dlq')]) {
      const n = await recordCount(b.admin, topic)
      const records = n === 0 ? [] : await readRecords(b.kafka, topic, n)
      expect(records.filter((r) => ['evt_sec', 'evt_big'].includes(r.headers['clarity.event.id'] ?? r.headers['Clarity-Event-Id'] ?? ''))).toEqual([])
    }
    const metrics = await (await fetch(`${f.ingestOpsUrl}/metrics`)).text()
    expect(metrics).toMatch(/bridge_webhooks_total\{result="signature_mismatch"[^}]*\} 1/)
    expect(metrics).toMatch(/bridge_webhooks_total\{result="signature_stale"[^}]*\} 1/)
    expect(metrics).toMatch(/bridge_webhooks_total\{result="too_large"[^}]*\} 1/)
  })

  it('keeps a correctly signed but malformed event: 202 and dead-lettered with the reason', async () => {
    const body = '{"id":"evt_broken","type":"order.created","data":'
    const r = await post(body, { ...signed(body), 'Clarity-Event-Id': 'evt_broken' })
    expect(r.status).toBe(202)
    const dead = await waitFor('the dead letter', async () => (await readRecords(b.kafka, t('orders.raw.dlq'), 1)).find((x) => x.headers['Clarity-Event-Id'] === 'evt_broken'))
    expect(dead.value?.toString()).toBe(body)
    expect(dead.headers[DLQ_HEADERS.code]).toBe('INVALID_JSON')
    const shape = JSON.stringify({ id: 'evt_shape', type: 'order.created', data: { ID: 'seven' } })
    expect((await post(shape, signed(shape))).status).toBe(202)
  })
})

describe('order-analytics', () => {
  it('plugs onto orders.mapped with no change elsewhere, reads it from the beginning, and rebuilds the same totals after a restart', async () => {
    const { startOrderAnalytics } = await import('../../services/order-analytics/src/service.ts')
    const config = { ...f.common, ANALYTICS_TOP_SKUS: 5 } as never
    const ids = [await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 3 }])), await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 2 }], { currency: 'EUR' }))]
    await waitFor('both orders in SL', () => ids.every((id) => slOrders(f, String(id)).length === 1), 60000)
    // Quiet the flow, so both instances see the same orders.mapped.
    await f.services['clarity-ingest']!.stop()
    const rawEnd = await b.admin.watermarks(t('orders.raw'))
    await waitFor('the mapper to catch up', async () => {
      const done = await b.admin.groupOffsets(`${f.prefix.replace(/\./g, '-')}order-mapper`, t('orders.raw'))
      return rawEnd.every((m) => m.high === '0' || done.find((d) => d.partition === m.partition)?.offset === m.high)
    })
    const end = (await b.admin.watermarks(t('orders.mapped'))).reduce((n, m) => n + Number(m.high), 0)
    const serde = await createSerde<{ clarityOrderId: number, cancelled: boolean }>(b.registry, `${t('orders.mapped')}-value`, readSchema(declaredTopics.ordersMapped))
    const distinct = new Set<number>()
    for (const r of await readRecords(b.kafka, t('orders.mapped'), end)) {
      const m = await serde.decode(r.value!)
      if (!m.cancelled) distinct.add(m.clarityOrderId) // an order only ever seen cancelled earns nothing
    }
    let a = await startOrderAnalytics(config, (() => undefined) as never)
    const first = await waitFor('the analytics to count every mapped order', () => {
      const v = a.totals()
      return v.orders === distinct.size ? v : undefined
    })
    expect(first.revenuePerHour.some((h) => h.byCurrency.EUR !== undefined)).toBe(true)
    expect(first.revenuePerHour.length).toBeGreaterThan(0)
    expect(first.revenuePerHour[0]!.byCurrency.USD).toMatch(/^\d+\.\d{2}$/)
    expect(first.topSkus[0]).toMatchObject({ InvtID: expect.any(String), orders: expect.any(Number) })
    const served = await (await fetch(`http://127.0.0.1:${a.port}/analytics`)).json()
    expect(served).toEqual(first)
    await a.stop()
    a = await startOrderAnalytics(config, (() => undefined) as never)
    try {
      await waitFor('the replayed totals', () => a.totals().orders === first.orders)
      expect(a.totals()).toEqual(first)
    } finally {
      await a.stop()
    }
  })
})
