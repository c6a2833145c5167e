import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../../infra/embedded.ts'
import { checkCatalogueMapping, loadCatalogueMapping } from '../../../domain/catalogue-mapping.ts'
import { MappingError } from '../../../domain/mapping.ts'
import type { ItemSiteLevel } from '../../../domain/records.ts'
import { closedRows, planChunk, stockRow } from '../src/transform.ts'

const shipped = loadCatalogueMapping(join(projectRoot, 'mappings/catalogue.yaml'))
const mapping = { ...shipped, inventory: { locations: { MAIN: 'AUS', EAST: 'NWK' }, closedLocations: ['RNO'], available: 'QtyAvail' as const, safetyStock: { default: 2, EAST: 10 } } }
const skus = { 'VALVE-BRASS-1/2IN': 'VALVE-BRASS-050' }
const level = (over: Partial<ItemSiteLevel>): ItemSiteLevel => ({
  InvtID: 'PUMP-100-110V', SiteID: 'MAIN', QtyOnHand: '12.0000', QtyAvail: '9.0000', QtyAlloc: '3.0000', QtyShipNotInv: '0.0000', QtyOnPO: '0.0000', LUpd_DateTime: 0, tstamp: 1, ...over
})

describe('available to sell', () => {
  it.each([
    ['available minus the default safety stock', {}, { ProductKey: 'PUMP-100-110V', LocationKey: 'AUS', Quantity: 7, QuantityAllocated: 3 }],
    ['a site\'s own safety stock, floored at 0', { SiteID: 'EAST' }, { ProductKey: 'PUMP-100-110V', LocationKey: 'NWK', Quantity: 0, QuantityAllocated: 3 }],
    ['a fractional level', { QtyAvail: '2.5000' }, { ProductKey: 'PUMP-100-110V', LocationKey: 'AUS', Quantity: 0.5, QuantityAllocated: 3 }],
    ['the store\'s SKU for an item sold under another', { InvtID: 'VALVE-BRASS-050' }, { ProductKey: 'VALVE-BRASS-1/2IN', LocationKey: 'AUS', Quantity: 7, QuantityAllocated: 3 }]
  ])('%s', (_, over, want) => {
    expect(stockRow(mapping, skus, level(over))).toEqual(want)
  })

  it('a site with no location is not published', () => {
    expect(stockRow(mapping, skus, level({ SiteID: 'WEST' }))).toBeUndefined()
  })

  // SL's SiteIDs are keys from records: none may find what every object inherits.
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('a site %j with no location is not published', (SiteID) => {
    expect(stockRow(mapping, skus, level({ SiteID }))).toBeUndefined()
  })

  it('a site named like an inherited property, published, takes the default safety stock', () => {
    const m = { ...mapping, inventory: { ...mapping.inventory, locations: { toString: 'TS' } } }
    expect(stockRow(m, skus, level({ SiteID: 'toString' }))).toEqual({ ProductKey: 'PUMP-100-110V', LocationKey: 'TS', Quantity: 7, QuantityAllocated: 3 })
  })

  it('closed locations are kept at zero for every product that comes by', () => {
    expect(closedRows(mapping, 'PUMP-100-110V')).toEqual([{ ProductKey: 'PUMP-100-110V', LocationKey: 'RNO', Quantity: 0, QuantityAllocated: 0 }])
  })

  it('on hand instead of available, when the mapping says so', () => {
    expect(stockRow({ ...mapping, inventory: { ...mapping.inventory, available: 'QtyOnHand' } }, skus, level({}))?.Quantity).toBe(10)
  })

  it.each([['QtyAvail', { QtyAvail: '-1.0000' }], ['QtyOnHand', { QtyOnHand: '-0.5000', QtyAvail: '0.0000' }]])('a negative %s is poison, never pushed', (_, over) => {
    expect(() => stockRow(mapping, skus, level(over))).toThrow(expect.objectContaining({ code: 'NEGATIVE_LEVEL' }))
  })
})

describe('a chunk of changes', () => {
  const entry = (ref: number, over: Partial<ItemSiteLevel> | null) => {
    const l = over === null ? null : level(over)
    return { ref, key: over === null ? 'PUMP-100-110V|MAIN' : `${l!.InvtID}|${l!.SiteID}`, level: l }
  }
  const noClosed = { ...mapping, inventory: { ...mapping.inventory, closedLocations: [] } }
  const summary = (p: ReturnType<typeof planChunk<number>>) => ({ ...p, push: p.push.map((x) => `${x.ref}:${x.row.ProductKey}@${x.row.LocationKey}=${x.row.Quantity}`), rejected: p.rejected.map((x) => `${x.ref}:${x.error.code}`) })

  it('keeps the latest level of each item site, in first-seen order', () => {
    expect(summary(planChunk(noClosed, skus, [entry(1, { QtyAvail: '5' }), entry(2, { SiteID: 'EAST', QtyAvail: '20' }), entry(3, { QtyAvail: '9' })]))).toEqual({
      push: ['2:PUMP-100-110V@NWK=10', '3:PUMP-100-110V@AUS=7'], rejected: [], coalesced: 1, unpublished: 0, reasserted: 0
    })
  })

  it('a later negative level supersedes the earlier one and is rejected: nothing stale is pushed for it', () => {
    expect(summary(planChunk(noClosed, skus, [entry(1, { QtyAvail: '9' }), entry(2, { QtyAvail: '-1' })]))).toMatchObject({ push: [], rejected: ['2:NEGATIVE_LEVEL'] })
  })

  it('a tombstone drops what came before it; an unpublished site is counted, not pushed', () => {
    expect(summary(planChunk(noClosed, skus, [entry(1, {}), entry(2, null), entry(3, { SiteID: 'WEST' })]))).toMatchObject({ push: [], coalesced: 1, unpublished: 1 })
  })

  it('closed locations ride along once per product, even when a site is spelled like a location', () => {
    const m = { ...mapping, inventory: { ...mapping.inventory, locations: { MAIN: 'MAIN' }, closedLocations: ['EAST', 'WEST'] } }
    const p = planChunk(m, skus, [entry(1, {}), entry(2, { SiteID: 'EAST' }), entry(3, { SiteID: 'WEST' })])
    expect(summary(p).push).toEqual(['1:PUMP-100-110V@MAIN=7', '1:PUMP-100-110V@EAST=0', '1:PUMP-100-110V@WEST=0'])
    expect(p.unpublished).toBe(2)
  })
})

describe('catalogue mapping file', () => {
  it('the shipped file publishes every sandbox site one to one', () => {
    expect(shipped.inventory.locations).toEqual({ MAIN: 'MAIN', EAST: 'EAST', WEST: 'WEST' })
  })

  it('lists every problem at once', () => {
    const bad = { version: 1, inventory: { locations: { MAIN: 'A', EAST: 'A' }, closedLocations: ['A'], available: 'QtyFree', safetyStock: { MAIN: -1 } }, products: { fields: { Colour: 'Descr', PriceBase: 'Price' }, discontinued: ['XX'] } }
    try {
      checkCatalogueMapping(bad, 'bad.yaml')
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(MappingError)
      expect((e as MappingError).problems).toEqual([
        'version must be text',
        'inventory.locations: MAIN and EAST both feed A; each location takes one site',
        'inventory.closedLocations: A is fed by a site; a location is either fed or closed',
        'inventory.available must be QtyAvail or QtyOnHand',
        'inventory.safetyStock.MAIN must be a number of units from 0 to 1000000000',
        'products.fields.Colour: Clarity products have no field Colour; known: Name, ShortDescription, Description, PriceBase, PriceSale, Weight, UnitOfMeasure, TaxCode',
        'products.fields.PriceBase: SL items have no field Price; known: InvtID, Descr, ClassID, StkUnit, StkBasePrc, StdCost, Weight, TaxCat',
        'products.fields.Name is required (Clarity needs a name)',
        'products.discontinued: XX is not a TranStatusCode (AC, IN, NP, OH)'
      ])
    }
  })
})
