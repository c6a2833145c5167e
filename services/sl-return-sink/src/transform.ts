// Pure: what SL should have of a Clarity return. An approved return is one RMA naming the
// original order, each returned item at the price SL sold it on that order, Clarity's
// restocking fees as one negative-priced charge line, and the tax Clarity refunds as the
// RMA's tax, so the credit memo SL invoices of it is exactly what the shopper gets back.
// A refunded return is one AR refund of that amount settling the credit memo. All
// arithmetic is in whole cents.
import { centsOf } from '../../../domain/money.ts'
import { own, type OrderMapping } from '../../../domain/mapping.ts'
import type { ClaritySalesReturn } from '../../../domain/records.ts'
import { refundExtRefOf, rmaCustOrdNbrOf, type ReturnMapping } from '../../../domain/returns.ts'
import { poison } from '../../../lib/errors.ts'

export type SlRow = Record<string, unknown>

/** What a state of a return asks of SL. */
export type Step = 'nothing' | 'authorise' | 'refund'

/** Requested and Rejected ask nothing; Approved and Received want their RMA; Refunded its refund too. */
export function stepOf (r: Pick<ClaritySalesReturn, 'StatusKey'>): Step {
  if (r.StatusKey === 'Approved' || r.StatusKey === 'Received') return 'authorise'
  if (r.StatusKey === 'Refunded') return 'refund'
  return 'nothing'
}

const amount = (cents: number): number => cents / 100
const str = (v: unknown): string => typeof v === 'string' ? v.trim() : ''
const num = (v: unknown): number => typeof v === 'number' && Number.isFinite(v) ? v : NaN

/** SL's price of a line (CurySlsPrice less DiscPct) in cents, rounded as SL rounds money. */
function netCents (line: SlRow): number {
  const price = Math.round(num(line.CurySlsPrice) * 100)
  const disc = num(line.DiscPct ?? 0)
  return Math.round(price * (1 - (Number.isFinite(disc) ? disc : 0) / 100))
}

/** A returned quantity in whole units: SL returns what it shipped, and ships whole units. */
function units (q: string, path: string): number {
  const n = Number(q)
  if (!Number.isInteger(n) || n < 1) {
    throw poison('BAD_QUANTITY', `${path}.Quantity must be a whole number of units above 0`)
  }
  return n
}

/**
 * The RMA to create for the return, against `original` (SL's sales order as GET
 * /api/SalesOrder/{OrdNbr} answers it, lines included). Throws poison for a return SL
 * cannot take: an item not on the order, or amounts that cannot make its refund.
 */
export function rmaOf (
  r: ClaritySalesReturn, original: SlRow, m: ReturnMapping, orders: Pick<OrderMapping, 'skus'>
): SlRow {
  const lines = Array.isArray(original.Lines) ? original.Lines as SlRow[] : []
  let goods = 0
  let fees = 0
  const returned = r.SalesItems.map((it, i) => {
    const path = `salesReturn.SalesItems[${i}]`
    const invtId = own(orders.skus, it.Sku) ?? it.Sku
    const line = lines.find((l) => str(l.InvtID) === invtId)
    if (line === undefined) {
      throw poison('RETURN_SKU_NOT_ORDERED', `${path}.Sku is not on SL order ${str(original.OrdNbr)}`)
    }
    const qty = units(it.Quantity, path)
    const net = netCents(line)
    if (!Number.isSafeInteger(net) || net < 0) {
      throw poison('INVALID_RECORD', `SL order ${str(original.OrdNbr)}: the price of ${path}.Sku is not an amount`)
    }
    goods += net * qty
    fees += centsOf(it.RestockingFeeAmount, `${path}.RestockingFeeAmount`)
    return {
      InvtID: invtId, SiteID: str(line.SiteID), QtyOrd: qty, CurySlsPrice: amount(net), DiscPct: 0,
      UnitDesc: str(line.UnitDesc), TaxCat: str(line.TaxCat), Descr: str(line.Descr)
    }
  })
  if (fees < 0) throw poison('INVALID_RECORD', 'salesReturn.SalesItems: a RestockingFeeAmount must not be below 0')
  if (fees > 0 && m.restockingItem === '') {
    throw poison('INVALID_RECORD', 'salesReturn.SalesItems carry restocking fees and the return mapping has no ' +
      'restockingItem to charge them on')
  }
  // RefundAmount = the goods at the price sold + their tax − fees (Clarity's contract): the rest is the tax.
  const tax = centsOf(r.RefundAmount, 'salesReturn.RefundAmount') - goods + fees
  if (tax < 0) {
    throw poison('INVALID_RECORD', 'salesReturn.RefundAmount is less than the returned items at SL order ' +
      `${str(original.OrdNbr)}'s prices less the restocking fees: the prices differ, so a person must decide`)
  }
  const charge = fees > 0
    ? [{
        InvtID: m.restockingItem, SiteID: returned[0]!.SiteID, QtyOrd: 1, CurySlsPrice: amount(-fees), DiscPct: 0,
        UnitDesc: '', TaxCat: '', Descr: 'Restocking fee'
      }]
    : []
  const copy = (k: string): Record<string, unknown> => ({ [k]: original[k] })
  return {
    SOTypeID: m.rma.type,
    CustID: str(original.CustID),
    CustOrdNbr: rmaCustOrdNbrOf(m, r.ID),
    OrigOrdNbr: str(original.OrdNbr),
    OrdDate: new Date(r.UpdatedDate).toISOString(),
    ...copy('CuryID'), ...copy('CuryRate'), ...copy('CuryMultDiv'), ...copy('ShipViaID'),
    ...Object.fromEntries(['Name', 'Addr1', 'Addr2', 'City', 'State', 'Zip', 'Country']
      .flatMap((f) => [[`Ship${f}`, original[`Ship${f}`]], [`Bill${f}`, original[`Bill${f}`]]])),
    CuryTotFrt: 0,
    CuryTotTax: amount(tax),
    TaxID00: str(original.TaxID00),
    CuryWholeOrdDisc: 0,
    Lines: [...returned, ...charge]
  }
}

/**
 * The AR refund that pays the return back to the card, settling `memo` (the credit memo SL
 * invoiced of its RMA, an open document as GET /api/AccountsReceivable/Documents lists it).
 * Throws poison for a refund more than the memo has open.
 */
export function refundOf (r: ClaritySalesReturn, memo: SlRow, m: ReturnMapping): SlRow {
  const refund = centsOf(r.RefundAmount, 'salesReturn.RefundAmount')
  if (refund <= 0) throw poison('INVALID_AMOUNT', 'salesReturn.RefundAmount must be above 0 for a refunded return')
  const open = Math.round(num(memo.CuryDocBal) * 100)
  if (!(refund <= open)) {
    throw poison('REFUND_EXCEEDS_CREDIT', `return ${r.ID} is refunded ${amount(refund).toFixed(2)}, more than the ` +
      `${Number.isFinite(open) ? amount(open).toFixed(2) : 'unknown'} open on SL credit memo ${str(memo.RefNbr)}: ` +
      'SL refunds no more than it credited, so a person must decide')
  }
  return {
    CustId: str(memo.CustId),
    DocDate: new Date(r.UpdatedDate).toISOString(),
    CuryId: str(memo.CuryId),
    CuryOrigDocAmt: amount(refund),
    PmtMethod: m.refundPaymentMethod,
    ExtRefNbr: refundExtRefOf(r),
    ApplyTo: [{ AdjdRefNbr: str(memo.RefNbr), AdjdDocType: 'CM', CuryAdjgAmt: amount(refund) }]
  }
}
