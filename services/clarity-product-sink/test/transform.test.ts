import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../../infra/embedded.ts'
import { loadCatalogueMapping } from '../../../domain/catalogue-mapping.ts'
import type { Item } from '../../../domain/records.ts'
import { toProduct } from '../src/transform.ts'

const mapping = loadCatalogueMapping(join(projectRoot, 'mappings/catalogue.yaml'))
const skus = { 'PUMP200-EU': 'PUMP-200-230V' }
const item = (over: Partial<Item> = {}): Item => ({
  InvtID: 'FILTER-MESH-MD', Descr: 'Mesh filter, medium', ClassID: 'FILT', TranStatusCode: 'AC', StkUnit: 'EA', StkBasePrc: '8.4000', StdCost: '4.6200',
  Weight: '0.3500', TaxCat: 'TAXABLE', LUpd_DateTime: 0, tstamp: 1, ...over
})

describe('SL item → Clarity product', () => {
  it.each([
    ['an active item, field by field', {}, { CustomKey: 'FILTER-MESH-MD', Name: 'Mesh filter, medium', ShortDescription: 'Mesh filter, medium', PriceBase: 8.4, UnitOfMeasure: 'EA', Weight: 0.35, TaxCode: 'TAXABLE', IsDiscontinued: false, IsVisible: true }],
    ['an inactive item: discontinued and hidden', { TranStatusCode: 'IN' }, { IsDiscontinued: true, IsVisible: false }],
    ['on hold: hidden, not discontinued', { TranStatusCode: 'OH' }, { IsDiscontinued: false, IsVisible: false }],
    ['no purchase: still sold', { TranStatusCode: 'NP' }, { IsDiscontinued: false, IsVisible: true }],
    ['sold under another SKU', { InvtID: 'PUMP-200-230V' }, { CustomKey: 'PUMP200-EU' }],
    ['no weight known', { Weight: null }, { Weight: null }]
  ])('%s', (_, over, want) => {
    expect(toProduct(mapping, skus, item(over))).toMatchObject(want)
  })

  it('tax categories through the mapping\'s table', () => {
    expect(toProduct({ ...mapping, products: { ...mapping.products, taxCodes: { NONTAX: 'EXEMPT' } } }, skus, item({ TaxCat: 'NONTAX' })).TaxCode).toBe('EXEMPT')
  })

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('a tax category %j not in the table is sent as it is', (TaxCat) => {
    expect(toProduct(mapping, skus, item({ TaxCat })).TaxCode).toBe(TaxCat)
  })

  it('an item with no description has no name for the store: poison', () => {
    expect(() => toProduct(mapping, skus, item({ Descr: '  ' }))).toThrow(expect.objectContaining({ code: 'INVALID_ITEM' }))
  })
})
