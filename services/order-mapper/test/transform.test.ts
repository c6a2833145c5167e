// The order mapping, table-driven over realistic orders.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../../infra/embedded.ts'
import { checkMapping, clarityIdOf, loadOrderMapping, MappingError, skuOf } from '../../../domain/mapping.ts'
import { loadCustomerMapping } from '../../../domain/customers.ts'
import { mapOrder, UNREAD, type OrderEvent } from '../src/transform.ts'
import { formatUnscaled, parseSchema, withoutFields } from '../../../lib/avro.ts'
import { readSchema } from '../../../lib/serdes.ts'
import { topics } from '../../../topology/topology.ts'

const mapping = loadOrderMapping(join(projectRoot, 'mappings/orders.yaml'))
const fixture = (name: string): OrderEvent => JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/orders.raw', `${name}.json`), 'utf8')) as OrderEvent
const eur = fixture('eur-coupon')
const guest = fixture('guest-polled')
type Order = OrderEvent['order']
const withOrder = (base: OrderEvent, change: (o: Order) => void): OrderEvent => {
  const copy = structuredClone(base)
  change(copy.order)
  return copy
}
const poisonOf = (ev: OrderEvent): { code: string, message: string } => {
  try { mapOrder(ev, mapping); return { code: 'none', message: '' } } catch (e) { return e as { code: string, message: string } }
}

describe('order mapping', () => {
  it('maps a EUR order of a known account with a coupon, field by field', () => {
    expect(mapOrder(eur, mapping)).toEqual({
      clarityOrderId: 100045, clarityEventId: eur.eventId, cancelled: false, mappingVersion: mapping.version,
      flags: [], holdReason: null,
      SOTypeID: 'SO', CustID: 'C000123', CustOrdNbr: '100045', OrdDate: eur.order.CreatedDate,
      CuryID: 'EUR', CuryRate: '1.083200000', CuryMultDiv: 'M', ShipViaID: 'UPSGROUND',
      ShipName: 'Ana Núñez', ShipAddr1: '500 Congress Ave', ShipAddr2: '', ShipCity: 'Austin', ShipState: 'TX', ShipZip: '78701', ShipCountry: 'USA',
      BillName: 'Ana Núñez', BillAddr1: '500 Congress Ave', BillAddr2: 'Suite 210', BillCity: 'Austin', BillState: 'TX', BillZip: '78701', BillCountry: 'USA',
      CuryTotFrt: '9.95', CuryTotTax: '12.40', TaxID00: 'TXSTATE', CuryWholeOrdDisc: '4.00', CuryTotOrd: '58.33', TotOrdBase: '63.18', BaseCuryID: 'USD',
      ProjectID: '', SlsperID: '', User1: '',
      Lines: [{ InvtID: 'WIDGET-RED-L', SiteID: 'MAIN', QtyOrd: '2', CurySlsPrice: '19.9900', DiscPct: '0', UnitDesc: 'EA', TaxCat: 'TAXABLE', Descr: 'Red widget, large' }]
    })
  })

  it('an order of an account not yet linked to SL gets the CustId the customer sync will give it', () => {
    const customers = loadCustomerMapping(join(projectRoot, 'mappings/customers.yaml'))
    const unlinked = withOrder(eur, (o) => { o.AccountID = 4521; o.AccountKey = null })
    expect(mapOrder(unlinked, mapping, customers)!.CustID).toBe('W004521')
    expect(mapOrder(withOrder(eur, (o) => { o.AccountID = null; o.AccountKey = null }), mapping, customers)!.CustID).toBe('WEBGUEST')
    expect(mapOrder(eur, mapping, customers)!.CustID).toBe('C000123')
  })

  it('maps a guest order abroad: guest customer, alpha-3 country, rules flag it high-value and export', () => {
    const m = mapOrder(guest, mapping)!
    expect(m).toMatchObject({ CustID: 'WEBGUEST', ShipCountry: 'NOR', ShipState: '', TaxID00: '', flags: ['high-value', 'export'], User1: 'high-value', TotOrdBase: '1200.00' })
    expect(m.ShipName).toBe('Björn Ødegård')
  })

  it.each([
    ['a SKU the store renames', (o: Order) => { o.SalesItems[0]!.Sku = 'VALVE-BRASS-1/2IN' }, { Lines: [expect.objectContaining({ InvtID: 'VALVE-BRASS-050' })] }],
    ['a GBP order to Britain', (o: Order) => { o.SellingCurrencyKey = 'GBP'; o.ShippingContact.Address = { ...o.ShippingContact.Address, CountryCode: 'GB', RegionCode: null, City: 'London', PostalCode: 'SW1A 2AA' } },
      { CuryID: 'GBP', CuryRate: '1.271000000', TotOrdBase: '74.14', TaxID00: 'VATUK', ShipCountry: 'GBR', Lines: [expect.objectContaining({ SiteID: 'EAST' })], flags: ['export'] }],
    ['a region with its country prefix', (o: Order) => { o.ShippingContact.Address.RegionCode = 'US-CA' }, { ShipState: 'CA', TaxID00: 'CASTATE' }],
    ['three street lines', (o: Order) => { o.ShippingContact.Address = { ...o.ShippingContact.Address, Street2: 'Building 4', Street3: 'Dock 2' } }, { ShipAddr2: 'Building 4, Dock 2' }],
    ['a company without a contact name', (o: Order) => { o.ShippingContact.FirstName = null; o.ShippingContact.LastName = ' '; o.ShippingContact.Address.Company = 'Acme Ltd' }, { ShipName: 'Acme Ltd' }],
    ['an unknown shipping method', (o: Order) => { o.ShippingMethodKey = 'DRONE' }, { ShipViaID: 'UPSGROUND' }],
    ['handling and fees', (o: Order) => { o.Totals.Handling = '2.0000'; o.Totals.Fees = '1.0500'; o.Totals.Total = '61.3800' }, { CuryTotFrt: '13.00', CuryTotOrd: '61.38' }],
    ['a cancelled order', (o: Order) => { o.StatusKey = 'Void' }, { cancelled: true }],
    ['a very large order', (o: Order) => { o.SellingCurrencyKey = 'USD'; o.SalesItems[0]!.Quantity = '2000'; o.Totals.SubTotal = '39980.0000'; o.Totals.Total = '39998.3500' },
      { holdReason: 'Order over 25,000 USD: check with the customer before releasing', flags: ['high-value'] }]
  ])('maps %s', (_n, change, expected) => {
    expect(mapOrder(withOrder(eur, change), mapping)).toMatchObject(expected)
  })

  it('maps 150 lines, and totals still reconcile', () => {
    const ev = withOrder(eur, (o) => {
      o.SalesItems = Array.from({ length: 150 }, (_, i) => ({ ...o.SalesItems[0]!, Sku: `CLAMP-SS-${String(i % 6 * 4 + 8).padStart(2, '0')}`, Quantity: '3', UnitSoldPrice: '0.8900' }))
      o.Totals = { ...o.Totals, SubTotal: '400.5000', Discounts: '0', Tax: '0', Shipping: '0', Total: '400.5000' }
    })
    const m = mapOrder(ev, mapping)!
    expect(m.Lines).toHaveLength(150)
    expect(m.CuryTotOrd).toBe('400.50')
  })

  it.each([
    ['an address line over char(60)', (o: Order) => { o.ShippingContact.Address.Street1 = 'Unit 14, The Old Granary Business Park, Long Sutton Road, Holbeach' }, 'FIELD_TOO_LONG', /^ShipAddr1 is 66 characters; SL takes at most 60\./],
    ['a city over char(30)', (o: Order) => { o.BillingContact.Address.City = 'Llanfairpwllgwyngyllgogerychwyrndrobwll' }, 'FIELD_TOO_LONG', /BillCity/],
    ['a product name over char(60)', (o: Order) => { o.SalesItems[0]!.Name = 'Red widget, large, with extra long description that does not fit' }, 'FIELD_TOO_LONG', /Lines\[0\]\.Descr/],
    ['totals a cent off', (o: Order) => { o.Totals.Total = '58.3400' }, 'TOTALS_DO_NOT_RECONCILE', /difference 0.01 EUR/],
    ['an unknown country', (o: Order) => { o.ShippingContact.Address.CountryCode = 'XX' }, 'UNKNOWN_COUNTRY', /"XX"/],
    ['a currency without a rate', (o: Order) => { o.SellingCurrencyKey = 'JPY' }, 'NO_CURRENCY_RATE', /JPY/],
    ['an account key SL cannot use', (o: Order) => { o.AccountKey = 'ana@example' }, 'BAD_CUSTOMER_KEY', /^AccountKey \(11 characters\)/],
    ['no lines', (o: Order) => { o.SalesItems = [] }, 'NO_LINES', /no lines/],
    ['1,000 lines', (o: Order) => { o.SalesItems = Array.from({ length: 1000 }, () => o.SalesItems[0]!) }, 'TOO_MANY_LINES', /at most 999/],
    ['a zero quantity', (o: Order) => { o.SalesItems[0]!.Quantity = '0'; o.Totals.Total = '18.3500' }, 'BAD_QUANTITY', /above 0/],
    ['a tax with a fraction of a cent', (o: Order) => { o.Totals.Tax = '12.4050'; o.Totals.Total = '58.3350' }, 'AMOUNT_NOT_IN_CENTS', /Tax 12.4050 has a fraction of a cent/],
    ['a total past what SL keeps to the cent', (o: Order) => { o.Totals.Total = '90071992547409.9200' }, 'AMOUNT_TOO_LARGE', /Total 90071992547409.9200 .* at most 90071992547409.91/],
    ['a line past what SL keeps to the cent', (o: Order) => { o.SalesItems[0]!.Quantity = '1000000000'; o.SalesItems[0]!.UnitSoldPrice = '90071992.5475' }, 'AMOUNT_TOO_LARGE', /Lines\[0\] 1000000000 × 90071992.5475/]
  ])('refuses %s as poison with a reason', (_n, change, code, message) => {
    const err = poisonOf(withOrder(eur, change))
    expect(err.code).toBe(code)
    expect(err.message).toMatch(message)
  })

  it('reconciles and converts to the cent, half away from zero, small amounts and amounts past 2^53 before rounding alike', () => {
    // The reference in BigInt: qty × price at scale 8 to the cent; the total × rate at scale 11 to the cent.
    const round = (x: bigint, k: bigint): bigint => (x + (x < 0n ? -(10n ** k) / 2n : (10n ** k) / 2n)) / 10n ** k
    const dec4 = (n: bigint): string => formatUnscaled(n, 4)
    let seed = 7
    const random = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
    const upTo = (digits: number): bigint => BigInt(Math.floor(random() * 10 ** Math.ceil(random() * digits)))
    // Exactly half a cent each way, below and past 2^53 (0.5 × 0.01; 0.5 × 2,000,000,000.01), then random.
    const halves = [[5000n, 100n], [5000n, -100n], [5000n, 20000000000100n], [5000n, -20000000000100n]]
      .map(([qty, price]) => [{ qty: qty!, price: price! }])
    for (let n = 0; n < 400; n++) {
      const items = halves[n] ?? Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
        qty: upTo(8) + 1n, price: (random() < 0.1 ? -1n : 1n) * upTo(11)
      }))
      const lines = items.reduce((t, it) => t + round(it.qty * it.price, 6n), 0n)
      const total = lines + 995n // freight 9.95
      const ev = withOrder(eur, (o) => {
        o.SalesItems = items.map((it) => ({
          ...o.SalesItems[0]!, Quantity: dec4(it.qty), UnitSoldPrice: dec4(it.price)
        }))
        o.Totals = { ...o.Totals, Shipping: '9.9500', Tax: '0', Discounts: '0', Total: dec4(total * 100n) }
      })
      let m
      try { m = mapOrder(ev, mapping)! } catch (e) { throw new Error(`${JSON.stringify(items, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v)}: ${(e as Error).message}`) }
      expect(m.CuryTotOrd).toBe(formatUnscaled(total, 2))
      expect(m.TotOrdBase).toBe(formatUnscaled(round(total * 1083200000n, 9n), 2))
    }
  })

  it('leaves orders past Pending to SL', () => {
    for (const status of ['Confirmed', 'On Hold', 'Processing', 'Shipped', 'Completed']) {
      expect(mapOrder(withOrder(eur, (o) => { o.StatusKey = status }), mapping)).toBeUndefined()
    }
  })
})

describe('reading orders.raw without the fields the mapping never reads (UNREAD)', () => {
  const schema = readSchema(topics.ordersRaw)
  const whole = parseSchema(schema)
  const view = parseSchema(withoutFields(schema, UNREAD))
  const resolver = view.createResolver(whole)
  const outcome = (ev: OrderEvent): unknown => {
    try {
      return mapOrder(ev, mapping)
    } catch (e) {
      return { code: (e as { code: string }).code, message: (e as Error).message }
    }
  }
  const variants: Array<[string, (o: Order) => void]> = [
    ['as it is', () => {}],
    ['renamed SKU, region prefix, three street lines, fees', (o) => { o.SalesItems[0]!.Sku = 'VALVE-BRASS-1/2IN'; o.ShippingContact.Address = { ...o.ShippingContact.Address, RegionCode: 'US-CA', Street2: 'Building 4', Street3: 'Dock 2' }; o.Totals.Handling = '2.0000'; o.Totals.Fees = '1.0500'; o.Totals.Total = '61.3800' }],
    ['GBP, no contact name, unknown shipping method', (o) => { o.SellingCurrencyKey = 'GBP'; o.ShippingContact.FirstName = null; o.ShippingContact.Address.Company = 'Acme Ltd'; o.ShippingMethodKey = 'DRONE' }],
    ['cancelled', (o) => { o.StatusKey = 'Void' }],
    ['past Pending', (o) => { o.StatusKey = 'Shipped' }],
    ['150 lines', (o) => { o.SalesItems = Array.from({ length: 150 }, (_, i) => ({ ...o.SalesItems[0]!, Sku: `CLAMP-SS-${i % 9}` })) }],
    ['totals a cent off', (o) => { o.Totals.Total = '58.3400' }],
    ['an account key SL cannot use', (o) => { o.AccountKey = 'ana@example' }]
  ]
  it.each(variants)('maps the same, %s', (_n, change) => {
    for (const base of [eur, guest]) {
      const bytes = whole.toBuffer(withOrder(base, change))
      const narrow = view.fromBuffer(bytes, resolver) as OrderEvent
      expect((narrow.order as { Payments?: unknown }).Payments).toBeUndefined()
      expect(outcome(narrow)).toEqual(outcome(whole.fromBuffer(bytes) as OrderEvent))
    }
  })
  it('names only fields orders.raw has', () => {
    // Leaving out a field that exists changes the schema; a misspelt one would not.
    for (const [record, fields] of Object.entries(UNREAD)) {
      for (const f of fields) expect(JSON.stringify(withoutFields(schema, { [record]: [f] })), `${record}.${f}`).not.toBe(JSON.stringify(schema))
    }
  })
})

describe('mapping file', () => {
  it('reads the order id back from CustOrdNbr and SKUs back from InvtIDs', () => {
    expect(clarityIdOf(mapping, '100045')).toBe(100045)
    expect(clarityIdOf(checkMapping({ ...structuredClone(mapping), order: { ...mapping.order, customerOrderNumber: 'CL-{ID}' } }, 'x'), 'CL-100045')).toBe(100045)
    expect(clarityIdOf(mapping, 'nonsense')).toBeUndefined()
    expect(skuOf(mapping, 'VALVE-BRASS-050')).toBe('VALVE-BRASS-1/2IN')
    expect(skuOf(mapping, 'WIDGET-RED-L')).toBe('WIDGET-RED-L')
  })
  it('lists every problem of a broken mapping at once', () => {
    const broken = {
      ...structuredClone(mapping), order: { ...mapping.order, customerOrderNumber: 'CL-' }, currency: { base: 'USD', rates: { EUR: -1 } },
      rules: [{ name: 'x', when: { weather: { over: 1 } }, then: {} }, { name: 'y', when: { total: { near: 1 } }, then: { set: { CustID: 'X' } } }]
    }
    try {
      checkMapping(broken, 'orders.yaml')
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(MappingError)
      expect((err as MappingError).problems).toEqual([
        'order.customerOrderNumber must contain {ID}, so each Clarity order has its own number',
        'currency.rates.EUR must be a number from 0.000001 to 1000000',
        'rules[0] (x): unknown fact "weather"; known: baseTotal, total, currency, shipCountry, shipState, customer, lines, guest',
        'rules[0] (x): "then" needs flag, set or hold',
        'rules[1] (y): unknown comparison "near"; known: over, under, atLeast, equals, in, notIn',
        'rules[1] (y): can set User1, SlsperID, ProjectID, not CustID'
      ])
    }
  })
})
