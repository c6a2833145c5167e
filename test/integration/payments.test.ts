// Card payments into SL's receivables, end to end: storefront → payment.captured webhook →
// payments.raw → sl-payment-sink → one AR document per payment, applied to the order's SL
// invoice, whichever comes first, the payment or the invoice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { extRefOf } from '../../domain/payments.ts'
import type { ClarityPayment } from '../../domain/records.ts'
import { ORDER_SERVICES, place, shopper, slOrders, startFlow, stock, type Flow } from '../orders-harness.ts'
import { env, useBroker, waitFor } from '../helpers.ts'

useBroker()
let f: Flow
const SKU = 'WIDGET-RED-L'

beforeAll(async () => {
  f = await startFlow({
    ...env(), logLevel: process.env.TEST_LOG_LEVEL, pollMs: 500, only: [...ORDER_SERVICES, 'sl-payment-sink'],
    // Long enough for a payment captured with its order to come before the invoice.
    slSettings: { invoiceAfterMs: 1500 }
  })
  stock(f, SKU, 5000)
})
afterAll(async () => { await f.stop() })

const paymentsOf = (id: number): ClarityPayment[] =>
  Object.values(f.clarity.state().payments).filter((p) => p.SalesOrderID === id) as never
const docsOf = (p: Pick<ClarityPayment, 'ID' | 'TransactionNumber'>) =>
  Object.values(f.sl.state().arDocs).filter((d) => d.ExtRefNbr === extRefOf(p))
const invoiceOf = (id: number) => {
  const so = slOrders(f, String(id))[0]
  return so === undefined || so.InvcNbr === '' ? undefined : f.sl.state().arDocs[so.InvcNbr]
}
const applied = (refNbr: string) => f.sl.state().arAdjust.filter((a) => a.AdjgRefNbr === refNbr)
const paid = async (id: number): Promise<void> => {
  await waitFor(`order ${id}'s invoice paid in SL`, () => invoiceOf(id)?.CuryDocBal === 0, 60000)
}
const capture = async (paymentId: number, amount?: number): Promise<void> => {
  const r = await f.clarity.app.inject({ method: 'POST', url: `/sandbox/payments/${paymentId}/capture`, payload: amount === undefined ? {} : { amount } })
  expect(r.statusCode).toBe(200)
}
const paymentWrites = (): number => f.sl.faults.writes['POST /api/AccountsReceivable/Payments'] ?? 0
/** Payments the sink has brought to an end (created, applied or found settled), not those waiting. */
const ended = async (): Promise<number> => {
  const m = await f.services['sl-payment-sink']!.kit.metrics.registry.getSingleMetric('bridge_payment_outcomes_total')!.get()
  return m.values.filter((v) => !String(v.labels.outcome).startsWith('waiting')).reduce((sum, v) => sum + v.value, 0)
}

describe('payments into SL\'s receivables', () => {
  it('paid before SL invoices: one prepayment, applied to the invoice once SL makes it', async () => {
    const id = await place(f, shopper([{ sku: SKU, quantity: 2 }]))
    const [p, ...more] = paymentsOf(id)
    expect(more).toEqual([])
    await paid(id)
    const [doc, ...others] = docsOf(p!)
    expect(others).toEqual([])
    const inv = invoiceOf(id)!
    expect(doc).toMatchObject({ DocType: 'PP', CustId: slOrders(f, String(id))[0]!.CustID, CuryId: 'USD', CuryOrigDocAmt: p!.Amount, CuryDocBal: 0 })
    expect(applied(doc!.RefNbr)).toMatchObject([{ AdjdRefNbr: inv.RefNbr, CuryAdjgAmt: p!.Amount }])
  })

  it('paid after SL invoices: one payment applied to the invoice as it is made (PA)', async () => {
    const id = await place(f, shopper([{ sku: SKU, quantity: 1 }], { capture: 'later' }))
    await waitFor(`order ${id} invoiced in SL`, () => invoiceOf(id) !== undefined, 60000)
    const [p] = paymentsOf(id)
    expect(docsOf(p!)).toEqual([])
    await capture(p!.ID)
    await paid(id)
    const [doc, ...others] = docsOf(p!)
    expect(others).toEqual([])
    expect(doc).toMatchObject({ DocType: 'PA', CuryOrigDocAmt: p!.Amount, CuryDocBal: 0 })
    expect(applied(doc!.RefNbr)).toMatchObject([{ AdjdRefNbr: invoiceOf(id)!.RefNbr }])
  })

  it('a gift card and a card on one order, the card captured in two parts: each payment one document, the invoice paid to the cent', async () => {
    const probe = await place(f, shopper([{ sku: SKU, quantity: 3 }], { capture: 'later' }))
    const total = f.clarity.state().orders[String(probe)]!.Totals.Total
    const gift = 10
    const card = Math.round((total - gift) * 100) / 100
    const id = await place(f, shopper([{ sku: SKU, quantity: 3 }], {
      payments: [{ amount: gift, cardType: 'GIFTCARD' }, { amount: card }]
    }))
    const ps = paymentsOf(id)
    expect(ps.map((p) => p.CardTypeKey).sort()).toEqual(['GIFTCARD', 'VISA'])
    await paid(id)
    for (const p of ps) expect(docsOf(p)).toMatchObject([{ CuryOrigDocAmt: p.Amount, CuryDocBal: 0 }])
    // The probe's authorisation is captured in part: the invoice keeps the rest open.
    const [auth] = paymentsOf(probe)
    await waitFor(`order ${probe} invoiced in SL`, () => invoiceOf(probe) !== undefined, 60000)
    await capture(auth!.ID, 5)
    await waitFor(`order ${probe}'s part capture applied`, () => docsOf(auth!)[0]?.CuryDocBal === 0, 60000)
    expect(invoiceOf(probe)!.CuryDocBal).toBeCloseTo(total - 5, 2)
  })

  it('a EUR order: the document in EUR, the base amount at SL\'s rate', async () => {
    const id = await place(f, shopper([{ sku: SKU, quantity: 1 }], { currency: 'EUR' }))
    await paid(id)
    const [p] = paymentsOf(id)
    const [doc] = docsOf(p!)
    expect(doc).toMatchObject({ CuryId: 'EUR', CuryOrigDocAmt: p!.Amount })
    expect(doc!.OrigDocAmt).not.toBe(doc!.CuryOrigDocAmt)
    expect(doc!.OrigDocAmt).toBeGreaterThan(0)
  })

  it('SL saves the payment and its answer is lost: no second document', async () => {
    const id = await place(f, shopper([{ sku: SKU, quantity: 1 }], { capture: 'later' }))
    await waitFor(`order ${id} invoiced in SL`, () => invoiceOf(id) !== undefined, 60000)
    const [p] = paymentsOf(id)
    const before = paymentWrites()
    const endedBefore = await ended()
    await f.sl.app.inject({ method: 'PUT', url: '/sandbox/faults', payload: { dropAnswerRate: 1 } })
    try {
      await capture(p!.ID)
      await waitFor('the payment written and its answer lost', () => paymentWrites() > before && f.sl.faults.counters.droppedAnswers > 0, 60000)
    } finally {
      await f.sl.app.inject({ method: 'DELETE', url: '/sandbox/faults' })
    }
    // The attempt whose answer was lost ended nothing; its retry does.
    await waitFor('the sink to take the payment again', async () => await ended() > endedBefore, 60000)
    await paid(id)
    expect(docsOf(p!)).toHaveLength(1)
    expect(paymentWrites()).toBe(before + 1)
  })
})
