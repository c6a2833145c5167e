// Sales returns (contracts/clarity.md): a shopper asks for one from the storefront (Requested),
// the merchant's back office approves or rejects it (or approves every one at once), the ERP
// authorises it under its RMA number (Confirm) and receives the goods (Receive), and Clarity
// refunds the card (Refunded). Each change bumps UpdatedDate, so polling finds what a lost
// webhook never said.
import { fromMinor, toMinor } from '../common/money.ts'
import { ClarityError, now, obj, ok, reject, text, type Ctx } from './api.ts'
import { findOrder } from './orders.ts'
import { refundOrder } from './payments.ts'
import type { ClarityState, ReturnItem, ReturnStatus, SalesOrder, SalesReturn } from './state.ts'

export const findReturn = (c: Ctx, id: string | undefined): SalesReturn =>
  c.state().returns[String(Number(id))] ?? reject(404, `SalesReturn ${id} does not exist`)

const touch = (c: Ctx, r: SalesReturn): SalesReturn => {
  r.UpdatedDate = now()
  c.sender.emit('return.updated', r)
  return c.changed(r)
}

/** `rate` (0..1) of `cents`, in cents, half a cent up; exact for a rate of up to 6 decimals. */
export const shareOf = (cents: number, rate: number): number =>
  Math.floor((cents * Math.round(rate * 1e6) + 500000) / 1e6)

/** Shipped, in full or in part: what a shopper can send back. */
const hasShipped = (x: SalesOrder): boolean =>
  x.StatusKey === 'Shipped' || x.StatusKey === 'Completed' || (x.StatusKey === 'Processing' && x.Shipments.length > 0)

const ordered = (x: SalesOrder, sku: string): number =>
  x.SalesItems.filter((i) => i.Sku === sku).reduce((n, i) => n + i.Quantity, 0)

/** SKU → quantity in the order's earlier returns that were not rejected. */
function askedBefore (s: ClarityState, x: SalesOrder): Map<string, number> {
  const asked = new Map<string, number>()
  for (const r of Object.values(s.returns)) {
    if (r.SalesOrderID !== x.ID || r.StatusKey === 'Rejected') continue
    for (const i of r.SalesItems) asked.set(i.Sku, (asked.get(i.Sku) ?? 0) + i.Quantity)
  }
  return asked
}

interface Asked { sku: string, quantity: number, reason: string }

function askedItems (b: Record<string, unknown>): Asked[] {
  if (!Array.isArray(b.items) || b.items.length === 0) {
    return reject(400, 'items is a list of at least one { sku, quantity, reason? }')
  }
  const seen = new Set<string>()
  return (b.items as unknown[]).map((v, n) => {
    const i = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>
    if (typeof i.sku !== 'string' || i.sku.trim() === '') return reject(400, `items[${n}].sku is required`)
    if (seen.has(i.sku)) reject(400, `items: ${i.sku} is listed twice`)
    seen.add(i.sku)
    if (!Number.isInteger(i.quantity)) reject(400, `items[${n}].quantity must be a whole number`)
    const reason = i.reason === undefined ? 'Other' : text(i.reason, `items[${n}].reason`, 64)
    return { sku: i.sku, quantity: i.quantity as number, reason }
  })
}

/**
 * A shopper's return of some of an order's lines, at the price sold: each line less its restocking
 * fee (returnRestockingRates by reason), and the lines' share of the order's tax, pro rata to their
 * subtotal. A line may be asked back that never shipped: the ERP refuses that one.
 */
export function createReturn (c: Ctx, body: unknown): SalesReturn {
  const s = c.state()
  const b = obj(body)
  const x = findOrder(c, String(b.orderId))
  const asked = askedItems(b)
  if (!hasShipped(x)) {
    reject(409, `SalesOrder ${x.ID} is ${x.StatusKey}; only an order that has shipped can be returned`)
  }
  const before = askedBefore(s, x)
  const rates = s.settings.returnRestockingRates
  let subtotal = 0
  let fees = 0
  const SalesItems = asked.map((i): ReturnItem => {
    const line = x.SalesItems.find((l) => l.Sku === i.sku) ?? reject(400, `SKU ${i.sku} is not on SalesOrder ${x.ID}`)
    const all = ordered(x, i.sku)
    const earlier = before.get(i.sku) ?? 0
    const left = all - earlier
    if (left <= 0) {
      reject(400, `nothing of ${i.sku} is left to return on SalesOrder ${x.ID}: ${all} ordered, ${earlier} returned`)
    }
    if (i.quantity < 1 || i.quantity > left) {
      reject(400, `quantity of ${i.sku} must be 1 to ${left}: ${all} ordered, ${earlier} in earlier returns`)
    }
    const ext = toMinor(line.UnitSoldPrice) * i.quantity
    const fee = shareOf(ext, rates[i.reason] ?? 0)
    subtotal += ext
    fees += fee
    return { Sku: line.Sku, Quantity: i.quantity, ReasonKey: i.reason, RestockingFeeAmount: fromMinor(fee) }
  })
  const itemsTotal = toMinor(x.Totals.SubTotal)
  const tax = itemsTotal === 0 ? 0 : Math.round(toMinor(x.Totals.Tax) * subtotal / itemsTotal)
  const ID = ++s.nextId.return
  const at = now()
  const ret: SalesReturn = {
    ID, CustomKey: null, CreatedDate: at, UpdatedDate: at, Active: true, Hash: null, SalesOrderID: x.ID,
    StatusKey: s.settings.returnsAutoApprove ? 'Approved' : 'Requested',
    RefundAmount: fromMinor(subtotal + tax - fees), RefundTransactionNumber: null, ErpReference: null, SalesItems
  }
  s.returns[String(ID)] = ret
  c.sender.emit('return.created', ret)
  return c.changed(ret)
}

function decide (c: Ctx, id: string | undefined, to: 'Approved' | 'Rejected'): SalesReturn {
  const r = findReturn(c, id)
  if (r.StatusKey === to) return r
  if (r.StatusKey !== 'Requested') {
    reject(409, `SalesReturn ${r.ID} is ${r.StatusKey}; only a requested return can be ${to.toLowerCase()}`)
  }
  r.StatusKey = to
  return touch(c, r)
}

/** POST /sandbox/returns/:id/approve: the merchant takes it back. */
export const approveReturn = (c: Ctx, id: string | undefined) => decide(c, id, 'Approved')
/** POST /sandbox/returns/:id/reject: the merchant does not; its lines can be asked for again. */
export const rejectReturn = (c: Ctx, id: string | undefined) => decide(c, id, 'Rejected')

/** One RMA number per return: another is another return in the ERP, and a bridge's mistake. */
function sameReference (r: SalesReturn, ref: string | undefined): void {
  if (ref !== undefined && r.ErpReference !== null && r.ErpReference !== ref) {
    reject(409, `SalesReturn ${r.ID} is ${r.ErpReference} in the ERP, not ${ref}`)
  }
}

const bodyOf = (body: unknown): Record<string, unknown> => (body === undefined || body === null ? {} : obj(body))

/** PATCH /Returning/SalesReturn/Confirm/{ID} `{ ErpReference? }`: the ERP authorised the return. */
export function confirmReturn (c: Ctx, id: string | undefined, body: unknown) {
  const r = findReturn(c, id)
  const b = bodyOf(body)
  const ref = b.ErpReference === undefined || b.ErpReference === null ? undefined : text(b.ErpReference, 'ErpReference')
  if (r.StatusKey === 'Rejected') reject(409, `SalesReturn ${r.ID} was rejected and cannot be confirmed`)
  sameReference(r, ref)
  if (r.StatusKey !== 'Requested' && (ref === undefined || ref === r.ErpReference)) {
    return ok(r, [`Already ${r.StatusKey.toLowerCase()}`])
  }
  if (r.StatusKey === 'Requested') r.StatusKey = 'Approved'
  if (ref !== undefined) r.ErpReference = ref
  return ok(touch(c, r))
}

/** PATCH /Returning/SalesReturn/Receive/{ID} `{ ErpReference }`: the goods came back; refunded at once when auto. */
export function receiveReturn (c: Ctx, id: string | undefined, body: unknown) {
  const r = findReturn(c, id)
  const ref = text(bodyOf(body).ErpReference, 'ErpReference')
  if (r.StatusKey === 'Requested' || r.StatusKey === 'Rejected') {
    reject(409, `SalesReturn ${r.ID} is ${r.StatusKey}; only an approved return can be received`)
  }
  sameReference(r, ref)
  if (r.StatusKey !== 'Approved') return ok(r, [`Already ${r.StatusKey.toLowerCase()}`])
  r.StatusKey = 'Received'
  r.ErpReference = ref
  touch(c, r)
  if (!c.state().settings.returnsAutoRefund) return ok(r)
  try {
    return ok(refund(c, r))
  } catch (err) {
    // Received stands: the refund waits for a capture, then /sandbox/returns/:id/refund.
    if (err instanceof ClarityError) return ok(r, [`Received, not refunded: ${err.message}`])
    throw err
  }
}

function refund (c: Ctx, r: SalesReturn): SalesReturn {
  const x = c.state().orders[String(r.SalesOrderID)] ??
    reject(409, `SalesOrder ${r.SalesOrderID} of SalesReturn ${r.ID} does not exist`)
  r.RefundTransactionNumber = refundOrder(c, x, toMinor(r.RefundAmount), r.ID)
  r.StatusKey = 'Refunded'
  return touch(c, r)
}

/** POST /sandbox/returns/:id/refund: the card refund of a received return, when returnsAutoRefund is off. */
export function refundReturn (c: Ctx, id: string | undefined): SalesReturn {
  const r = findReturn(c, id)
  if (r.StatusKey === 'Refunded') return r
  if (r.StatusKey !== 'Received') {
    reject(409, `SalesReturn ${r.ID} is ${r.StatusKey}; only a received return is refunded`)
  }
  return refund(c, r)
}

const OLD_STATUS: Record<string, ReturnStatus> = { Pending: 'Requested', Confirmed: 'Approved' }

/** The returns of a state file from before the contract's lifecycle: Pending is Requested, Confirmed Approved. */
export function restoredReturns (returns: Record<string, SalesReturn> | undefined): Record<string, SalesReturn> {
  const all: Record<string, SalesReturn> = {}
  for (const [k, r] of Object.entries(returns ?? {})) {
    all[k] = {
      ID: r.ID, CustomKey: r.CustomKey ?? null, CreatedDate: r.CreatedDate, UpdatedDate: r.UpdatedDate,
      Active: r.Active ?? true, Hash: r.Hash ?? null, SalesOrderID: r.SalesOrderID,
      StatusKey: OLD_STATUS[r.StatusKey] ?? r.StatusKey, RefundAmount: r.RefundAmount,
      RefundTransactionNumber: r.RefundTransactionNumber ?? null, ErpReference: r.ErpReference ?? null,
      SalesItems: r.SalesItems
    }
  }
  return all
}
