// The latest level of every item site this instance knows of, from every partition of
// inventory.changes: an item's sites are spread over partitions (the key is
// InvtID|SiteID), so the ones this instance's group assigns it see only some of them.
import type { ItemSiteLevel } from '../../../domain/records.ts'

/** Where a level was read: a later offset of the same partition is newer. */
export interface Position { partition: number, offset: bigint, timestamp: number }

/** A level held, null for a tombstone (kept, so an older level read later cannot revive the site). */
export interface Held { at: Position, level: ItemSiteLevel | null }

/**
 * Within a partition the offset orders one key's records; a key read from two partitions
 * (partitions were added) can only be ordered by when its records were written.
 */
export const isNewer = (a: Position, b: Position): boolean =>
  a.partition === b.partition ? a.offset > b.offset : a.timestamp > b.timestamp

/** The InvtID of a key InvtID|SiteID; SiteIDs hold no '|', InvtIDs might. */
export const itemOfKey = (key: string): string => {
  const bar = key.lastIndexOf('|')
  return bar < 0 ? key : key.slice(0, bar)
}

export class SiteTable {
  private readonly items = new Map<string, Map<string, Held>>()
  private count = 0

  /** Keeps `h` unless what is held for the key is newer; answers whether it kept it. */
  apply (key: string, h: Held): boolean {
    const item = itemOfKey(key)
    let sites = this.items.get(item)
    if (sites === undefined) { sites = new Map(); this.items.set(item, sites) }
    const old = sites.get(key)
    if (old !== undefined && !isNewer(h.at, old.at)) return false
    if (old === undefined) this.count++
    sites.set(key, h)
    return true
  }

  get (key: string): Held | undefined { return this.items.get(itemOfKey(key))?.get(key) }

  /** The keys of the item's sites held, tombstones included. */
  keysOf (invtId: string): string[] { return [...this.items.get(invtId)?.keys() ?? []] }

  size (): number { return this.count }

  /** Every item site held, tombstones included. */
  * all (): Generator<[key: string, held: Held]> {
    for (const sites of this.items.values()) yield * sites
  }
}
