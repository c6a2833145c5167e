// Sales returns: a shopper asks for one from the storefront, the ERP side confirms it.
import { now, obj, ok, reject, type Ctx } from './api.ts'
import { findOrder } from './orders.ts'
import type { SalesReturn } from './state.ts'

export function confirmReturn (c: Ctx, id: string | undefined) {
  const r = c.state().returns[String(Number(id))] ?? reject(404, `SalesReturn ${id} does not exist`)
  if (r.StatusKey === 'Confirmed') return ok(r, ['Already confirmed'])
  r.StatusKey = 'Confirmed'
  r.UpdatedDate = now()
  return ok(c.changed(r))
}

/** A return of some of an order's lines, refunded at the price sold. */
export function createReturn (c: Ctx, body: unknown): SalesReturn {
  const state = c.state()
  const b = obj(body)
  const x = findOrder(c, String(b.orderId))
  const items = Array.isArray(b.items)
    ? b.items as Array<{ sku: string, quantity: number, reason?: string }>
    : reject(400, 'items is required')
  let refund = 0
  const lines = items.map((i) => {
    const line = x.SalesItems.find((s) => s.Sku === i.sku) ?? reject(400, `SKU ${i.sku} is not on SalesOrder ${x.ID}`)
    if (!Number.isInteger(i.quantity) || i.quantity < 1 || i.quantity > line.Quantity) {
      reject(400, `quantity of ${i.sku} must be 1 to ${line.Quantity}`)
    }
    refund += Math.round(line.UnitSoldPrice * 100) * i.quantity
    return { Sku: i.sku, Quantity: i.quantity, ReasonKey: i.reason ?? 'Other', RestockingFeeAmount: 0 }
  })
  const id = ++state.nextId.return
  const ret = {
    ID: id, CreatedDate: now(), UpdatedDate: now(), SalesOrderID: x.ID, StatusKey: 'Pending',
    RefundAmount: refund / 100, SalesItems: lines
  }
  state.returns[String(id)] = ret
  c.sender.emit('return.created', ret)
  return c.changed(ret)
}
