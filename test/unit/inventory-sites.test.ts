// clarity-inventory-sink: a change to one site of an item pushes all the item's published
// sites, as the table of every level holds them.
import { describe, expect, it } from 'vitest'
import type { CatalogueMapping } from '../../domain/catalogue-mapping.ts'
import type { ItemSiteLevel } from '../../domain/records.ts'
import { SiteTable, type Position } from '../../services/clarity-inventory-sink/src/sites.ts'
import { planChunk, sweepRows, type ChunkEntry } from '../../services/clarity-inventory-sink/src/transform.ts'

const mapping: CatalogueMapping = {
  version: '1',
  inventory: {
    locations: { MAIN: 'AUS', EAST: 'NWK', WEST: 'SAC' }, closedLocations: ['RNO'], available: 'QtyAvail',
    safetyStock: { default: 0, WEST: 3 }
  },
  products: { fields: { Name: 'Descr' }, taxCodes: {}, discontinued: [], hidden: [] }
}
const skus = { 'VALVE-BRASS-1/2IN': 'VALVE-BRASS-050' }
const level = (InvtID: string, SiteID: string, QtyAvail: string): ItemSiteLevel => ({
  InvtID, SiteID, QtyOnHand: '100.0000', QtyAvail, QtyAlloc: '1.0000', QtyShipNotInv: '0.0000', QtyOnPO: '0.0000', LUpd_DateTime: 0, tstamp: 1
})
// One partition per item site is enough here: offsets order a key's records.
const at = (offset: number, partition = 0): Position => ({ partition, offset: BigInt(offset), timestamp: offset })
const tableOf = (rows: Array<[string, string, string | null, number]>): SiteTable => {
  const t = new SiteTable()
  for (const [item, site, qty, offset] of rows) {
    t.apply(`${item}|${site}`, { at: at(offset), level: qty === null ? null : level(item, site, qty) })
  }
  return t
}
const entry = (ref: number, item: string, site: string, qty: string | null, offset: number): ChunkEntry<number> =>
  ({ ref, key: `${item}|${site}`, level: qty === null ? null : level(item, site, qty), at: at(offset) })
const rows = (p: ReturnType<typeof planChunk<number>>): string[] =>
  p.push.map((x) => `${x.ref}:${x.row.ProductKey}@${x.row.LocationKey}=${x.row.Quantity}`)

describe('an item\'s other sites ride along', () => {
  it('a change at one site pushes the others from the table, mapped, closed locations at 0', () => {
    const t = tableOf([['PUMP', 'MAIN', '4', 1], ['PUMP', 'EAST', '6', 2], ['PUMP', 'WEST', '10', 3]])
    const p = planChunk(mapping, skus, [entry(7, 'PUMP', 'EAST', '5', 9)], t)
    expect(rows(p)).toEqual(['7:PUMP@NWK=5', '7:PUMP@RNO=0', '7:PUMP@AUS=4', '7:PUMP@SAC=7'])
    expect(p.reasserted).toBe(2)
  })

  it('the store\'s SKU for an item sold under another, at every site', () => {
    const t = tableOf([['VALVE-BRASS-050', 'MAIN', '8', 1]])
    const p = planChunk(mapping, skus, [entry(1, 'VALVE-BRASS-050', 'EAST', '2', 5)], t)
    expect(rows(p)).toEqual(['1:VALVE-BRASS-1/2IN@NWK=2', '1:VALVE-BRASS-1/2IN@RNO=0', '1:VALVE-BRASS-1/2IN@AUS=8'])
  })

  it('several changes of one item in a chunk: one row per location, the latest', () => {
    const t = tableOf([['PUMP', 'MAIN', '4', 1], ['PUMP', 'WEST', '10', 3]])
    const p = planChunk(mapping, skus, [
      entry(1, 'PUMP', 'MAIN', '5', 10), entry(2, 'GAUGE', 'MAIN', '1', 11), entry(3, 'PUMP', 'MAIN', '6', 12)
    ], t)
    expect(rows(p).sort()).toEqual(['2:GAUGE@AUS=1', '2:GAUGE@RNO=0', '3:PUMP@AUS=6', '3:PUMP@RNO=0', '3:PUMP@SAC=7'])
    expect(p.coalesced).toBe(1)
  })

  it('unknown and unpublished sites, tombstones and levels below zero in the table are not pushed', () => {
    const t = tableOf([
      ['PUMP', 'NORTH', '50', 1], ['PUMP', 'constructor', '50', 2], ['PUMP', 'EAST', null, 3], ['PUMP', 'WEST', '-2', 4]
    ])
    const p = planChunk(mapping, skus, [entry(1, 'PUMP', 'MAIN', '9', 9)], t)
    expect(rows(p)).toEqual(['1:PUMP@AUS=9', '1:PUMP@RNO=0'])
    expect(p).toMatchObject({ reasserted: 0, rejected: [] })
  })

  it('a level the table holds that is newer than the chunk\'s is what is pushed', () => {
    const t = tableOf([['PUMP', 'MAIN', '3', 20], ['PUMP', 'EAST', '6', 2]])
    expect(rows(planChunk(mapping, skus, [entry(1, 'PUMP', 'MAIN', '9', 9)], t)))
      .toEqual(['1:PUMP@AUS=3', '1:PUMP@RNO=0', '1:PUMP@NWK=6'])
    // Newer and gone, or newer and below zero: nothing of that site, the other sites still re-asserted.
    for (const newer of [null, '-1']) {
      const gone = tableOf([['PUMP', 'MAIN', newer, 20], ['PUMP', 'EAST', '6', 2]])
      expect(rows(planChunk(mapping, skus, [entry(1, 'PUMP', 'MAIN', '9', 9), entry(2, 'PUMP', 'EAST', '7', 10)], gone)))
        .toEqual(['2:PUMP@NWK=7', '2:PUMP@RNO=0'])
    }
  })

  it('what the chunk says of a site stands over the table: a negative level is rejected, not replaced', () => {
    const t = tableOf([['PUMP', 'MAIN', '4', 1], ['PUMP', 'EAST', '6', 2]])
    const p = planChunk(mapping, skus, [entry(1, 'PUMP', 'MAIN', '-1', 9), entry(2, 'PUMP', 'EAST', '7', 10)], t)
    expect(rows(p)).toEqual(['2:PUMP@NWK=7', '2:PUMP@RNO=0'])
    expect(p.rejected.map((r) => `${r.ref}:${r.error.code}`)).toEqual(['1:NEGATIVE_LEVEL'])
  })

  it('a level of a site not published touches no other site', () => {
    const t = tableOf([['PUMP', 'MAIN', '4', 1]])
    expect(rows(planChunk(mapping, skus, [entry(2, 'PUMP', 'NORTH', '5', 10)], t))).toEqual([])
  })

  it('a level below zero is rejected and still sets the item\'s other sites back to SL\'s (an oversell moved SL)', () => {
    const t = tableOf([['PUMP', 'MAIN', '4', 1], ['PUMP', 'WEST', '10', 2]])
    const p = planChunk(mapping, skus, [entry(1, 'PUMP', 'EAST', '-1', 9)], t)
    expect(rows(p)).toEqual(['1:PUMP@AUS=4', '1:PUMP@SAC=7'])
    expect(p.rejected.map((r) => `${r.ref}:${r.error.code}`)).toEqual(['1:NEGATIVE_LEVEL'])
    expect(p.reasserted).toBe(2)
  })
})

describe('the table of every level', () => {
  it('keeps the newer of two levels of a key, whatever order they are read in', () => {
    const t = new SiteTable()
    expect(t.apply('PUMP|MAIN', { at: at(5), level: level('PUMP', 'MAIN', '5') })).toBe(true)
    expect(t.apply('PUMP|MAIN', { at: at(3), level: level('PUMP', 'MAIN', '3') })).toBe(false)
    expect(t.apply('PUMP|MAIN', { at: at(5), level: level('PUMP', 'MAIN', '5') })).toBe(false)
    expect(t.apply('PUMP|MAIN', { at: at(8), level: null })).toBe(true)
    expect(t.get('PUMP|MAIN')?.level).toBeNull()
    // A key read from another partition (partitions were added): the later write wins.
    expect(t.apply('PUMP|MAIN', { at: { partition: 1, offset: 0n, timestamp: 7 }, level: level('PUMP', 'MAIN', '1') })).toBe(false)
    expect(t.apply('PUMP|MAIN', { at: { partition: 1, offset: 1n, timestamp: 9 }, level: level('PUMP', 'MAIN', '2') })).toBe(true)
    expect(t.size()).toBe(1)
  })

  it('groups the sites by item, an InvtID with a bar in it included', () => {
    const t = tableOf([['A|B', 'MAIN', '1', 1], ['A|B', 'EAST', '1', 2], ['A', 'MAIN', '1', 3]])
    expect(t.keysOf('A|B')).toEqual(['A|B|MAIN', 'A|B|EAST'])
    expect(t.keysOf('A')).toEqual(['A|MAIN'])
    expect(t.keysOf('B')).toEqual([])
  })
})

describe('the sweep', () => {
  it('pushes every published site the table holds, mapped, closed locations at 0, once per product', () => {
    const t = tableOf([
      ['PUMP', 'MAIN', '4', 1], ['PUMP', 'WEST', '10', 2], ['PUMP', 'NORTH', '9', 3], ['PUMP', 'EAST', null, 4],
      ['GAUGE', 'EAST', '-1', 5], ['VALVE-BRASS-050', 'EAST', '2', 6]
    ])
    const swept = sweepRows(mapping, skus, t, 100, 10).map((r) => `${r.ProductKey}@${r.LocationKey}=${r.Quantity}`)
    expect(swept.sort()).toEqual([
      'PUMP@AUS=4', 'PUMP@RNO=0', 'PUMP@SAC=7', 'VALVE-BRASS-1/2IN@NWK=2', 'VALVE-BRASS-1/2IN@RNO=0'
    ])
  })

  it('leaves a level written within the settling time to the loop', () => {
    const t = tableOf([['PUMP', 'MAIN', '4', 89], ['PUMP', 'WEST', '10', 90], ['PUMP', 'EAST', '6', 91]])
    expect(sweepRows(mapping, skus, t, 100, 10).map((r) => r.LocationKey).sort()).toEqual(['AUS', 'RNO', 'SAC'])
    expect(sweepRows(mapping, skus, t, 100, 20)).toEqual([])
  })
})
