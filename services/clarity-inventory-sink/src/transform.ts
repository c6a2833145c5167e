// Pure: SL item-site levels → Clarity stock rows, under the catalogue mapping's
// site → location table and available-to-sell rule.
import type { CatalogueMapping } from '../../../domain/catalogue-mapping.ts'
import { classify, poison, type BridgeError } from '../../../lib/errors.ts'
import { own, skuOf } from '../../../domain/mapping.ts'
import type { ItemSiteLevel } from '../../../domain/records.ts'
import { isNewer, itemOfKey, type Position, type SiteTable } from './sites.ts'

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
export interface ChunkEntry<R> { ref: R, key: string, level: ItemSiteLevel | null, at?: Position }

export interface ChunkPlan<R> {
  /** In the order Clarity gets them; `ref` is the record each row stands for. */
  push: Array<{ ref: R, row: StockRow }>
  rejected: Array<{ ref: R, error: BridgeError }>
  coalesced: number
  unpublished: number
  /** Rows of the other sites of the items that changed, from the table. */
  reasserted: number
}

/** The row of a level, or undefined for one that is not to be pushed (a rule broken, or not published). */
function rowOrNothing (
  m: CatalogueMapping, skus: Record<string, string>, l: ItemSiteLevel | null
): StockRow | undefined {
  if (l === null) return undefined
  try {
    return stockRow(m, skus, l)
  } catch (err) {
    // Its own record says why, on the consumer loop of the instance that reads it.
    if (classify(err).kind !== 'poison') throw err
    return undefined
  }
}

/**
 * The rows one chunk of a partition becomes: the latest level per item site (a later
 * record supersedes an earlier one, whatever it says), closed locations at zero for
 * every product that comes by, and the levels that break a rule set apart.
 *
 * With the table, each item a row is pushed for gets all its published sites pushed, as
 * the table holds them: the store lowers the locations it sells from by its own choice,
 * and SL changes only the site an order ships from, so a location the store lowered can
 * be put right only when another of the item's sites changes. A level the table holds
 * that is newer than the chunk's is the one pushed: the table may be ahead of this loop.
 */
export function planChunk<R> (
  m: CatalogueMapping, skus: Record<string, string>, entries: Array<ChunkEntry<R>>, table?: SiteTable
): ChunkPlan<R> {
  const latest = new Map<string, { ref: R, row: StockRow }>()
  const seen = new Set<string>()
  const touched = new Map<string, R>()
  const rejected: ChunkPlan<R>['rejected'] = []
  let coalesced = 0
  let unpublished = 0
  for (const e of entries) {
    seen.add(e.key)
    if (latest.delete(e.key)) coalesced++
    if (e.level === null) continue
    let row: StockRow | undefined
    try {
      row = stockRow(m, skus, e.level)
    } catch (err) {
      const error = classify(err)
      if (error.kind !== 'poison') throw err
      rejected.push({ ref: e.ref, error })
      // SL moved (an oversell takes a site below zero): the store may have lowered another site for it.
      touched.set(itemOfKey(e.key), e.ref)
      continue
    }
    if (row === undefined) { unpublished++; continue }
    const held = table?.get(e.key)
    if (held !== undefined && e.at !== undefined && isNewer(held.at, e.at)) {
      row = rowOrNothing(m, skus, held.level)
      if (row === undefined) continue
    }
    latest.set(e.key, { ref: e.ref, row })
    touched.set(itemOfKey(e.key), e.ref)
    // Keyed apart from the records' own keys (InvtID|SiteID), which can spell the same.
    for (const zero of closedRows(m, row.ProductKey)) {
      latest.set(`closed:${zero.ProductKey}|${zero.LocationKey}`, { ref: e.ref, row: zero })
    }
  }
  let reasserted = 0
  for (const [item, ref] of touched) {
    for (const key of table?.keysOf(item) ?? []) {
      // What the chunk said of a site stands, a tombstone or a refused level included.
      if (seen.has(key)) continue
      const row = rowOrNothing(m, skus, table!.get(key)!.level)
      if (row === undefined) continue
      latest.set(key, { ref, row })
      reasserted++
    }
  }
  return { push: [...latest.values()], rejected, coalesced, unpublished, reasserted }
}

/**
 * Every published site the table holds, as Clarity is to show it, with the closed locations
 * of each product at zero. The store lowers a location for each order it takes, and SL may
 * change no level for that order: a line backordered at a sold-out site, an order held or
 * refused before it reached SL. Nothing but a sweep sets such a location right. A level
 * written in the last `settleMs` is left out: the loop has just pushed it, and another
 * instance's table may not have read it yet.
 */
export function sweepRows (
  m: CatalogueMapping, skus: Record<string, string>, table: SiteTable, now: number, settleMs: number
): StockRow[] {
  const rows = new Map<string, StockRow>()
  for (const [key, held] of table.all()) {
    if (held.at.timestamp > now - settleMs) continue
    const row = rowOrNothing(m, skus, held.level)
    if (row === undefined) continue
    rows.set(key, row)
    for (const zero of closedRows(m, row.ProductKey)) rows.set(`closed:${zero.ProductKey}|${zero.LocationKey}`, zero)
  }
  return [...rows.values()]
}
