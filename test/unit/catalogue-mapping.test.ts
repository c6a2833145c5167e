// The catalogue mapping's checks, one problem at a time, and what it fills in.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../infra/embedded.ts'
import { checkCatalogueMapping, loadCatalogueMapping, offeredOf, publishedSites } from '../../domain/catalogue-mapping.ts'
import { problemsWith } from './mapping-problems.ts'

const good = (): Record<string, any> => ({
  version: '1',
  inventory: { locations: { MAIN: 'AUS', EAST: 'NWK' }, closedLocations: ['RNO'], available: 'QtyAvail', safetyStock: { default: 2, EAST: 0 } },
  products: { fields: { Name: 'Descr', PriceBase: 'StkBasePrc' }, taxCodes: { NONTAX: 'EXEMPT' }, discontinued: ['IN'], hidden: ['IN', 'OH'] }
})
const problemsOf = problemsWith(checkCatalogueMapping, 'catalogue.yaml')
const changed = (change: (m: Record<string, any>) => void): Record<string, any> => {
  const m = good()
  change(m)
  return m
}

describe('checkCatalogueMapping', () => {
  it('takes a good mapping as it is', () => {
    expect(checkCatalogueMapping(good(), 'catalogue.yaml')).toEqual(good())
    expect(loadCatalogueMapping(join(projectRoot, 'mappings/catalogue.yaml')).inventory).toEqual({ locations: { MAIN: 'MAIN', EAST: 'EAST', WEST: 'WEST' }, closedLocations: [], available: 'QtyAvail', safetyStock: { default: 0 } })
  })

  it('fills what a mapping may leave out', () => {
    const m = checkCatalogueMapping(changed((m) => {
      delete m.inventory.closedLocations; delete m.inventory.safetyStock; delete m.products.taxCodes
      delete m.products.discontinued; delete m.products.hidden
    }), 'catalogue.yaml')
    expect(m.inventory).toEqual({ locations: { MAIN: 'AUS', EAST: 'NWK' }, closedLocations: [], available: 'QtyAvail', safetyStock: { default: 0 } })
    expect(m.products).toEqual({ fields: { Name: 'Descr', PriceBase: 'StkBasePrc' }, taxCodes: {}, discontinued: [], hidden: [] })
    expect(checkCatalogueMapping(changed((m) => { m.inventory.safetyStock = { EAST: 5 } }), 'catalogue.yaml').inventory.safetyStock).toEqual({ default: 0, EAST: 5 })
  })

  it('an empty file: every required entry named', () => {
    const all = ['version must be text', 'inventory.locations must list at least one SiteID: LocationKey', 'inventory.available must be QtyAvail or QtyOnHand', 'products.fields must be a table of Clarity field: SL field']
    expect(problemsOf({})).toEqual(all)
    expect(problemsOf(null)).toEqual(all)
  })

  it.each<[string, (m: Record<string, any>) => void, string[]]>([
    ['a version as a number', (m) => { m.version = 2 }, ['version must be text']],
    ['no locations', (m) => { m.inventory.locations = {} }, ['inventory.locations must list at least one SiteID: LocationKey']],
    ['locations as a list', (m) => { m.inventory.locations = ['AUS'] }, ['inventory.locations must list at least one SiteID: LocationKey']],
    ['locations of null', (m) => { m.inventory.locations = null }, ['inventory.locations must list at least one SiteID: LocationKey']],
    ['locations as text', (m) => { m.inventory.locations = 'AUS' }, ['inventory.locations must list at least one SiteID: LocationKey']],
    ['an empty location', (m) => { m.inventory.locations.EAST = '' }, ['inventory.locations.EAST must be a Clarity LocationKey']],
    ['a location as a number', (m) => { m.inventory.locations.EAST = 7 }, ['inventory.locations.EAST must be a Clarity LocationKey']],
    ['two sites into one location', (m) => { m.inventory.locations.WEST = 'AUS' }, ['inventory.locations: MAIN and WEST both feed AUS; each location takes one site']],
    ['closed locations as text', (m) => { m.inventory.closedLocations = 'RNO' }, ['inventory.closedLocations must be a list of Clarity LocationKeys']],
    ['an empty closed location', (m) => { m.inventory.closedLocations = ['RNO', ''] }, ['inventory.closedLocations must be a list of Clarity LocationKeys']],
    ['a closed location as a number', (m) => { m.inventory.closedLocations = [5] }, ['inventory.closedLocations must be a list of Clarity LocationKeys']],
    ['a closed location a site feeds', (m) => { m.inventory.closedLocations = ['RNO', 'NWK'] }, ['inventory.closedLocations: NWK is fed by a site; a location is either fed or closed']],
    ['on hand offered', (m) => { m.inventory.available = 'QtyOnHand' }, []],
    ['another quantity offered', (m) => { m.inventory.available = 'QtyOnPO' }, ['inventory.available must be QtyAvail or QtyOnHand']],
    ['safety stock as a list', (m) => { m.inventory.safetyStock = [2] }, ['inventory.safetyStock must be a table of SiteID: units']],
    ['safety stock as a number', (m) => { m.inventory.safetyStock = 2 }, ['inventory.safetyStock must be a table of SiteID: units']],
    ['a safety stock of 0', (m) => { m.inventory.safetyStock.MAIN = 0 }, []],
    ['a fractional safety stock', (m) => { m.inventory.safetyStock.MAIN = 0.5 }, []],
    ['a negative safety stock', (m) => { m.inventory.safetyStock.MAIN = -1 }, ['inventory.safetyStock.MAIN must be a number of units from 0 to 1000000000']],
    ['a safety stock as text', (m) => { m.inventory.safetyStock.MAIN = '2' }, ['inventory.safetyStock.MAIN must be a number of units from 0 to 1000000000']],
    ['an endless safety stock', (m) => { m.inventory.safetyStock.MAIN = Number.POSITIVE_INFINITY }, ['inventory.safetyStock.MAIN must be a number of units from 0 to 1000000000']],
    ['a safety stock that is not a number (YAML .nan)', (m) => { m.inventory.safetyStock.MAIN = Number.NaN }, ['inventory.safetyStock.MAIN must be a number of units from 0 to 1000000000']],
    ['a safety stock of a billion', (m) => { m.inventory.safetyStock.MAIN = 1e9 }, []],
    ['a safety stock past a billion', (m) => { m.inventory.safetyStock.MAIN = 1e9 + 1 }, ['inventory.safetyStock.MAIN must be a number of units from 0 to 1000000000']],
    ['no products', (m) => { delete m.products }, ['products.fields must be a table of Clarity field: SL field']],
    ['fields as a list', (m) => { m.products.fields = ['Descr'] }, ['products.fields must be a table of Clarity field: SL field']],
    ['every Clarity field from an SL field', (m) => {
      m.products.fields = { Name: 'Descr', ShortDescription: 'InvtID', Description: 'ClassID', PriceBase: 'StkBasePrc', PriceSale: 'StdCost', Weight: 'Weight', UnitOfMeasure: 'StkUnit', TaxCode: 'TaxCat' }
    }, []],
    ['a Clarity field that is not one', (m) => { m.products.fields.Colour = 'Descr' },
      ['products.fields.Colour: Clarity products have no field Colour; known: Name, ShortDescription, Description, PriceBase, PriceSale, Weight, UnitOfMeasure, TaxCode']],
    ['an SL field that is not one', (m) => { m.products.fields.PriceSale = 'Price' },
      ['products.fields.PriceSale: SL items have no field Price; known: InvtID, Descr, ClassID, StkUnit, StkBasePrc, StdCost, Weight, TaxCat']],
    ['no Name', (m) => { delete m.products.fields.Name }, ['products.fields.Name is required (Clarity needs a name)']],
    ['tax codes as a list', (m) => { m.products.taxCodes = ['EXEMPT'] }, ['products.taxCodes must be a table of TaxCat: TaxCode']],
    ['tax codes of null', (m) => { m.products.taxCodes = null }, ['products.taxCodes must be a table of TaxCat: TaxCode']],
    ['every status discontinued', (m) => { m.products.discontinued = ['AC', 'IN', 'NP', 'OH'] }, []],
    ['discontinued as text', (m) => { m.products.discontinued = 'IN' }, ['products.discontinued must be a list of TranStatusCode values']],
    ['hidden as text', (m) => { m.products.hidden = 'OH' }, ['products.hidden must be a list of TranStatusCode values']],
    ['a hidden status that is not one', (m) => { m.products.hidden = ['OH', 'XX'] }, ['products.hidden: XX is not a TranStatusCode (AC, IN, NP, OH)']]
  ])('%s', (_, change, problems) => {
    expect(problemsOf(changed(change))).toEqual(problems)
  })

  it('says every problem in its message, one to a line', () => {
    expect(() => checkCatalogueMapping(changed((m) => { m.version = 2; m.inventory.available = 'x' }), 'catalogue.yaml')).toThrow(
      'mapping catalogue.yaml has problems:\n  version must be text\n  inventory.available must be QtyAvail or QtyOnHand')
  })
})

describe('offeredOf and publishedSites', () => {
  const level = (SiteID: string, QtyAvail: string, QtyOnHand = '50') => ({ SiteID, QtyAvail, QtyOnHand })

  it('offers the available rule less the site\'s safety stock, never below 0, and nothing of a site not published', () => {
    const m = checkCatalogueMapping(changed((x) => { x.inventory.safetyStock = { default: 1, EAST: 5 } }), 'catalogue.yaml')
    expect(offeredOf(m, level('MAIN', '10'))).toBe(9)
    expect(offeredOf(m, level('EAST', '10'))).toBe(5)
    expect(offeredOf(m, level('EAST', '5'))).toBe(0)
    expect(offeredOf(m, level('EAST', '2'))).toBe(0)
    expect(offeredOf(m, level('NORTH', '10'))).toBeUndefined()
    const onHand = checkCatalogueMapping(changed((x) => { x.inventory.available = 'QtyOnHand' }), 'catalogue.yaml')
    expect(offeredOf(onHand, level('MAIN', '3', '12'))).toBe(10)
  })

  it('publishes the sites the locations list, which are the sites orders may ship from', () => {
    expect(publishedSites(checkCatalogueMapping(good(), 'catalogue.yaml'))).toEqual(['MAIN', 'EAST'])
    expect(publishedSites(checkCatalogueMapping(changed((x) => { x.inventory.locations = { MAIN: 'MAIN' } }), 'catalogue.yaml'))).toEqual(['MAIN'])
  })
})
