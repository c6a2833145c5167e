// The order mapping at its edges: every SL field at its char(n) length and one past it,
// names and addresses missing or padded, money at the limit of what SL keeps to the cent,
// and every poison with its reason.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../../infra/embedded.ts'
import { loadCustomerMapping } from '../../../domain/customers.ts'
import { loadOrderMapping, type OrderMapping } from '../../../domain/mapping.ts'
import { mapOrder, type MappedOrder, type OrderEvent } from '../src/transform.ts'

type Order = OrderEvent['order']
type Item = Order['SalesItems'][number]
// 58.33 EUR: one line of 2 × 19.99, shipping 9.95, tax 12.40, a 4.00 coupon; Austin, TX.
const eur = JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/orders.raw/eur-coupon.json'), 'utf8')) as OrderEvent
const shipped = (): OrderMapping => loadOrderMapping(join(projectRoot, 'mappings/orders.yaml'))
const MAX = 'its money is float: at most 90071992547409.91'

interface Case { order?: (o: Order) => void, mapping?: (m: OrderMapping) => void, event?: string }
function run (
  { order, mapping, event }: Case, customers?: Parameters<typeof mapOrder>[2]
): MappedOrder | { code: string, message: string } {
  const ev = structuredClone(eur)
  if (event !== undefined) ev.eventType = event
  order?.(ev.order)
  const m = structuredClone(shipped())
  mapping?.(m)
  try {
    return mapOrder(ev, m, customers)!
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message }
  }
}
/** An order of these lines alone, in USD: no freight, tax or discount. */
const only = (items: Array<Partial<Item>>, total: string, more: Partial<Order['Totals']> = {}) => (o: Order): void => {
  o.SellingCurrencyKey = 'USD'
  o.SalesItems = items.map((it) => ({ ...o.SalesItems[0]!, ...it }))
  o.Totals = { ...o.Totals, Shipping: '0', Handling: '0', Fees: '0', Tax: '0', Discounts: '0', Total: total, ...more }
}

describe('SL field lengths: the length itself fits, one more is refused naming the field', () => {
  const rule = (field: string) => (m: OrderMapping, v: string): void => { m.rules = [{ name: 'set', when: { lines: { atLeast: 1 } }, then: { set: { [field]: v } } }] }
  const fields: Array<[
    string, number, (o: Order, v: string) => void, ((m: OrderMapping, v: string) => void) | null,
    (m: MappedOrder) => string
  ]> = [
    ['ShipName', 60, (o, v) => { o.ShippingContact.FirstName = v; o.ShippingContact.LastName = null }, null, (m) => m.ShipName],
    ['BillName', 60, (o, v) => { o.BillingContact.FirstName = null; o.BillingContact.LastName = v }, null, (m) => m.BillName],
    ['ShipAddr1', 60, (o, v) => { o.ShippingContact.Address.Street1 = v }, null, (m) => m.ShipAddr1],
    ['BillAddr1', 60, (o, v) => { o.BillingContact.Address.Street1 = v }, null, (m) => m.BillAddr1],
    ['ShipAddr2', 60, (o, v) => { o.ShippingContact.Address.Street2 = v }, null, (m) => m.ShipAddr2],
    ['BillAddr2', 60, (o, v) => { o.BillingContact.Address.Street2 = null; o.BillingContact.Address.Street3 = v }, null, (m) => m.BillAddr2],
    ['ShipCity', 30, (o, v) => { o.ShippingContact.Address.City = v }, null, (m) => m.ShipCity],
    ['BillCity', 30, (o, v) => { o.BillingContact.Address.City = v }, null, (m) => m.BillCity],
    ['ShipState', 3, (o, v) => { o.ShippingContact.Address.RegionCode = v }, null, (m) => m.ShipState],
    ['BillState', 3, (o, v) => { o.BillingContact.Address.RegionCode = v }, null, (m) => m.BillState],
    ['ShipZip', 10, (o, v) => { o.ShippingContact.Address.PostalCode = v }, null, (m) => m.ShipZip],
    ['BillZip', 10, (o, v) => { o.BillingContact.Address.PostalCode = v }, null, (m) => m.BillZip],
    ['Lines[0].InvtID', 30, (o, v) => { o.SalesItems[0]!.Sku = v }, null, (m) => m.Lines[0]!.InvtID],
    ['Lines[0].UnitDesc', 6, (o, v) => { o.SalesItems[0]!.UnitOfMeasure = v }, null, (m) => m.Lines[0]!.UnitDesc],
    ['Lines[0].TaxCat', 10, (o, v) => { o.SalesItems[0]!.ProductTaxCode = v }, null, (m) => m.Lines[0]!.TaxCat],
    ['Lines[0].Descr', 60, (o, v) => { o.SalesItems[0]!.Name = v }, null, (m) => m.Lines[0]!.Descr],
    ['CustID', 15, (o, v) => { o.AccountKey = v }, null, (m) => m.CustID],
    ['CuryID', 4, (o, v) => { o.SellingCurrencyKey = v }, (m, v) => { m.currency.rates[v] = 1.0832 }, (m) => m.CuryID],
    ['SOTypeID', 4, () => {}, (m, v) => { m.order.type = v }, (m) => m.SOTypeID],
    ['CustOrdNbr', 25, () => {}, (m, v) => { m.order.customerOrderNumber = `${v.slice(0, -6)}{ID}` }, (m) => m.CustOrdNbr],
    ['ShipViaID', 15, () => {}, (m, v) => { m.shipping['UPS-GROUND'] = v }, (m) => m.ShipViaID],
    ['TaxID00', 10, () => {}, (m, v) => { m.tax['US-TX'] = v }, (m) => m.TaxID00],
    ['ProjectID', 16, () => {}, rule('ProjectID'), (m) => m.ProjectID],
    ['SlsperID', 10, () => {}, rule('SlsperID'), (m) => m.SlsperID],
    ['User1', 30, () => {}, rule('User1'), (m) => m.User1]
  ]
  const valueOf = (field: string, n: number): string => field === 'CustOrdNbr' ? `${'X'.repeat(n - 6)}100045` : 'ABCDEFGHIJ'.repeat(7).slice(0, n)

  it.each(fields)('%s: char(%i)', (field, len, order, mapping, read) => {
    const fits = valueOf(field, len)
    expect(read(run({ order: (o) => order(o, fits), mapping: (m) => mapping?.(m, fits) }) as MappedOrder)).toBe(fits)
    const over = valueOf(field, len + 1)
    expect(run({ order: (o) => order(o, over), mapping: (m) => mapping?.(m, over) })).toEqual({
      code: 'FIELD_TOO_LONG', message: `${field} is ${len + 1} characters; SL takes at most ${len}. Shorten it in Clarity or change the mapping`
    })
  })
})

describe('names and addresses, missing or padded', () => {
  it.each<[string, string | null, string | null, string | null, string]>([
    ['first and last name', 'Ana', 'Núñez', null, 'Ana Núñez'],
    ['a first name only', 'Ana', null, null, 'Ana'],
    ['a last name only', null, 'Núñez', null, 'Núñez'],
    ['a blank last name', 'Ana', '  ', null, 'Ana'],
    ['a blank first name', '  ', 'Núñez', null, 'Núñez'],
    ['names padded outside', ' Ana', 'Núñez ', null, 'Ana Núñez'],
    ['a name before the company', 'Ana', null, 'Acme Ltd', 'Ana'],
    ['no name: the company, trimmed', null, null, ' Acme Ltd ', 'Acme Ltd'],
    ['blank names: the company', ' ', '', 'Acme Ltd', 'Acme Ltd'],
    ['no name and no company', null, null, null, '']
  ])('ShipName of %s', (_, FirstName, LastName, Company, want) => {
    const m = run({
      order: (o) => {
        Object.assign(o.ShippingContact, { FirstName, LastName })
        o.ShippingContact.Address.Company = Company
      }
    }) as MappedOrder
    expect(m.ShipName).toBe(want)
  })

  it.each<[string, Partial<Order['ShippingContact']['Address']>, Record<string, unknown>]>([
    ['street, city, zip and region padded', { Street1: ' 500 Congress Ave ', City: ' Austin ', PostalCode: ' 78701 ', RegionCode: ' tx ' },
      { ShipAddr1: '500 Congress Ave', ShipCity: 'Austin', ShipZip: '78701', ShipState: 'TX', TaxID00: 'TXSTATE' }],
    ['a padded lower-case country, its site and tax', { CountryCode: ' gb ', RegionCode: null }, { ShipCountry: 'GBR', TaxID00: 'VATUK', Lines: [expect.objectContaining({ SiteID: 'EAST' })] }],
    ['street 2 alone, padded', { Street2: ' Suite 210 ', Street3: null }, { ShipAddr2: 'Suite 210' }],
    ['street 3 alone', { Street2: null, Street3: 'Dock 2' }, { ShipAddr2: 'Dock 2' }],
    ['a blank street 2 before street 3', { Street2: '  ', Street3: ' Dock 2 ' }, { ShipAddr2: 'Dock 2' }],
    ['street 2 before a blank street 3', { Street2: 'Suite 210', Street3: ' ' }, { ShipAddr2: 'Suite 210' }],
    ['streets 2 and 3 padded', { Street2: ' Building 4 ', Street3: ' Dock 2 ' }, { ShipAddr2: 'Building 4, Dock 2' }],
    ['no postal code and no region', { PostalCode: null, RegionCode: null }, { ShipZip: '', ShipState: '', TaxID00: '' }],
    ['an ISO subdivision code', { CountryCode: 'GB', RegionCode: 'gb-lnd' }, { ShipState: 'LND', ShipCountry: 'GBR' }]
  ])('%s', (_, address, want) => {
    expect(run({ order: (o) => { Object.assign(o.ShippingContact.Address, address) } })).toMatchObject(want)
  })

  it('a padded currency, a line without unit or tax code, a padded product name, no shipping method', () => {
    expect(run({ order: (o) => { o.SellingCurrencyKey = ' eur '; Object.assign(o.SalesItems[0]!, { UnitOfMeasure: null, ProductTaxCode: null, Name: ' Red widget, large ' }); o.ShippingMethodKey = null } })).toMatchObject({
      CuryID: 'EUR', CuryRate: '1.083200000', ShipViaID: 'UPSGROUND', Lines: [expect.objectContaining({ UnitDesc: 'EA', TaxCat: '', Descr: 'Red widget, large' })]
    })
  })
})

describe('the customer of an order', () => {
  const customers = () => loadCustomerMapping(join(projectRoot, 'mappings/customers.yaml'))
  it.each<[string, string | null, number | null, boolean, string]>([
    ['a padded account key', ' C000123 ', 812, false, 'C000123'],
    ['a blank account key and no account', '   ', null, true, 'WEBGUEST'],
    ['a blank account key of an account not linked yet', '  ', 4521, true, 'W004521'],
    ['an account not linked yet, without the customer mapping', null, 4521, false, 'WEBGUEST']
  ])('%s: %s', (_, AccountKey, AccountID, withCustomers, want) => {
    expect((run(
      { order: (o) => { Object.assign(o, { AccountKey, AccountID }) } }, withCustomers ? customers() : undefined
    ) as MappedOrder).CustID).toBe(want)
  })

  it.each(['c000123', 'C000123.', 'C 123', '-C1_'])('account key %j is not an SL customer id', (key) => {
    expect(run({ order: (o) => { o.AccountKey = key } })).toEqual({ code: 'BAD_CUSTOMER_KEY', message: `AccountKey (${key.trim().length} characters) is not an SL customer id (upper-case letters, digits and -)` })
  })
})

describe('lines', () => {
  const lines = (n: number) => only(Array.from({ length: n }, () => ({ Quantity: '1', UnitSoldPrice: '1.0000' })), `${n}.0000`)
  it('999 lines are an SL sales order; 1,000 are not', () => {
    expect((run({ order: lines(999) }) as MappedOrder).Lines).toHaveLength(999)
    expect(run({ order: lines(1000) })).toEqual({ code: 'TOO_MANY_LINES', message: 'order 100045 has 1000 lines; an SL sales order holds at most 999' })
  })
  it.each<[string, (o: Order) => void, string, string]>([
    ['no lines', (o) => { o.SalesItems = [] }, 'NO_LINES', 'order 100045 has no lines'],
    ['a zero quantity', only([{ Quantity: '0' }], '0'), 'BAD_QUANTITY', 'WIDGET-RED-L: quantity 0 must be above 0'],
    ['a negative quantity', only([{ Quantity: '-1.5000' }], '0'), 'BAD_QUANTITY', 'WIDGET-RED-L: quantity -1.5000 must be above 0']
  ])('%s is poison', (_, order, code, message) => {
    expect(run({ order })).toEqual({ code, message })
  })
})

describe('money at the edge of what SL keeps to the cent', () => {
  const TOP = '900719925474.0991' // 10^-4 units: 2^53 − 1, the largest price SL keeps exact
  it.each<[string, Case['order'], Record<string, unknown>]>([
    ['a total of exactly 2^53 − 1 cents', only([{ Quantity: '100', UnitSoldPrice: TOP }], '90071992547409.9100'),
      { CuryTotOrd: '90071992547409.91', TotOrdBase: '90071992547409.91', CuryRate: '1.000000000' }],
    ['a total of exactly −(2^53 − 1) cents', only([{ Quantity: '100', UnitSoldPrice: `-${TOP}` }], '-90071992547409.9100'),
      { CuryTotOrd: '-90071992547409.91', TotOrdBase: '-90071992547409.91' }],
    ['a quantity past 14 digits', only([{ Quantity: '10000000000', UnitSoldPrice: '0.0001' }], '1000000.0000'), { CuryTotOrd: '1000000.00' }],
    ['freight past 14 digits', only([{ Quantity: '1', UnitSoldPrice: '1' }], '12345678901235.0000', { Shipping: '12345678901234.0000' }), { CuryTotFrt: '12345678901234.00' }]
  ])('%s maps', (_, order, want) => {
    expect(run({ order })).toMatchObject(want)
  })

  it.each<[string, Case, string]>([
    ['a price past it', { order: only([{ UnitSoldPrice: '900719925474.0992' }], '0') }, 'Lines[0].CurySlsPrice 900719925474.0992'],
    ['a quantity past it', { order: only([{ Quantity: '900719925474.0992' }], '0') }, 'Lines[0].QtyOrd 900719925474.0992'],
    ['a total below it', { order: only([{ Quantity: '100', UnitSoldPrice: `-${TOP}` }], '-90071992547409.9200') }, 'Total -90071992547409.9200'],
    ['the lines together', { order: only([{ Quantity: '100', UnitSoldPrice: TOP }, { Quantity: '100', UnitSoldPrice: TOP }], '0') }, 'the lines\' total'],
    ['shipping and handling together', { order: only([{ Quantity: '1' }], '0', { Shipping: '90071992547409.9100', Handling: '0.0100' }) }, 'freight'],
    ['shipping and fees together', { order: only([{ Quantity: '1' }], '0', { Shipping: '90071992547409.9100', Fees: '0.0100' }) }, 'freight'],
    ['the lines and freight', { order: only([{ Quantity: '100', UnitSoldPrice: TOP }], '0', { Shipping: '0.0100' }) }, 'the total'],
    ['the lines and tax', { order: only([{ Quantity: '100', UnitSoldPrice: TOP }], '0', { Tax: '0.0100' }) }, 'the total'],
    ['the lines less discounts', { order: only([{ Quantity: '100', UnitSoldPrice: `-${TOP}` }], '0', { Discounts: '0.0100' }) }, 'the total'],
    ['the total in the base currency', { order: (o) => { only([{ Quantity: '100', UnitSoldPrice: '900000000000.0000' }], '90000000000000.0000')(o); o.SellingCurrencyKey = 'EUR' } }, '90000000000000.0000 EUR in USD'],
    ['a rate past it', { order: (o) => { o.SellingCurrencyKey = 'BTC' }, mapping: (m) => { m.currency.rates.BTC = 10000000 } }, 'the rate of BTC 10000000.000000000']
  ])('%s is poison', (_, c, what) => {
    expect(run(c)).toEqual({ code: 'AMOUNT_TOO_LARGE', message: `${what} is beyond what SL keeps exact to the cent (${MAX})` })
  })

  it('a rate past 14 digits at nine decimals converts exactly', () => {
    const m = run({ order: (o) => { only([{ Quantity: '1', UnitSoldPrice: '1' }], '1.0000')(o); o.SellingCurrencyKey = 'XBT' }, mapping: (m) => { m.currency.rates.XBT = 100000 } })
    expect(m).toMatchObject({ CuryID: 'XBT', CuryRate: '100000.000000000', CuryTotOrd: '1.00', TotOrdBase: '100000.00' })
  })

  it.each(['Shipping', 'Handling', 'Fees', 'Tax', 'Discounts', 'Total'] as const)('%s with a fraction of a cent is poison', (field) => {
    for (const amount of ['0.0050', '12345678901234.5650']) {
      expect(run({ order: (o) => { o.Totals[field] = amount } })).toEqual({ code: 'AMOUNT_NOT_IN_CENTS', message: `${field} ${amount} has a fraction of a cent; SL keeps money to the cent` })
    }
  })

  it.each<[string, Case, string, string]>([
    ['a currency without a rate', { order: (o) => { o.SellingCurrencyKey = 'jpy' } }, 'NO_CURRENCY_RATE', 'the mapping has no rate for JPY into USD'],
    ['totals a cent short', { order: (o) => { o.Totals.Total = '58.3200' } }, 'TOTALS_DO_NOT_RECONCILE',
      'order 100045: lines 39.98 + freight 9.95 + tax 12.4000 − discounts 4.0000 = 58.33, but Clarity\'s total is 58.3200 (difference -0.01 EUR)'],
    ['a shipping country that is not one', { order: (o) => { o.ShippingContact.Address.CountryCode = 'XX' } }, 'UNKNOWN_COUNTRY', 'ShippingContact.Address.CountryCode "XX" is not an ISO 3166 country'],
    ['a billing country that is not one', { order: (o) => { o.BillingContact.Address.CountryCode = ' zz' } }, 'UNKNOWN_COUNTRY', 'BillingContact.Address.CountryCode " zz" is not an ISO 3166 country'],
    ['a region written out instead of its code', { order: (o) => { o.ShippingContact.Address.RegionCode = 'Baden-Württemberg' } }, 'FIELD_TOO_LONG',
      'ShipState is 17 characters; SL takes at most 3. Shorten it in Clarity or change the mapping'],
    ['a shipping country written out', { order: (o) => { o.ShippingContact.Address.CountryCode = 'Deutschland' } }, 'UNKNOWN_COUNTRY', 'ShippingContact.Address.CountryCode (11 characters) is not an ISO 3166 country']
  ])('%s is poison with its reason', (_, c, code, message) => {
    expect(run(c)).toEqual({ code, message })
  })
})

describe('keys from the order that every object has', () => {
  // A shopper (or a client of Clarity's API) chooses these; none may find what objects inherit.
  const inherited = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']
  it.each(inherited)('shipping method %j: the default ShipViaID', (key) => {
    expect((run({ order: (o) => { o.ShippingMethodKey = key } }) as MappedOrder).ShipViaID).toBe('UPSGROUND')
  })
  it.each(inherited)('SKU %j: InvtID the SKU itself', (key) => {
    expect((run({ order: (o) => { o.SalesItems[0]!.Sku = key } }) as MappedOrder).Lines[0]!.InvtID).toBe(key)
  })
  it.each(inherited)('currency %j: no rate', (key) => {
    expect(run({ order: (o) => { o.SellingCurrencyKey = key } })).toMatchObject({ code: 'NO_CURRENCY_RATE' })
  })
  it.each(inherited)('country and region %j: not a country', (key) => {
    expect(run({ order: (o) => { o.ShippingContact.Address.CountryCode = key } })).toMatchObject({ code: 'UNKNOWN_COUNTRY' })
  })
  it('a mapping whose tables hold such a key finds it', () => {
    const m = { mapping: (x: OrderMapping) => { Object.assign(x.shipping, { constructor: 'CTOR' }); Object.assign(x.skus, { toString: 'TOSTR' }) } }
    const out = run({ ...m, order: (o) => { o.ShippingMethodKey = 'constructor'; o.SalesItems[0]!.Sku = 'toString' } }) as MappedOrder
    expect([out.ShipViaID, out.Lines[0]!.InvtID]).toEqual(['CTOR', 'TOSTR'])
  })
})
