// Sales orders: what the ERP side does to them (confirm, hold, ship, void), and a
// shopper placing and cancelling one. Each change sends its webhook.
import { now, obj, ok, reject, text, type Ctx } from './api.ts'
import { announcePlaced } from './payments.ts'
import type { SalesOrder } from './state.ts'
import { placeOrder } from './storefront.ts'

const FINAL = ['Shipped', 'Completed', 'Void']

export const findOrder = (c: Ctx, id: string | undefined): SalesOrder =>
  c.state().orders[String(Number(id))] ?? reject(404, `SalesOrder ${id} does not exist`)

const touch = (c: Ctx, x: SalesOrder, type = 'order.updated'): SalesOrder => {
  x.UpdatedDate = now()
  c.sender.emit(type, x)
  return c.changed(x)
}

export function confirmOrder (c: Ctx, id: string | undefined, body: unknown) {
  const x = findOrder(c, id)
  const nbr = text(obj(body).ErpOrderNumber, 'ErpOrderNumber')
  if (x.StatusKey === 'Confirmed' && x.ErpOrderNumber === nbr) return ok(x, ['Already confirmed'])
  if (FINAL.includes(x.StatusKey) || x.StatusKey === 'Processing') {
    reject(400, `SalesOrder ${x.ID} is ${x.StatusKey} and cannot be confirmed`)
  }
  x.StatusKey = 'Confirmed'
  x.ErpOrderNumber = nbr
  x.HoldReason = null
  return ok(touch(c, x))
}

export function holdOrder (c: Ctx, id: string | undefined, body: unknown) {
  const x = findOrder(c, id)
  const reason = text(obj(body).Reason, 'Reason', 1000)
  if (FINAL.includes(x.StatusKey)) reject(400, `SalesOrder ${x.ID} is ${x.StatusKey} and cannot be held`)
  if (x.StatusKey === 'On Hold' && x.HoldReason === reason) return ok(x, ['Already on hold'])
  x.StatusKey = 'On Hold'
  x.HoldReason = reason
  return ok(touch(c, x))
}

export function shipOrder (c: Ctx, id: string | undefined, body: unknown) {
  const x = findOrder(c, id)
  const b = obj(body)
  const key = text(b.ShipmentKey, 'ShipmentKey')
  if (x.Shipments.some((s) => s.ShipmentKey === key)) return ok(x, [`Shipment ${key} was already recorded`])
  if (x.StatusKey === 'Void') reject(400, `SalesOrder ${x.ID} is void and cannot ship`)
  const shipped = (sku: string) =>
    x.Shipments.flatMap((s) => s.Items).filter((i) => i.Sku === sku).reduce((n, i) => n + i.Quantity, 0)
  const ordered = (sku: string) => x.SalesItems.filter((i) => i.Sku === sku).reduce((n, i) => n + i.Quantity, 0)
  let items = Array.isArray(b.Items) ? b.Items as Array<{ Sku: unknown, Quantity: unknown }> : []
  if (items.length === 0) {
    items = x.SalesItems
      .map((i) => ({ Sku: i.Sku, Quantity: ordered(i.Sku) - shipped(i.Sku) }))
      .filter((i) => (i.Quantity as number) > 0)
  }
  for (const i of items) {
    if (typeof i.Sku !== 'string' || ordered(i.Sku) === 0) {
      reject(400, `SKU ${String(i.Sku)} is not on SalesOrder ${x.ID}`)
    }
    if (typeof i.Quantity !== 'number' || i.Quantity <= 0) reject(400, `Quantity of ${String(i.Sku)} must be positive`)
    if (shipped(i.Sku as string) + (i.Quantity as number) > ordered(i.Sku as string)) {
      reject(400, `Shipping ${String(i.Quantity)} of ${String(i.Sku)} exceeds what was ordered`)
    }
  }
  x.Shipments.push({
    ShipmentKey: key,
    TrackingNumber: typeof b.TrackingNumber === 'string' ? b.TrackingNumber : '',
    Carrier: typeof b.Carrier === 'string' ? b.Carrier : '',
    ShipDate: typeof b.ShipDate === 'string' ? b.ShipDate : now(),
    Items: items.map((i) => ({ Sku: i.Sku as string, Quantity: i.Quantity as number }))
  })
  x.StatusKey = x.SalesItems.every((i) => shipped(i.Sku) >= ordered(i.Sku)) ? 'Shipped' : 'Processing'
  return ok(touch(c, x))
}

export function voidOrder (c: Ctx, id: string | undefined) {
  const x = findOrder(c, id)
  if (x.StatusKey === 'Void') return ok(x, ['Already void'])
  if (x.StatusKey === 'Shipped' || x.StatusKey === 'Completed') {
    reject(400, `SalesOrder ${x.ID} is ${x.StatusKey} and cannot be voided`)
  }
  x.StatusKey = 'Void'
  return ok(touch(c, x, 'order.cancelled'))
}

/** A shopper's order, from the storefront. */
export function placeByShopper (c: Ctx, body: unknown): SalesOrder {
  const placed = placeOrder(c.state(), body, Date.now())
  announcePlaced(c, placed)
  return c.changed(placed)
}

/** A shopper's cancel, from the storefront. */
export function cancelByShopper (c: Ctx, id: string | undefined): SalesOrder {
  const x = findOrder(c, id)
  if (x.StatusKey !== 'Pending' && x.StatusKey !== 'On Hold') {
    reject(409, `SalesOrder ${x.ID} is ${x.StatusKey}; a shopper can only cancel a pending order`)
  }
  x.StatusKey = 'Void'
  return touch(c, x, 'order.cancelled')
}
