// Pure: one Clarity payout → the one GL batch SL should have of it. Balanced by
// construction, not by a check: the clearing line is the bank and fee lines' sum, so the
// debits equal the credits whatever the amounts; what the payout says is checked only to
// refuse a payout whose own figures do not add up. All arithmetic is in whole cents.
import { payoutExtRefOf, payoutRefNbrOf, type PayoutMapping } from '../../../domain/payouts.ts'
import type { ClarityPayout } from '../../../domain/records.ts'
import { centsOf } from '../../../domain/money.ts'
import { poison } from '../../../lib/errors.ts'

export { centsOf }

export type SlRow = Record<string, unknown>

export interface GlLine {
  Acct: string, Sub: string, DrAmt: number, CrAmt: number, TranDesc: string, RefNbr?: string, ExtRefNbr: string
  TranDate: string
}
export interface GlBatch {
  JrnlType: string, PerPost: string, Descr: string, CuryId: string, CtrlTot: number, Lines: GlLine[]
}

/** The batch to post, or none for a payout that moved no money. */
export type Plan = { action: 'post', batch: GlBatch } | { action: 'none', why: 'no amounts' }

const amount = (cents: number): number => cents / 100
const iso = (ms: number): string => new Date(ms).toISOString()
/** SL's PerPost of a date: its calendar month, YYYYMM, in UTC as Clarity's business days are. */
export const periodOf = (ms: number): string => iso(ms).slice(0, 7).replace('-', '')

/** Each of the payout's own figures, checked against each other and its transactions. */
function figures (p: ClarityPayout) {
  const at = `payout ${p.ID}`
  const gross = centsOf(p.GrossAmount, `${at}: GrossAmount`)
  const fee = centsOf(p.FeeAmount, `${at}: FeeAmount`)
  const refund = centsOf(p.RefundAmount, `${at}: RefundAmount`)
  const net = centsOf(p.NetAmount, `${at}: NetAmount`)
  if (gross - refund - fee !== net) {
    const made = amount(gross - refund - fee)
    throw poison('PAYOUT_UNBALANCED',
      `${at}: GrossAmount - RefundAmount - FeeAmount is ${made}, not its NetAmount ${amount(net)}`)
  }
  const sum = { capture: 0, refund: 0, fee: 0 }
  p.Transactions.forEach((t, i) => {
    const where = `${at}: Transactions[${i}]`
    if (t.Kind !== 'capture' && t.Kind !== 'refund') {
      throw poison('INVALID_PAYLOAD', `${where}.Kind must be capture or refund`)
    }
    sum[t.Kind] += centsOf(t.Amount, `${where}.Amount`)
    sum.fee += centsOf(t.Fee, `${where}.Fee`)
  })
  const totals = [
    ['GrossAmount', gross, sum.capture], ['RefundAmount', refund, sum.refund], ['FeeAmount', fee, sum.fee]
  ] as const
  const differs = totals.find(([, total, of]) => total !== of)
  if (differs !== undefined) {
    const [name, total, of] = differs
    throw poison('PAYOUT_UNBALANCED',
      `${at}: its transactions sum to ${amount(of)} where its ${name} is ${amount(total)}`)
  }
  return { fee, net }
}

/** The bank account of the payout's currency: its own, else the default. */
function bankOf (m: PayoutMapping, currency: string, id: number): string {
  const acct = m.accounts.bank[currency] ?? m.accounts.bank.default
  if (acct === undefined) {
    throw poison('PAYOUT_CURRENCY_UNMAPPED',
      `payout ${id} is in ${currency}, which the payout mapping's accounts.bank has no account for (nor a default)`)
  }
  return acct
}

export function plan (p: ClarityPayout, m: PayoutMapping): Plan {
  const { fee, net } = figures(p)
  const currency = p.CurrencyKey.trim().toUpperCase()
  const ext = payoutExtRefOf(p)
  const refNbr = payoutRefNbrOf(p)
  const date = iso(p.PayoutDate).slice(0, 10)
  const tranDate = `${date}T00:00:00.000Z`
  // Signed as debits: the clearing line carries the other two back, so the sum is 0 by construction.
  const signed: Array<[string, number, string]> = [
    [bankOf(m, currency, p.ID), net, `Card payout ${p.ID}`],
    [m.accounts.fees, fee, 'Card fees'],
    [m.accounts.clearing, -(net + fee), 'Card clearing']
  ]
  const lines: GlLine[] = signed.filter(([, cents]) => cents !== 0).map(([acct, cents, desc]) => ({
    Acct: acct, Sub: m.subaccount, DrAmt: amount(Math.max(cents, 0)), CrAmt: amount(Math.max(-cents, 0)),
    TranDesc: desc, ...(refNbr === undefined ? {} : { RefNbr: refNbr }), ExtRefNbr: ext, TranDate: tranDate
  }))
  if (lines.length === 0) return { action: 'none', why: 'no amounts' }
  const debits = signed.reduce((sum, [, cents]) => sum + Math.max(cents, 0), 0)
  return {
    action: 'post',
    batch: {
      JrnlType: m.journalType, PerPost: periodOf(p.PayoutDate), Descr: `Card payout ${date} ${currency}`.slice(0, 30),
      CuryId: currency, CtrlTot: amount(debits), Lines: lines
    }
  }
}
