// Payouts: Clarity's payment hub settles what it captured into the merchant's bank, less
// refunds and card fees, one payout per currency per business day (UTC). A payment refunded
// before its capture was paid out is in a payout twice: as the capture and as the refund.
// A refund is either one recorded in a payment's `Refunds` (a return's, of some of it, under
// the refund's own id), or, for a payment marked Refunded without any, all of it.
import { fromMinor, toMinor } from '../common/money.ts'
import { now, obj, reject, type Ctx } from './api.ts'
import type { ClarityState, Payment, Payout, PayoutFee, PayoutTransaction } from './state.ts'
import { STORE_RATES } from './storefront.ts'

const DAY_MS = 24 * 3600 * 1000

export const findPayout = (c: Ctx, id: string | undefined): Payout =>
  c.state().payouts[String(Number(id))] ?? reject(404, `Payout ${id} does not exist`)

/** A fee on a capture of `amount` cents, in cents: its percent and fixed part, rounded half up. */
export function feeOf (amount: number, fee: PayoutFee | undefined): number {
  if (fee === undefined) return 0
  // The rate in millionths of the amount, so the product is a whole number and a half cent rounds up exactly.
  const share = amount * Math.round(fee.percent * 10000)
  return Math.floor((share + 500000) / 1000000) + toMinor(fee.fixed)
}

/** The currencies a payout can be in: the store's, and any a payment was made in. */
export const payoutCurrencies = (c: Ctx): string[] =>
  [...new Set([...Object.keys(STORE_RATES), ...Object.values(c.state().payments).map((p) => p.CurrencyKey)])]

/** 'YYYY-MM-DD' of a real calendar day. */
export function isDay (v: unknown): v is string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false
  const t = Date.parse(`${v}T00:00:00.000Z`)
  // A day past the month's end (2026-02-30) either does not parse or parses as another day.
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(v)
}

const byTime = (at: (p: Payment) => string) => (a: Payment, b: Payment) => at(a).localeCompare(at(b)) || a.ID - b.ID

/** A refund a payout takes back: `key` is what `paidOut.refund` knows it by. */
interface Refund { key: string, paymentId: number, TransactionNumber: string, cents: number, at: string }

/** The refunds made before `end` that no payout took back yet, oldest first. */
function refundsBefore (s: ClarityState, mine: Payment[], end: number): Refund[] {
  const whole = mine.filter((p) => p.StatusKey === 'Refunded' && p.Refunds === undefined).map((p) => ({
    // A whole refund is dated by its payment's last change.
    key: String(p.ID), paymentId: p.ID, TransactionNumber: p.TransactionNumber, cents: toMinor(p.Amount),
    at: p.UpdatedDate
  }))
  const parts = mine.flatMap((p) => (p.Refunds ?? []).map((r) => ({
    key: r.TransactionNumber, paymentId: p.ID, TransactionNumber: r.TransactionNumber, cents: toMinor(r.Amount),
    at: r.RefundedDate
  })))
  return [...whole, ...parts]
    .filter((r) => Date.parse(r.at) < end && s.paidOut.refund[r.key] === undefined)
    .sort((a, b) => a.at.localeCompare(b.at) || a.paymentId - b.paymentId || a.key.localeCompare(b.key))
}

/** The payout of one currency for one business day; undefined when it exists already or there is nothing to pay. */
function payOut (c: Ctx, day: string, currency: string): Payout | undefined {
  const s = c.state()
  const PayoutDate = `${day}T00:00:00.000Z`
  // One a day: what comes after that day's payout waits for a later day's.
  if (Object.values(s.payouts).some((p) => p.CurrencyKey === currency && p.PayoutDate === PayoutDate)) return undefined
  const end = Date.parse(PayoutDate) + DAY_MS
  const mine = Object.values(s.payments).filter((p) => p.CurrencyKey === currency)
  const captures = mine
    .filter((p) => (p.StatusKey === 'Payment Received' || p.StatusKey === 'Refunded') && p.ReceivedDate !== null &&
      Date.parse(p.ReceivedDate) < end && s.paidOut.capture[String(p.ID)] === undefined)
    .sort(byTime((p) => p.ReceivedDate ?? ''))
  // A refund made after the day is not that day's.
  const refunds = refundsBefore(s, mine, end)
  if (captures.length === 0 && refunds.length === 0) return undefined

  const fee = s.settings.payoutFees[currency]
  const Transactions: PayoutTransaction[] = []
  let gross = 0
  let fees = 0
  let refunded = 0
  for (const p of captures) {
    const amount = toMinor(p.Amount)
    const f = feeOf(amount, fee)
    gross += amount
    fees += f
    Transactions.push({
      TransactionNumber: p.TransactionNumber, Kind: 'capture', Amount: fromMinor(amount), Fee: fromMinor(f)
    })
  }
  for (const r of refunds) {
    refunded += r.cents
    Transactions.push({ TransactionNumber: r.TransactionNumber, Kind: 'refund', Amount: fromMinor(r.cents), Fee: 0 })
  }
  const at = now()
  const ID = ++s.nextId.payout
  const payout: Payout = {
    ID, CustomKey: null, CreatedDate: at, UpdatedDate: at, Active: true, Hash: null, PayoutDate, CurrencyKey: currency,
    GrossAmount: fromMinor(gross), FeeAmount: fromMinor(fees), RefundAmount: fromMinor(refunded),
    NetAmount: fromMinor(gross - refunded - fees), Transactions
  }
  s.payouts[String(ID)] = payout
  for (const p of captures) s.paidOut.capture[String(p.ID)] = ID
  for (const r of refunds) s.paidOut.refund[r.key] = ID
  c.sender.emit('payout.paid', payout)
  return c.changed(payout)
}

/** The payouts of one business day, for each currency given, as far as they do not exist yet. */
export const payDay = (c: Ctx, day: string, currencies = payoutCurrencies(c)): Payout[] =>
  currencies.map((k) => payOut(c, day, k)).filter((p) => p !== undefined)

/** POST /sandbox/payouts/run `{ date?: 'YYYY-MM-DD' (today, UTC), currency?: string (all) }`. */
export function runPayouts (c: Ctx, body: unknown): { Payouts: Payout[] } {
  const b = body === undefined || body === null ? {} : obj(body)
  const unknown = Object.keys(b).find((k) => k !== 'date' && k !== 'currency')
  if (unknown !== undefined) reject(400, `${unknown} is not a field of a payout run; it takes date and currency`)
  if (b.date !== undefined && !isDay(b.date)) {
    reject(400, `date must be a calendar day as YYYY-MM-DD, not ${JSON.stringify(b.date)}`)
  }
  const day = (b.date as string | undefined) ?? now().slice(0, 10)
  const known = payoutCurrencies(c)
  if (b.currency !== undefined && (typeof b.currency !== 'string' || !known.includes(b.currency))) {
    reject(400, `currency must be one of ${known.join(', ')}, not ${JSON.stringify(b.currency)}`)
  }
  return { Payouts: payDay(c, day, b.currency === undefined ? undefined : [b.currency as string]) }
}

/**
 * While `payoutsAuto` is on, pays out the previous UTC day once a day, once the clock is past
 * `payoutsHourUtc`. `check` is what the timer calls, with the time it is.
 */
export function autoPayouts (c: Ctx, everyMs = 60000) {
  let last: string | undefined
  const check = (at = new Date()): Payout[] => {
    const { payoutsAuto, payoutsHourUtc } = c.state().settings
    if (!payoutsAuto || at.getUTCHours() < payoutsHourUtc) return []
    const day = new Date(at.getTime() - DAY_MS).toISOString().slice(0, 10)
    if (last === day) return []
    last = day
    return payDay(c, day)
  }
  const timer = setInterval(() => { check() }, everyMs)
  timer.unref()
  return { check, stop: () => clearInterval(timer) }
}
