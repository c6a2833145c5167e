// The chaos run's check on money: each captured payment of an order SL has is one AR
// payment of its amount and currency, never left open beside an open invoice.
import { describe, expect, it } from 'vitest'
import { checkPayments, type ArDoc, type ClarityPayment, type SlOrderInvoiced } from '../../chaos/reconcile.ts'
import { extRefOf } from '../../domain/payments.ts'

const pay = (ID: number, SalesOrderID: number, Amount: number, StatusKey = 'Payment Received'): ClarityPayment =>
  ({ ID, SalesOrderID, Amount, CurrencyKey: 'USD', StatusKey, TransactionNumber: `ch_${ID}` })
const doc = (p: ClarityPayment, over: Partial<ArDoc> = {}): ArDoc => ({
  RefNbr: `W${String(p.ID).padStart(9, '0')}`, DocType: 'PP', CuryId: 'USD ', CuryOrigDocAmt: p.Amount, CuryDocBal: 0,
  ExtRefNbr: `${extRefOf(p)} `, ...over
})
const invoice = (RefNbr: string, CuryDocBal: number): ArDoc =>
  ({ RefNbr, DocType: 'IN', CuryId: 'USD', CuryOrigDocAmt: 100, CuryDocBal, ExtRefNbr: '' })
const live = (entries: Array<[number, string]>): Map<string, SlOrderInvoiced> =>
  new Map(entries.map(([id, inv]) => [String(id), { CustOrdNbr: String(id), InvcNbr: inv, Cancelled: 0 }]))

describe('every captured payment exactly once in SL\'s receivables', () => {
  it('passes one applied document per captured payment, leaving out authorisations and orders SL does not have', () => {
    const a = pay(1, 100, 62.33); const b = pay(2, 100, 10); const auth = pay(3, 101, 5, 'Authorized'); const away = pay(4, 102, 7)
    const c = checkPayments([a, b, auth, away], [doc(a), doc(b, { DocType: 'PA' }), invoice('0000000001', 0)],
      live([[100, '0000000001'], [101, '']]))
    expect(c).toMatchObject({ ok: true, detail: '2 payments of orders in SL compared, 1 of orders not in SL' })
  })

  it('fails on a payment missing, twice, of another amount or currency, or open beside an open invoice', () => {
    const ps = [pay(1, 100, 5), pay(2, 100, 5), pay(3, 100, 5), pay(4, 100, 5), pay(5, 100, 5)]
    const docs = [
      doc(ps[1]!), doc(ps[1]!, { RefNbr: 'X1' }), doc(ps[2]!, { CuryOrigDocAmt: 5.01 }), doc(ps[3]!, { CuryId: 'EUR' }),
      doc(ps[4]!, { CuryDocBal: 5 }), invoice('0000000009', 20)
    ]
    const c = checkPayments(ps, docs, live([[100, '0000000009']]))
    expect(c.ok).toBe(false)
    expect(c.detail).toContain('1 missing in SL (e.g. 1)')
    expect(c.detail).toContain('1 more than once in SL (e.g. 2)')
    expect(c.detail).toContain('2 with another amount or currency (e.g. 3, 4)')
    expect(c.detail).toContain('1 open while its invoice is open (e.g. 5)')
  })

  it('takes a prepayment left open once the invoice is paid (more paid than invoiced) as it is', () => {
    const a = pay(1, 100, 5)
    expect(checkPayments([a], [doc(a, { CuryDocBal: 2 }), invoice('0000000009', 0)], live([[100, '0000000009']])).ok).toBe(true)
  })
})
