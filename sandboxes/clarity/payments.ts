// Payments: each an entity of its own (`/Payments/*`) and a copy inside its order's
// `Payments`, kept the same. A storefront order pays at once, or authorises and is
// captured later, in full or in part, on request (/sandbox/payments/:id/capture).
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
