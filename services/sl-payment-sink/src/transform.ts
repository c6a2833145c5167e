// Pure: what to write in SL's receivables for one captured Clarity payment, given what SL
// holds: its document (found by ExtRefNbr) and the order's open invoice. Each state comes
// to the same end, whichever event brought it: a payment SL lacks is created, applied to
// the invoice when there is one with a balance (`PA`), otherwise as a prepayment (`PP`);
// a prepayment with a balance is applied once the invoice exists. Nothing else is written.
import { extRefOf, refNbrOf } from '../../../domain/payments.ts'
import type { ClarityPayment } from '../../../domain/records.ts'
import { poison } from '../../../lib/errors.ts'

export type SlRow = Record<string, unknown>

/** An SL document, as far as the plan needs it. */
export interface Doc { RefNbr: string, DocType: string, CuryId: string, CuryDocBal: number }

export type Plan =
  | { action: 'create', body: SlRow }
  | { action: 'apply', body: SlRow }
  | { action: 'none', why: 'settled' | 'no invoice yet' | 'invoice paid' }

const cents = (v: number | string): number => Math.round(Number(v) * 100)
const amount = (c: number): number => c / 100
const PMT_METHOD_LEN = 10

export const docOf = (r: SlRow): Doc => ({
  RefNbr: String(r.RefNbr ?? '').trim(),
  DocType: String(r.DocType ?? '').trim(),
  CuryId: String(r.CuryId ?? '').trim(),
  CuryDocBal: Number(r.CuryDocBal ?? 0)
})

/**
 * @param custId  the SL order's customer
 * @param docs    SL's documents with the payment's ExtRefNbr
 * @param invoice the order's invoice, when SL has invoiced it
 */
export function plan (p: ClarityPayment, custId: string, docs: Doc[], invoice: Doc | undefined): Plan {
  const ext = extRefOf(p)
  const payments = docs.filter((d) => d.DocType === 'PA' || d.DocType === 'PP')
  if (payments.length > 1) {
    throw poison('DUPLICATE_IN_SL', `payment ${p.ID}: SL has ${payments.length} payment documents with ExtRefNbr ` +
      `${ext} (${payments.map((d) => `${d.DocType} ${d.RefNbr}`).join(', ')}); \`bridge reconcile\` lists them`)
  }
  const have = payments[0]
  if (have !== undefined && (have.DocType !== 'PP' || cents(have.CuryDocBal) <= 0)) {
    return { action: 'none', why: 'settled' }
  }
  const open = invoice !== undefined && cents(invoice.CuryDocBal) > 0 ? invoice : undefined
  if (open !== undefined && open.CuryId !== p.CurrencyKey.trim()) {
    throw poison('CURRENCY_MISMATCH', `payment ${p.ID} is in ${p.CurrencyKey.trim()}, its order's invoice ` +
      `${open.RefNbr} in ${open.CuryId}: SL applies a payment only in the invoice's currency`)
  }
  if (have === undefined) {
    const total = cents(p.Amount)
    if (!(total > 0)) throw poison('INVALID_AMOUNT', `payment ${p.ID}: Amount must be more than 0`)
    const refNbr = refNbrOf(p)
    return {
      action: 'create',
      body: {
        CustId: custId,
        ...(refNbr === undefined ? {} : { RefNbr: refNbr }),
        DocDate: new Date(p.ReceivedDate ?? p.UpdatedDate).toISOString(),
        CuryId: p.CurrencyKey.trim(),
        CuryOrigDocAmt: amount(total),
        PmtMethod: (p.CardTypeKey?.trim() || 'CARD').toUpperCase().slice(0, PMT_METHOD_LEN),
        ExtRefNbr: ext,
        ApplyTo: open === undefined
          ? []
          : [{ InvcNbr: open.RefNbr, CuryAdjgAmt: amount(Math.min(total, cents(open.CuryDocBal))) }]
      }
    }
  }
  if (open === undefined) return { action: 'none', why: invoice === undefined ? 'no invoice yet' : 'invoice paid' }
  return {
    action: 'apply',
    body: {
      CustId: custId,
      AdjgRefNbr: have.RefNbr,
      AdjgDocType: 'PP',
      AdjdRefNbr: open.RefNbr,
      AdjdDocType: 'IN',
      CuryAdjgAmt: amount(Math.min(cents(have.CuryDocBal), cents(open.CuryDocBal)))
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The payments inside a SalesOrder as Clarity writes it, in the order's currency. */
export function paymentsOfOrder (row: unknown): ClarityPayment[] {
  if (!isObject(row) || !Number.isInteger(row.ID)) {
    throw poison('INVALID_PAYLOAD', 'the order: ID must be a whole number')
  }
  const list = row.Payments ?? []
  if (!Array.isArray(list)) throw poison('INVALID_PAYLOAD', `order ${String(row.ID)}: Payments must be a list`)
  const updated = Date.parse(String(row.UpdatedDate))
  if (typeof row.SellingCurrencyKey !== 'string') {
    throw poison('INVALID_PAYLOAD', `order ${String(row.ID)}: SellingCurrencyKey must be text`)
  }
  const currency = row.SellingCurrencyKey
  return list.map((x: unknown, i) => {
    const where = `order ${String(row.ID)}: Payments[${i}]`
    if (!isObject(x) || !Number.isInteger(x.ID)) throw poison('INVALID_PAYLOAD', `${where}.ID must be a whole number`)
    if (typeof x.Amount !== 'number' || !Number.isFinite(x.Amount)) {
      throw poison('INVALID_PAYLOAD', `${where}.Amount must be an amount`)
    }
    if (typeof x.StatusKey !== 'string') throw poison('INVALID_PAYLOAD', `${where}.StatusKey must be text`)
    const received = typeof x.ReceivedDate === 'string' ? Date.parse(x.ReceivedDate) : NaN
    return {
      ID: x.ID as number,
      SalesOrderID: row.ID as number,
      Amount: x.Amount.toFixed(4),
      CurrencyKey: currency,
      StatusKey: x.StatusKey,
      TransactionNumber: typeof x.TransactionNumber === 'string' ? x.TransactionNumber : null,
      CardTypeKey: typeof x.CardTypeKey === 'string' ? x.CardTypeKey : null,
      ReceivedDate: Number.isNaN(received) ? null : received,
      UpdatedDate: Number.isNaN(updated) ? Date.now() : updated
    }
  })
}
