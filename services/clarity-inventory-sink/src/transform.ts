// Pure: SL item-site levels → Clarity stock rows, under the catalogue mapping's
// site → location table and available-to-sell rule.
import type { CatalogueMapping } from '../../../lib/catalogue-mapping.ts'
import { poison } from '../../../lib/errors.ts'
import { skuOf } from '../../../lib/mapping.ts'
import type { ItemSiteLevel } from '../../../lib/records.ts'

export interface StockRow { ProductKey: string, LocationKey: string, Quantity: number, QuantityAllocated: number }

/** Rows that keep the closed locations of a product at zero. */
export const closedRows = (m: CatalogueMapping, productKey: string): StockRow[] =>
  m.inventory.closedLocations.map((LocationKey) => ({ ProductKey: productKey, LocationKey, Quantity: 0, QuantityAllocated: 0 }))

/** The row Clarity gets for one level; undefined when its site is not published. */
export function stockRow (m: CatalogueMapping, skus: Record<string, string>, l: ItemSiteLevel): StockRow | undefined {
  const location = m.inventory.locations[l.SiteID]
  if (location === undefined) return undefined
  const onHand = Number(l.QtyOnHand)
  const offered = Number(l[m.inventory.available])
  // SL never lets stock go below zero; a negative level is a data fault to look at, not to sell from.
  if (onHand < 0 || offered < 0) {
    throw poison('NEGATIVE_LEVEL', `${l.InvtID} at ${l.SiteID}: QtyOnHand ${l.QtyOnHand}, ${m.inventory.available} ${offered}; a level below zero is not pushed`)
  }
  const safety = m.inventory.safetyStock[l.SiteID] ?? m.inventory.safetyStock.default
  return {
    ProductKey: skuOf({ skus }, l.InvtID),
    LocationKey: location,
    Quantity: Math.max(0, offered - safety),
    QuantityAllocated: Math.max(0, Number(l.QtyAlloc))
  }
}
