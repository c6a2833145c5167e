// Product fields at their edges: which go through the tax table, empty SL fields, the name's length.
import { describe, expect, it } from 'vitest'
import type { CatalogueMapping } from '../../../domain/catalogue-mapping.ts'
import type { Item } from '../../../domain/records.ts'
import { toProduct } from '../src/transform.ts'

const mapping = (fields: CatalogueMapping['products']['fields'], taxCodes: Record<string, string> = {}): CatalogueMapping => ({
  version: '1',
  inventory: { locations: { MAIN: 'MAIN' }, closedLocations: [], available: 'QtyAvail', safetyStock: { default: 0 } },
  products: { fields, taxCodes, discontinued: ['IN'], hidden: ['IN', 'OH'] }
})
const item = (over: Partial<Item> = {}): Item => ({
  InvtID: 'FILTER-MESH-MD', Descr: 'Mesh filter, medium', ClassID: 'FILT', TranStatusCode: 'AC', StkUnit: 'EA', StkBasePrc: '8.4000', StdCost: '4.6200',
  Weight: null, TaxCat: 'NONTAX', LUpd_DateTime: 0, tstamp: 1, ...over
})
const reasonOf = (m: CatalogueMapping, i: Item): string => { try { toProduct(m, {}, i); return 'none' } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}` } }

describe('SL item → Clarity product, at the edges', () => {
  it('prices as numbers, only TaxCode through the tax table, an empty SL field as null', () => {
    expect(toProduct(mapping({ Name: 'Descr', ShortDescription: 'TaxCat', PriceBase: 'StkBasePrc', PriceSale: 'StdCost', Description: 'Weight', TaxCode: 'TaxCat' }, { NONTAX: 'EXEMPT' }), {}, item())).toEqual({
      CustomKey: 'FILTER-MESH-MD', Name: 'Mesh filter, medium', ShortDescription: 'NONTAX', PriceBase: 8.4, PriceSale: 4.62, Description: null, TaxCode: 'EXEMPT', IsDiscontinued: false, IsVisible: true
    })
  })

  it.each<[string, number, string]>([['at 512 characters', 512, 'none'], ['at 513 characters', 513, 'INVALID_ITEM: item FILTER-MESH-MD: Name is 513 characters; Clarity takes 512']])('a name %s', (_, n, why) => {
    expect(reasonOf(mapping({ Name: 'Descr', PriceBase: 'StkBasePrc' }), item({ Descr: 'x'.repeat(n) }))).toBe(why)
  })

  it.each<[string, CatalogueMapping['products']['fields'], Partial<Item>, string]>([
    ['a blank name', { Name: 'Descr', PriceBase: 'StkBasePrc' }, { Descr: '  ' }, 'INVALID_ITEM: item FILTER-MESH-MD: no name for Clarity (products.fields.Name is empty)'],
    ['a name from an empty SL field', { Name: 'Weight', PriceBase: 'StkBasePrc' }, {}, 'INVALID_ITEM: item FILTER-MESH-MD: no name for Clarity (products.fields.Name is empty)'],
    ['a price from an empty SL field', { Name: 'Descr', PriceBase: 'Weight' }, {}, 'INVALID_ITEM: item FILTER-MESH-MD: Clarity needs a PriceBase']
  ])('%s is poison', (_, fields, over, why) => {
    expect(reasonOf(mapping(fields), item(over))).toBe(why)
  })
})
