import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadOrderMapping } from '../../../domain/mapping.ts'
import type { ClaritySalesReturn } from '../../../domain/records.ts'
import {
  checkReturnMapping, loadReturnMapping, refundExtRefOf, returnIdOf, rmaCustOrdNbrOf
} from '../../../domain/returns.ts'
import { BridgeError } from '../../../lib/errors.ts'
import { projectRoot } from '../../../lib/paths.ts'
import { refundOf, rmaOf, stepOf } from '../src/transform.ts'

const orders = loadOrderMapping(join(projectRoot, 'mappings/orders.yaml'))
const m = loadReturnMapping(join(projectRoot, 'mappings/returns.yaml'), orders)

const original = {
  OrdNbr: 'SO0004512', SOTypeID: 'SO', CustID: 'C000123', CustOrdNbr: '100045', CuryID: 'EUR', CuryRate: 1.0832,
  CuryMultDiv: 'M', ShipViaID: 'UPSGROUND', ShipName: 'Ana', ShipAddr1: '1 Main', ShipAddr2: '', ShipCity: 'Austin',
  ShipState: 'TX', ShipZip: '78701', ShipCountry: 'USA', BillName: 'Ana', BillAddr1: '1 Main', BillAddr2: '',
  BillCity: 'Austin', BillState: 'TX', BillZip: '78701', BillCountry: 'USA', TaxID00: 'TXSTATE',
  Lines: [
    { LineRef: '00001', InvtID: 'WIDGET-RED-L', SiteID: 'MAIN', QtyOrd: 3, CurySlsPrice: 19.99, DiscPct: 0, UnitDesc: 'EA', TaxCat: 'TAXABLE', Descr: 'Red widget' },
    { LineRef: '00002', InvtID: 'GADGET', SiteID: 'EAST', QtyOrd: 1, CurySlsPrice: 100, DiscPct: 10, UnitDesc: 'EA', TaxCat: 'TAXABLE', Descr: 'Gadget' }
  ]
}
// Two red widgets (39.98) and the gadget (90.00) with 10.38 tax, less a 6.00 restocking fee.
const ret = (over: Partial<ClaritySalesReturn> = {}): ClaritySalesReturn => ({
  ID: 301, SalesOrderID: 100045, StatusKey: 'Approved', RefundAmount: '134.3600', RefundTransactionNumber: null,
  ErpReference: null, UpdatedDate: Date.parse('2026-12-04T10:00:00Z'),
  SalesItems: [
    { Sku: 'WIDGET-RED-L', Quantity: '2.0000', ReasonKey: 'Changed mind', RestockingFeeAmount: '6.0000' },
    { Sku: 'GADGET', Quantity: '1', ReasonKey: 'Damaged', RestockingFeeAmount: '0' }
  ],
  ...over
})
const refusal = (f: () => unknown): { code: string, message: string } => {
  try { f() } catch (err) {
    if (err instanceof BridgeError) return { code: err.code, message: err.message }
    throw err
  }
  throw new Error('not refused')
}
const cents = (v: unknown): number => Math.round(Number(v) * 100)

describe('what a return state asks of SL', () => {
  it.each([
    ['Requested', 'nothing'], ['Rejected', 'nothing'], ['Approved', 'authorise'], ['Received', 'authorise'],
    ['Refunded', 'refund'], ['Something new', 'nothing']
  ])('%s → %s', (status, step) => {
    expect(stepOf({ StatusKey: status })).toBe(step)
  })
})

describe('the RMA of an approved return', () => {
  it('returns each item at SL\'s price on the original order, the fees as one negative charge, and the rest as tax', () => {
    const rma = rmaOf(ret(), original, m, orders)
    expect(rma).toMatchObject({
      SOTypeID: 'RMA', CustID: 'C000123', CustOrdNbr: 'R301', OrigOrdNbr: 'SO0004512', CuryID: 'EUR', CuryRate: 1.0832,
      CuryMultDiv: 'M', ShipViaID: 'UPSGROUND', ShipCity: 'Austin', BillZip: '78701', TaxID00: 'TXSTATE',
      OrdDate: '2026-12-04T10:00:00.000Z', CuryTotFrt: 0, CuryWholeOrdDisc: 0, CuryTotTax: 10.38
    })
    expect(rma.Lines).toEqual([
      { InvtID: 'WIDGET-RED-L', SiteID: 'MAIN', QtyOrd: 2, CurySlsPrice: 19.99, DiscPct: 0, UnitDesc: 'EA', TaxCat: 'TAXABLE', Descr: 'Red widget' },
      { InvtID: 'GADGET', SiteID: 'EAST', QtyOrd: 1, CurySlsPrice: 90, DiscPct: 0, UnitDesc: 'EA', TaxCat: 'TAXABLE', Descr: 'Gadget' },
      { InvtID: 'RESTOCK', SiteID: 'MAIN', QtyOrd: 1, CurySlsPrice: -6, DiscPct: 0, UnitDesc: '', TaxCat: '', Descr: 'Restocking fee' }
    ])
  })

  it('credits exactly the refund: lines and tax add up to RefundAmount to the cent', () => {
    for (const refund of ['134.3600', '123.9800', '200.01']) {
      const rma = rmaOf(ret({ RefundAmount: refund }), original, m, orders)
      const lines = (rma.Lines as Array<{ QtyOrd: number, CurySlsPrice: number }>)
        .reduce((s, l) => s + l.QtyOrd * cents(l.CurySlsPrice), 0)
      expect(lines + cents(rma.CuryTotTax)).toBe(cents(refund))
    }
  })

  it('has no charge line without fees, and maps a SKU to the InvtID the order mapping names', () => {
    const rma = rmaOf(ret({
      RefundAmount: '21.99',
      SalesItems: [{ Sku: 'RED-L', Quantity: '1', ReasonKey: null, RestockingFeeAmount: '0' }]
    }), original, m, { skus: { 'RED-L': 'WIDGET-RED-L' } })
    expect(rma.Lines).toEqual([expect.objectContaining({ InvtID: 'WIDGET-RED-L', QtyOrd: 1, CurySlsPrice: 19.99 })])
    expect(rma.CuryTotTax).toBe(2)
  })

  it('refuses an item not on the SL order, a fraction of a unit, fees with no charge item, and a refund below the goods', () => {
    const item = (over: object) => ret({ SalesItems: [{ ...ret().SalesItems[0]!, ...over }] })
    expect(refusal(() => rmaOf(item({ Sku: 'NOPE' }), original, m, orders)))
      .toEqual({ code: 'RETURN_SKU_NOT_ORDERED', message: 'salesReturn.SalesItems[0].Sku is not on SL order SO0004512' })
    expect(refusal(() => rmaOf(item({ Quantity: '1.5000' }), original, m, orders)).code).toBe('BAD_QUANTITY')
    expect(refusal(() => rmaOf(item({ Quantity: '0' }), original, m, orders)).code).toBe('BAD_QUANTITY')
    expect(refusal(() => rmaOf(ret(), original, { ...m, restockingItem: '' }, orders)).message)
      .toContain('no restockingItem')
    expect(refusal(() => rmaOf(item({ RestockingFeeAmount: '-1' }), original, m, orders)).message)
      .toContain('must not be below 0')
    const low = refusal(() => rmaOf(ret({ RefundAmount: '123.97' }), original, m, orders))
    expect(low.code).toBe('INVALID_RECORD')
    expect(low.message).toContain('the prices differ')
    expect(refusal(() => rmaOf(ret({ RefundAmount: '1.001' }), original, m, orders)).code).toBe('AMOUNT_NOT_IN_CENTS')
  })
})

describe('the RMA, at its edges', () => {
  const item = (over: object) => ret({ RefundAmount: '19.99', SalesItems: [{ ...ret().SalesItems[0]!, Quantity: '1', RestockingFeeAmount: '0', ...over }] })
  const one = (line: object) => ({ ...original, Lines: [{ ...original.Lines[0], ...line }] })

  it('copies every address field of the original order, and trims what SL pads', () => {
    const rma = rmaOf(item({}), { ...original, OrdNbr: 'SO0004512   ', CustID: 'C000123  ', TaxID00: 5 }, m, orders)
    for (const f of ['Name', 'Addr1', 'Addr2', 'City', 'State', 'Zip', 'Country']) {
      expect([rma[`Ship${f}`], rma[`Bill${f}`]]).toEqual([(original as any)[`Ship${f}`], (original as any)[`Bill${f}`]])
    }
    expect([rma.OrigOrdNbr, rma.CustID, rma.TaxID00]).toEqual(['SO0004512', 'C000123', ''])
  })

  it('returns a line SL gave away at no price, and refuses one whose price is not an amount', () => {
    expect(rmaOf(item({}), one({ CurySlsPrice: 0 }), m, orders).CuryTotTax).toBe(19.99)
    for (const CurySlsPrice of ['19.99', -1, Infinity]) {
      expect(refusal(() => rmaOf(item({}), one({ CurySlsPrice }), m, orders))).toEqual({
        code: 'INVALID_RECORD', message: 'SL order SO0004512: the price of salesReturn.SalesItems[0].Sku is not an amount'
      })
    }
    expect(refusal(() => rmaOf(item({}), { ...original, Lines: 'none' }, m, orders)).code).toBe('RETURN_SKU_NOT_ORDERED')
    expect(rmaOf(item({}), one({ DiscPct: 'x' }), m, orders).Lines).toMatchObject([{ CurySlsPrice: 19.99 }])
  })

  it('needs no restocking item for a return without fees', () => {
    expect(rmaOf(item({}), original, { ...m, restockingItem: '' }, orders).Lines).toHaveLength(1)
  })

  it('says which field and which rule', () => {
    expect(refusal(() => rmaOf(item({ Quantity: '0.5' }), original, m, orders)).message)
      .toBe('salesReturn.SalesItems[0].Quantity must be a whole number of units above 0')
    expect(refusal(() => rmaOf(item({ RestockingFeeAmount: '-1' }), original, m, orders)).message)
      .toBe('salesReturn.SalesItems: a RestockingFeeAmount must not be below 0')
    expect(refusal(() => rmaOf(item({ RestockingFeeAmount: '0.001' }), original, m, orders)).message)
      .toContain('salesReturn.SalesItems[0].RestockingFeeAmount')
    expect(refusal(() => rmaOf(ret(), original, { ...m, restockingItem: '' }, orders)).message).toBe(
      'salesReturn.SalesItems carry restocking fees and the return mapping has no restockingItem to charge them on')
    expect(refusal(() => rmaOf(item({ Quantity: '2' }), original, m, orders)).message).toBe(
      'salesReturn.RefundAmount is less than the returned items at SL order SO0004512\'s prices less the restocking ' +
      'fees: the prices differ, so a person must decide')
    expect(refusal(() => rmaOf(ret({ RefundAmount: '1.001' }), original, m, orders)).message).toContain('salesReturn.RefundAmount')
  })
})

describe('the refund of a refunded return', () => {
  const memo = { RefNbr: 'IN0000231', DocType: 'CM', CustId: 'C000123', CuryId: 'EUR', CuryDocBal: 134.36 }
  const refunded = ret({ StatusKey: 'Refunded', RefundTransactionNumber: 're_3NxAbCdEfGhIjKlMnOpQrStUv' })

  it('pays the refund back by the mapping\'s method, settling the credit memo, keyed by the card refund', () => {
    expect(refundOf(refunded, memo, m)).toEqual({
      CustId: 'C000123', DocDate: '2026-12-04T10:00:00.000Z', CuryId: 'EUR', CuryOrigDocAmt: 134.36, PmtMethod: 'CARD',
      ExtRefNbr: refundExtRefOf(refunded),
      ApplyTo: [{ AdjdRefNbr: 'IN0000231', AdjdDocType: 'CM', CuryAdjgAmt: 134.36 }]
    })
    expect(refundExtRefOf(refunded)).toMatch(/^~[A-Z2-7]{14}$/)
    expect(refundExtRefOf({ ID: 9, RefundTransactionNumber: 're_short' })).toBe('re_short')
    expect(refundExtRefOf({ ID: 9, RefundTransactionNumber: null })).toMatch(/^~/)
  })

  it('refuses a refund over what the memo has open, and one of nothing', () => {
    const over = refusal(() => refundOf(refunded, { ...memo, CuryDocBal: 134.35 }, m))
    expect(over.code).toBe('REFUND_EXCEEDS_CREDIT')
    expect(over.message).toBe('return 301 is refunded 134.36, more than the 134.35 open on SL credit memo IN0000231: ' +
      'SL refunds no more than it credited, so a person must decide')
    expect(refusal(() => refundOf(refunded, { ...memo, CuryDocBal: '134.36' }, m)).message).toContain('the unknown open on')
    expect(refusal(() => refundOf(refunded, { ...memo, CuryDocBal: undefined }, m)).code).toBe('REFUND_EXCEEDS_CREDIT')
    expect(refundOf(refunded, { ...memo, CuryDocBal: 200 }, m).CuryOrigDocAmt).toBe(134.36)
    expect(refusal(() => refundOf({ ...refunded, RefundAmount: '0' }, memo, m))).toEqual({
      code: 'INVALID_AMOUNT', message: 'salesReturn.RefundAmount must be above 0 for a refunded return'
    })
    expect(refusal(() => refundOf({ ...refunded, RefundAmount: '1.001' }, memo, m)).message).toContain('salesReturn.RefundAmount')
  })
})

describe('the return mapping', () => {
  it('numbers RMAs by the template and reads them back; not a number the template made is not ours', () => {
    expect(rmaCustOrdNbrOf(m, 301)).toBe('R301')
    expect(returnIdOf(m, 'R301 ')).toBe(301)
    expect([returnIdOf(m, '301'), returnIdOf(m, 'R'), returnIdOf(m, 'Rx1'), returnIdOf(m, 'R0')]).toEqual([undefined, undefined, undefined, undefined])
  })

  it('lists every problem at once, and refuses a template the order mapping would read as a web order', () => {
    const problems = (raw: unknown): string[] => {
      try { checkReturnMapping(raw, 'returns.yaml', orders) } catch (err) { return (err as { problems: string[] }).problems }
      return []
    }
    expect(problems({ version: '1', rma: { type: 'SO', customerOrderNumber: '{ID}' }, restockingItem: '', refundPaymentMethod: 'CARD' }))
      .toEqual([
        'rma.type must differ from the web orders\' type (SO)',
        'rma.customerOrderNumber "{ID}" makes numbers the order mapping\'s "{ID}" reads as web orders: give it a prefix or suffix of its own'
      ])
    expect(problems({ rma: { type: 'RMAXX', customerOrderNumber: 'R' }, extra: 1, refundPaymentMethod: ' CARD' })).toEqual([
      'unknown key "extra"; known: version, rma, restockingItem, refundPaymentMethod',
      'version is required (text)',
      'rma.type is longer than SL\'s 4 characters',
      'rma.customerOrderNumber must contain {ID}, so each Clarity return has its own RMA',
      'restockingItem is required (text)',
      'refundPaymentMethod must not start or end with spaces'
    ])
    expect(problems([])[0]).toBe('the file must be a table (key: value)')
  })
})
