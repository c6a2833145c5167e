// Stock at its edges: a level of exactly zero, the reason a negative one gives, and a bug
// in a chunk that is not mistaken for a bad record.
import { describe, expect, it } from 'vitest'
import type { CatalogueMapping } from '../../../domain/catalogue-mapping.ts'
import type { ItemSiteLevel } from '../../../domain/records.ts'
import { planChunk, stockRow } from '../src/transform.ts'

const mapping: CatalogueMapping = {
  version: '1',
  inventory: { locations: { MAIN: 'AUS' }, closedLocations: [], available: 'QtyAvail', safetyStock: { default: 0 } },
  products: { fields: { Name: 'Descr' }, taxCodes: {}, discontinued: [], hidden: [] }
}
const level = (over: Partial<ItemSiteLevel>): ItemSiteLevel => ({
  InvtID: 'PUMP-100-110V', SiteID: 'MAIN', QtyOnHand: '12.0000', QtyAvail: '9.0000', QtyAlloc: '3.0000', QtyShipNotInv: '0.0000', QtyOnPO: '0.0000', LUpd_DateTime: 0, tstamp: 1, ...over
})
const reasonOf = (m: CatalogueMapping, l: ItemSiteLevel): string => { try { stockRow(m, {}, l); return 'none' } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}` } }

describe('stock levels at the edges', () => {
  it('nothing on hand and nothing available is pushed as 0, not refused', () => {
    expect(stockRow(mapping, {}, level({ QtyOnHand: '0.0000', QtyAvail: '0.0000', QtyAlloc: '0.0000' }))).toEqual({ ProductKey: 'PUMP-100-110V', LocationKey: 'AUS', Quantity: 0, QuantityAllocated: 0 })
    expect(stockRow({ ...mapping, inventory: { ...mapping.inventory, available: 'QtyOnHand' } }, {}, level({ QtyOnHand: '0', QtyAvail: '5' }))?.Quantity).toBe(0)
  })

  it('more allocated than SL can say is floored at 0', () => {
    expect(stockRow(mapping, {}, level({ QtyAlloc: '-1.0000' }))?.QuantityAllocated).toBe(0)
  })

  it.each<[string, Partial<ItemSiteLevel>, string]>([
    ['below zero available', { QtyAvail: '-1.0000' }, 'NEGATIVE_LEVEL: PUMP-100-110V at MAIN: QtyOnHand 12.0000, QtyAvail -1; a level below zero is not pushed'],
    ['below zero on hand', { QtyOnHand: '-0.5000' }, 'NEGATIVE_LEVEL: PUMP-100-110V at MAIN: QtyOnHand -0.5000, QtyAvail 9; a level below zero is not pushed']
  ])('%s is poison with its reason', (_, over, why) => {
    expect(reasonOf(mapping, level(over))).toBe(why)
  })

  it('a chunk with a mapping that cannot be applied stops as a bug instead of dead-lettering its records', () => {
    const broken = {
      ...mapping, inventory: { ...mapping.inventory, safetyStock: undefined }
    } as unknown as CatalogueMapping
    expect(() => planChunk(broken, {}, [{ ref: 1, key: 'PUMP-100-110V|MAIN', level: level({}) }])).toThrow(TypeError)
  })
})
