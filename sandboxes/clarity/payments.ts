// Payments: each an entity of its own (`/Payments/*`) and a copy inside its order's
// `Payments`, kept the same. A storefront order pays at once, or authorises and is
// captured later, in full or in part, on request (/sandbox/payments/:id/capture).
// A return is refunded to the payments it was paid with (refundOrder).
import { createHash } from 'node:crypto'
import { fromMinor, toMinor } from '../common/money.ts'
import { now, obj, reject, type Ctx } from './api.ts'
import type { ClarityState, OrderPayment, Payment, SalesOrder } from './state.ts'

/** A positive amount in whole cents: what a payment can be of. */
export const isAmount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 && fromMinor(toMinor(v)) === v

export const findPayment = (c: Ctx, id: string | undefined): Payment =>
  c.state().payments[String(Number(id))] ?? reject(404, `Payment ${id} does not exist`)

/** The entity of one of an order's payments. */
export const paymentOf = (x: SalesOrder, p: OrderPayment): Payment => ({
  ID: p.ID, CustomKey: null, CreatedDate: x.CreatedDate, UpdatedDate: x.UpdatedDate, Active: true, Hash: null,
  SalesOrderID: x.ID, Amount: p.Amount, CurrencyKey: x.SellingCurrencyKey, StatusKey: p.StatusKey,
  TransactionNumber: p.TransactionNumber, CardTypeKey: p.CardTypeKey, ReceivedDate: p.ReceivedDate
})

/**
 * The payments of a state written before they were entities of their own, made from its
 * orders' `Payments`, so polling `/Payments/Payments` finds them too.
 */
export function paymentsOfOrders (s: Pick<ClarityState, 'orders'>): ClarityState['payments'] {
  const all: ClarityState['payments'] = {}
  for (const x of Object.values(s.orders)) {
    for (const p of x.Payments) all[String(p.ID)] = paymentOf(x, p)
  }
  return all
}

/** order.created, then payment.captured for each payment the order paid at once. */
export function announcePlaced (c: Ctx, x: SalesOrder): void {
  c.sender.emit('order.created', x)
  for (const p of x.Payments) {
    const payment = c.state().payments[String(p.ID)]
    if (payment?.StatusKey === 'Payment Received') c.sender.emit('payment.captured', payment)
  }
}

/** Captures an authorised payment: all of it, or `amount` of it (a partial capture); the rest is released. */
export function capturePayment (c: Ctx, id: string | undefined, body: unknown): Payment {
  const p = findPayment(c, id)
  const b = body === undefined || body === null ? {} : obj(body)
  // Captured already (a retried request): answered as it is, and nothing is sent again.
  if (p.StatusKey === 'Payment Received') return p
  if (p.StatusKey !== 'Authorized') {
    reject(409, `Payment ${p.ID} is ${p.StatusKey}; only an authorised payment can be captured`)
  }
  const amount = b.amount ?? p.Amount
  if (!isAmount(amount)) return reject(400, 'amount must be a positive amount with at most 2 decimals')
  if (toMinor(amount) > toMinor(p.Amount)) reject(400, 'amount must not be more than the authorised amount')
  const at = now()
  Object.assign(p, { Amount: amount, StatusKey: 'Payment Received', UpdatedDate: at, ReceivedDate: at })
  const x = c.state().orders[String(p.SalesOrderID)]
  const copy = x?.Payments.find((e) => e.ID === p.ID)
  if (x !== undefined && copy !== undefined) {
    Object.assign(copy, { Amount: p.Amount, StatusKey: p.StatusKey, ReceivedDate: p.ReceivedDate })
    x.UpdatedDate = at
  }
  c.sender.emit('payment.captured', p)
  return c.changed(p)
}

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/**
 * A processor's refund id, as Stripe writes one (`re_3N…`, 29 characters): random-looking, yet the
 * same for the same state, and apart across resets, since the order's creation time is in it.
 */
function refundNumber (s: ClarityState, x: SalesOrder): string {
  const digest = createHash('sha256').update(`${x.ID}|${x.CreatedDate}|${++s.nextId.refund}`).digest()
  return `re_3N${[...digest.subarray(0, 24)].map((b) => ALNUM[b % ALNUM.length]).join('')}`
}

const unrefunded = (p: Payment): number => toMinor(p.Amount) - toMinor(p.RefundedAmount ?? 0)

/**
 * Refunds `cents` of an order to the shopper: from the largest captured card payment first, spread
 * over the next when one cannot carry it all, a gift card last. Each payment refunded records the
 * refund in `Refunds` (its payout takes it back) and says so in payment.refunded. Answers the
 * refund's id (a second payment's part is that id and `_2`, as the storefront numbers payments);
 * none for nothing to refund. 409, and nothing refunded, when the captures left cannot carry it.
 */
export function refundOrder (c: Ctx, x: SalesOrder, cents: number, salesReturnId: number): string | null {
  if (cents <= 0) return null
  const s = c.state()
  const open = x.Payments
    .map((e) => s.payments[String(e.ID)])
    .filter((p): p is Payment => p?.StatusKey === 'Payment Received' && unrefunded(p) > 0)
    .sort((a, b) => Number(a.CardTypeKey === 'GIFTCARD') - Number(b.CardTypeKey === 'GIFTCARD') ||
      unrefunded(b) - unrefunded(a) || a.ID - b.ID)
  const can = open.reduce((n, p) => n + unrefunded(p), 0)
  if (can < cents) {
    reject(409, `SalesOrder ${x.ID} has ${fromMinor(can).toFixed(2)} captured left to refund, ` +
      `not the ${fromMinor(cents).toFixed(2)} asked`)
  }
  const number = refundNumber(s, x)
  const at = now()
  let left = cents
  for (const [i, p] of open.entries()) {
    if (left === 0) break
    const part = Math.min(left, unrefunded(p))
    left -= part
    const TransactionNumber = i === 0 ? number : `${number}_${i + 1}`
    p.RefundedAmount = fromMinor(toMinor(p.RefundedAmount ?? 0) + part)
    const made = { TransactionNumber, Amount: fromMinor(part), RefundedDate: at, SalesReturnID: salesReturnId }
    p.Refunds = [...(p.Refunds ?? []), made]
    if (unrefunded(p) === 0) p.StatusKey = 'Refunded'
    p.UpdatedDate = at
    const copy = x.Payments.find((e) => e.ID === p.ID)
    if (copy !== undefined) Object.assign(copy, { StatusKey: p.StatusKey, RefundedAmount: p.RefundedAmount })
    x.UpdatedDate = at
    c.sender.emit('payment.refunded', p)
  }
  c.changed(x)
  return number
}
