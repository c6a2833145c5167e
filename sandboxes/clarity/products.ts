// Products and their stock per location, as the ERP side maintains them.
import { hashOf, now, obj, reject, text, type Ctx } from './api.ts'
import { stockKey, type Product } from './state.ts'
import { displayedStock, productBySku } from './storefront.ts'

const MAX_UPDATE_ROWS = 500

export const productByKey = (c: Ctx, key: string | undefined): Product =>
  productBySku(c.state(), decodeURIComponent(key!)) ?? reject(404, `Product ${key} does not exist`)

/** Sets stock rows; a bad row is reported and skipped, the others are applied. */
export function updateStock (c: Ctx, rows: unknown) {
  const state = c.state()
  if (!Array.isArray(rows)) reject(400, 'The body must be a list of rows')
  if ((rows as unknown[]).length > MAX_UPDATE_ROWS) {
    reject(400, `At most ${MAX_UPDATE_ROWS} rows per request; got ${(rows as unknown[]).length}`)
  }
  const messages: string[] = []
  let applied = 0
  const touched = new Set<string>()
  for (const [i, r] of (rows as Array<Record<string, unknown>>).entries()) {
    const key = typeof r?.ProductKey === 'string' ? r.ProductKey : ''
    const p = productBySku(state, key)
    if (p === undefined) { messages.push(`row ${i}: unknown ProductKey ${key}`); continue }
    if (typeof r.LocationKey !== 'string' || !state.locations.includes(r.LocationKey)) {
      messages.push(`row ${i}: unknown LocationKey ${String(r.LocationKey)}`)
      continue
    }
    if (typeof r.Quantity !== 'number' || !Number.isFinite(r.Quantity) || r.Quantity < 0) {
      messages.push(`row ${i}: Quantity must be a number >= 0`)
      continue
    }
    const alloc = r.QuantityAllocated === undefined ? 0 : r.QuantityAllocated
    if (typeof alloc !== 'number' || !Number.isFinite(alloc) || alloc < 0) {
      messages.push(`row ${i}: QuantityAllocated must be a number >= 0`)
      continue
    }
    state.stock[stockKey(p.CustomKey, r.LocationKey)] = {
      ProductKey: p.CustomKey, LocationKey: r.LocationKey, Quantity: r.Quantity, QuantityAllocated: alloc,
      UpdatedDate: now()
    }
    touched.add(p.CustomKey)
    applied++
  }
  for (const k of touched) { const p = productBySku(state, k)!; p.StockQuantity = displayedStock(state, k) }
  return c.changed({ ActionSucceeded: messages.length === 0, Messages: messages, Result: applied })
}

const newProduct = (c: Ctx, b: Record<string, unknown>): Product => ({
  ID: ++c.state().nextId.product, CustomKey: text(b.CustomKey, 'CustomKey'), CreatedDate: now(), UpdatedDate: now(),
  Active: true, Hash: null, Name: text(b.Name, 'Name', 512), ShortDescription: null, Description: null, PriceBase: 0,
  PriceSale: null, IsVisible: true, IsDiscontinued: false, Weight: null, UnitOfMeasure: null, TaxCode: null,
  StockQuantity: 0
})

/** Creates a product, or changes the one with the body's ID or CustomKey. */
export function upsertProduct (c: Ctx, body: unknown): Product {
  const state = c.state()
  const b = obj(body)
  const existing = (typeof b.ID === 'number' ? state.products[String(b.ID)] : undefined) ??
    (typeof b.CustomKey === 'string' ? productBySku(state, b.CustomKey) : undefined)
  if (existing === undefined && typeof b.ID === 'number' && b.CustomKey === undefined) {
    reject(404, `Product ${b.ID} does not exist`)
  }
  const p: Product = existing ?? newProduct(c, b)
  if (b.Name !== undefined) p.Name = text(b.Name, 'Name', 512)
  for (const k of ['PriceBase', 'PriceSale', 'Weight'] as const) {
    if (b[k] === undefined) continue
    if (b[k] !== null && (typeof b[k] !== 'number' || (b[k] as number) < 0)) reject(400, `${k} must be a number >= 0`)
    if (k === 'PriceBase' && b[k] === null) reject(400, 'PriceBase cannot be null')
    ;(p as unknown as Record<string, unknown>)[k] = b[k]
  }
  for (const k of ['ShortDescription', 'Description', 'UnitOfMeasure', 'TaxCode'] as const) {
    if (b[k] !== undefined) (p as unknown as Record<string, unknown>)[k] = b[k]
  }
  for (const k of ['IsVisible', 'IsDiscontinued', 'Active'] as const) {
    if (b[k] === undefined) continue
    if (typeof b[k] !== 'boolean') reject(400, `${k} must be true or false`)
    p[k] = b[k] as boolean
  }
  p.UpdatedDate = now()
  p.Hash = hashOf([
    p.Name, p.PriceBase, p.PriceSale, p.IsVisible, p.IsDiscontinued, p.Weight, p.UnitOfMeasure, p.TaxCode
  ])
  state.products[String(p.ID)] = p
  if (existing === undefined) {
    for (const loc of state.locations) {
      state.stock[stockKey(p.CustomKey, loc)] ??= {
        ProductKey: p.CustomKey, LocationKey: loc, Quantity: 0, QuantityAllocated: 0, UpdatedDate: now()
      }
    }
  }
  return c.changed(p)
}
