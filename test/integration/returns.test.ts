// Returns end to end: a shipped web order, a return asked for on the storefront and approved
// in Clarity → return.created webhook (and the SalesReturns poller) → returns.raw →
// sl-return-sink → one SL RMA; SL's Process Manager receives the goods (stock back, in
// Clarity too) → the receiver on shipments.changes → the Clarity return Received → Clarity
// refunds the card → one AR refund settling SL's credit memo. A return of more than SL
// shipped is a dead letter with SL's reason, and the Clarity return stays unconfirmed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { refundExtRefOf } from '../../domain/returns.ts'
import { DLQ_HEADERS } from '../../lib/consumer-loop.ts'
import { prefixed } from '../../topology/topology.ts'
import { ORDER_SERVICES, SL_AUTH, clarityOrder, place, shopper, slOrders, startFlow, stock, stockOf, type Flow } from '../orders-harness.ts'
import { env, readRecords, recordCount, useBroker, waitFor } from '../helpers.ts'

const b = useBroker()
let f: Flow
const SKU = 'WIDGET-RED-L'

beforeAll(async () => {
  f = await startFlow({
    ...env(), logLevel: process.env.TEST_LOG_LEVEL, pollMs: 500,
    only: [...ORDER_SERVICES, 'sl-return-sink', 'sl-inventory-source', 'clarity-inventory-sink'],
    slSettings: { rmaReceiveAfterMs: 300 }
  })
  stock(f, SKU, 5000)
})
afterAll(async () => { await f.stop() })

const sl = async (url: string): Promise<any> => {
  const r = await f.sl.app.inject({ method: 'GET', url, headers: SL_AUTH })
  expect(r.statusCode).toBe(200)
  return r.json()
}
const rmasOf = async (returnId: number): Promise<any[]> =>
  (await sl(`/api/SalesOrder?CustOrdNbr=R${returnId}`)).Items
const cents = (v: number): number => Math.round(v * 100)
const shipped = async (items: Array<{ sku: string, quantity: number }>): Promise<number> => {
  const id = await place(f, shopper(items))
  await waitFor(`order ${id} shipped in Clarity`, () => clarityOrder(f, id).StatusKey === 'Shipped', 60000)
  return id
}
const ask = async (orderId: number, items: Array<{ sku: string, quantity: number, reason?: string }>) => {
  const r = await f.clarity.app.inject({ method: 'POST', url: '/sandbox/storefront/returns', payload: { orderId, items } })
  expect(r.statusCode).toBe(201)
  return r.json() as { ID: number, RefundAmount: number, SalesItems: Array<{ RestockingFeeAmount: number }> }
}
const returnOf = (id: number) => f.clarity.state().returns[String(id)]!

describe('returns and refunds', () => {
  it('a part of a shipped order returned with a restocking fee: one RMA, receipt, stock back in Clarity, credit memo, refund', async () => {
    const orderId = await shipped([{ sku: SKU, quantity: 3 }])
    const site = slOrders(f, String(orderId))[0]!.Lines[0]!.SiteID
    const s = stockOf(f)
    // Read once SL has invoiced the shipment, which takes the goods off hand.
    await waitFor(`order ${orderId} invoiced in SL`, () => slOrders(f, String(orderId))[0]!.InvcNbr !== '')
    const onHand = f.sl.state().itemSites[`${SKU}|${site}`]!.QtyOnHand
    const asked = await ask(orderId, [{ sku: SKU, quantity: 2, reason: 'Changed mind' }])
    const fee = asked.SalesItems[0]!.RestockingFeeAmount
    expect(fee).toBeGreaterThan(0)

    await waitFor(`return ${asked.ID}'s RMA in SL`, async () => (await rmasOf(asked.ID)).length === 1)
    const [rma] = await rmasOf(asked.ID)
    const rmaNbr = String(rma.OrdNbr).trim()
    expect([rma.SOTypeID.trim(), rma.OrigOrdNbr.trim()]).toEqual(['RMA', slOrders(f, String(orderId))[0]!.OrdNbr.trim()])
    const lines = (await sl(`/api/SalesOrder/${rmaNbr}`)).Lines as Array<{ InvtID: string, QtyOrd: number, CurySlsPrice: number }>
    expect(lines.map((l) => [l.InvtID.trim(), l.QtyOrd, cents(l.CurySlsPrice)])).toEqual([[SKU, 2, expect.any(Number)], ['RESTOCK', 1, -cents(fee)]])

    // SL receives the goods: Received in Clarity with the RMA number, then Clarity refunds the card.
    await waitFor(`return ${asked.ID} refunded in Clarity`, () => returnOf(asked.ID).StatusKey === 'Refunded', 60000)
    expect(returnOf(asked.ID).ErpReference).toBe(rmaNbr)
    expect(f.sl.state().itemSites[`${SKU}|${site}`]!.QtyOnHand).toBe(onHand + 2)
    await waitFor('the returned stock in Clarity', () => s.clarityQty(SKU, site) === s.slAvail(SKU, site), 30000)

    // One refund, settling the credit memo SL made of the RMA: the shopper's refund to the cent.
    const ext = refundExtRefOf({ ID: asked.ID, RefundTransactionNumber: returnOf(asked.ID).RefundTransactionNumber })
    await waitFor(`return ${asked.ID}'s refund in SL`, async () => (await sl(`/api/AccountsReceivable/Documents?ExtRefNbr=${encodeURIComponent(ext)}`)).Items.length === 1, 30000)
    const [rf] = (await sl(`/api/AccountsReceivable/Documents?ExtRefNbr=${encodeURIComponent(ext)}`)).Items
    expect([rf.DocType.trim(), rf.PmtMethod.trim()]).toEqual(['RF', 'CARD'])
    expect(cents(rf.CuryOrigDocAmt)).toBe(cents(asked.RefundAmount))
    const memoNbr = String((await sl(`/api/SalesOrder/${rmaNbr}`)).InvcNbr).trim()
    const memo = f.sl.state().arDocs[memoNbr]!
    expect([memo.DocType.trim(), memo.CuryDocBal]).toEqual(['CM', 0])
    expect(cents(memo.CuryOrigDocAmt)).toBe(cents(asked.RefundAmount))
    // The poller takes the same states again: found, not made twice.
    await waitFor('the polled states of the return taken', async () => {
      const m = await f.services['sl-return-sink']!.kit.metrics.registry.getSingleMetric('bridge_return_refunds_total')!.get()
      return (m.values.find((v) => v.labels.outcome === 'exists')?.value ?? 0) >= 1
    }, 30000)
    expect(await rmasOf(asked.ID)).toHaveLength(1)
    expect((await sl(`/api/AccountsReceivable/Documents?ExtRefNbr=${encodeURIComponent(ext)}`)).Items).toHaveLength(1)
  })

  it('a return of more than SL shipped: a dead letter with the reason, no RMA, the Clarity return unconfirmed', async () => {
    const { topics } = prefixed(f.prefix)
    const dlq = `${topics.returnsRaw.name}.dlq`
    // SL ships the order fully; a second return of the same goods asks for more than is left.
    const orderId = await shipped([{ sku: SKU, quantity: 1 }])
    const first = await ask(orderId, [{ sku: SKU, quantity: 1, reason: 'Damaged' }])
    await waitFor(`return ${first.ID}'s RMA in SL`, async () => (await rmasOf(first.ID)).length === 1)
    // Rejected in Clarity after SL authorised it: Clarity lets the shopper ask again, SL has it returned already.
    Object.assign(returnOf(first.ID), { StatusKey: 'Rejected' })
    const again = await ask(orderId, [{ sku: SKU, quantity: 1, reason: 'Damaged' }])
    const letter = await waitFor('the second return dead-lettered', async () => {
      const n = await recordCount(b.admin, dlq)
      const rs = n === 0 ? [] : await readRecords(b.kafka, dlq, n)
      return rs.find((r) => r.key?.toString() === String(again.ID))
    }, 30000)
    expect(letter.headers[DLQ_HEADERS.code]).toBe('RETURN_EXCEEDS_SHIPPED')
    expect(letter.headers[DLQ_HEADERS.message]).toContain(`return ${again.ID} returns more than SL shipped on`)
    expect(letter.headers[DLQ_HEADERS.message]).toContain('Lines[0].QtyOrd')
    expect(await rmasOf(again.ID)).toEqual([])
    expect(returnOf(again.ID)).toMatchObject({ StatusKey: 'Approved', ErpReference: null })
  })
})
