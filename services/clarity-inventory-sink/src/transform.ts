// Pure: SL item-site levels → Clarity stock rows, under the catalogue mapping's
// site → location table and available-to-sell rule.
import type { CatalogueMapping } from '../../../domain/catalogue-mapping.ts'
import { classify, poison, type BridgeError } from '../../../lib/errors.ts'
import { own, skuOf } from '../../../domain/mapping.ts'
import type { ItemSiteLevel } from '../../../domain/records.ts'

export interface StockRow { ProductKey: string, LocationKey: string, Quantity: number, QuantityAllocated: number }

/** Rows that keep the closed locations of a product at zero. */
export const closedRows = (m: CatalogueMapping, productKey: string): StockRow[] =>
  m.inventory.closedLocations.map((LocationKey) => ({
    ProductKey: productKey, LocationKey, Quantity: 0, QuantityAllocated: 0
  }))

/** The row Clarity gets for one level; undefined when its site is not published. */
export function stockRow (m: CatalogueMapping, skus: Record<string, string>, l: ItemSiteLevel): StockRow | undefined {
  const location = own(m.inventory.locations, l.SiteID)
  if (location === undefined) return undefined
  const onHand = Number(l.QtyOnHand)
  const offered = Number(l[m.inventory.available])
  // SL never lets stock go below zero; a negative level is a data fault to look at, not to sell from.
  if (onHand < 0 || offered < 0) {
    throw poison('NEGATIVE_LEVEL', `${l.InvtID} at ${l.SiteID}: QtyOnHand ${l.QtyOnHand}, ` +
      `${m.inventory.available} ${offered}; a level below zero is not pushed`)
  }
  const safety = own(m.inventory.safetyStock, l.SiteID) ?? m.inventory.safetyStock.default
  return {
    ProductKey: skuOf({ skus }, l.InvtID),
    LocationKey: location,
    Quantity: Math.max(0, offered - safety),
    QuantityAllocated: Math.max(0, Number(l.QtyAlloc))
  }
}

/** One record of a chunk, decoded: null is a tombstone (the item site is gone). */
export interface ChunkEntry<R> { ref: R, key: string, level: ItemSiteLevel | null }

export interface ChunkPlan<R> {
  /** In the order Clarity gets them; `ref` is the record each row stands for. */
  push: Array<{ ref: R, row: StockRow }>
  rejected: Array<{ ref: R, error: BridgeError }>
  coalesced: number
  unpublished: number
}

/**
 * The rows one chunk of a partition becomes: the latest level per item site (a later
 * record supersedes an earlier one, whatever it says), closed locations at zero for
 * every product that comes by, and the levels that break a rule set apart.
 */
export function planChunk<R> (
  m: CatalogueMapping, skus: Record<string, string>, entries: Array<ChunkEntry<R>>
): ChunkPlan<R> {
  const latest = new Map<string, { ref: R, row: StockRow }>()
  const rejected: ChunkPlan<R>['rejected'] = []
  let coalesced = 0
  let unpublished = 0
  for (const e of entries) {
    if (latest.delete(e.key)) coalesced++
    if (e.level === null) continue
    let row: StockRow | undefined
    try {
      row = stockRow(m, skus, e.level)
    } catch (err) {
      const error = classify(err)
      if (error.kind !== 'poison') throw err
      rejected.push({ ref: e.ref, error })
      continue
    }
    if (row === undefined) { unpublished++; continue }
    latest.set(e.key, { ref: e.ref, row })
    // Keyed apart from the records' own keys (InvtID|SiteID), which can spell the same.
    for (const zero of closedRows(m, row.ProductKey)) {
      latest.set(`closed:${zero.ProductKey}|${zero.LocationKey}`, { ref: e.ref, row: zero })
    }
  }
  return { push: [...latest.values()], rejected, coalesced, unpublished }
}
