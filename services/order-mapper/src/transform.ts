// Pure: a Clarity order event (orders.raw) → the SL sales order to send (orders.mapped),
// by the mapping file. Anything SL would refuse for this order's own data is poison
// with a reason a person can act on; nothing is silently cut to fit.
import { formatUnscaled, toUnscaled } from '../../../lib/avro.ts'
import { ALPHA3 } from '../../../lib/countries.ts'
import { poison } from '../../../lib/errors.ts'
import type { Fact, OrderMapping, Rule } from '../../../lib/mapping.ts'
import { custIdFor, type CustomerMapping } from '../../../lib/customers.ts'
import type { ClarityContact, Dec, MappedOrder, OrderEvent, SlLine } from '../../../lib/records.ts'

export type { MappedOrder, OrderEvent }

/**
 * Fields of orders.raw (per record type) that mapOrder never reads: the mapper decodes
 * without them (skipping is cheaper than building their strings and amounts). Reading one
 * of them here means taking it off this list; the test beside this file maps every
 * fixture both ways and fails when the output differs.
 */
export const UNREAD: Record<string, string[]> = {
  ClarityOrderEvent: ['source', 'receivedAt'],
  ClaritySalesOrder: ['CustomKey', 'UpdatedDate', 'TypeKey', 'UserContactEmail', 'PurchaseOrderNumber', 'Discounts', 'Payments'],
  ClarityTotals: ['SubTotal'],
  ClarityContact: ['Email1', 'Phone1'],
  ClaritySalesItem: ['ID', 'ProductKey', 'UnitCorePrice', 'ExtendedTaxAmount', 'Discounts']
}

/** SL's char(n) lengths of the fields the mapping fills. */
const LEN: Record<string, number> = {
  SOTypeID: 4, CustID: 15, CustOrdNbr: 25, CuryID: 4, ShipViaID: 15, TaxID00: 10, User1: 30, SlsperID: 10, ProjectID: 16,
  Name: 60, Addr1: 60, Addr2: 60, City: 30, State: 3, Zip: 10, Country: 3,
  InvtID: 30, SiteID: 10, UnitDesc: 6, TaxCat: 10, Descr: 60
}
const CUST_ID = /^[A-Z0-9-]+$/
const MAX_LINES = 999

/** The value when it fits SL's char(len); the field is named only when it does not. */
function fit (value: string, len: number, field: string | (() => string)): string {
  if (value.length > len) {
    const name = typeof field === 'string' ? field : field()
    throw poison('FIELD_TOO_LONG', `${name} "${value}" is ${value.length} characters; SL allows ${len}. Shorten it in Clarity or change the mapping`)
  }
  return value
}

const cents = (d: Dec): bigint => toUnscaled(d, 2)
const money = (c: bigint): Dec => formatUnscaled(c, 2)
/** qty × price to the cent, half away from zero. */
function extended (qty: Dec, price: Dec): bigint {
  const raw = toUnscaled(qty, 4) * toUnscaled(price, 4) // scale 8
  const sign = raw < 0n ? -1n : 1n
  return sign * ((sign * raw + 500000n) / 1000000n)
}

interface SlAddress { Name: string, Addr1: string, Addr2: string, City: string, State: string, Zip: string, Country: string }

function address (prefix: 'Ship' | 'Bill', c: ClarityContact): SlAddress {
  const a = c.Address
  const name = [c.FirstName, c.LastName].filter((x) => x !== null && x.trim() !== '').join(' ').trim() || (a.Company ?? '').trim()
  const country = ALPHA3[a.CountryCode.trim().toUpperCase()]
  if (country === undefined) throw poison('UNKNOWN_COUNTRY', `${prefix === 'Ship' ? 'ShippingContact' : 'BillingContact'}.Address.CountryCode "${a.CountryCode}" is not an ISO 3166 country`)
  // Region codes arrive as "TX" or "US-TX"; SL keeps the subdivision alone.
  const region = (a.RegionCode ?? '').trim().toUpperCase().replace(/^[A-Z]{2}-/, '')
  const street2 = a.Street2 === null || a.Street2.trim() === '' ? '' : a.Street2.trim()
  const street3 = a.Street3 === null || a.Street3.trim() === '' ? '' : a.Street3.trim()
  return {
    Name: fit(name, LEN.Name!, () => `${prefix}Name`),
    Addr1: fit(a.Street1.trim(), LEN.Addr1!, () => `${prefix}Addr1`),
    Addr2: fit(street2 !== '' && street3 !== '' ? `${street2}, ${street3}` : street2 + street3, LEN.Addr2!, () => `${prefix}Addr2`),
    City: fit(a.City.trim(), LEN.City!, () => `${prefix}City`),
    State: fit(region, LEN.State!, () => `${prefix}State`),
    Zip: fit((a.PostalCode ?? '').trim(), LEN.Zip!, () => `${prefix}Zip`),
    Country: country
  }
}

function matches (rule: Rule, facts: Record<Fact, unknown>): boolean {
  return Object.entries(rule.when).every(([fact, cond]) => {
    const v = facts[fact as Fact]
    return Object.entries(cond ?? {}).every(([op, want]) => {
      switch (op) {
        case 'over': return Number(v) > Number(want)
        case 'under': return Number(v) < Number(want)
        case 'atLeast': return Number(v) >= Number(want)
        case 'equals': return v === want
        case 'in': return Array.isArray(want) && want.includes(v)
        case 'notIn': return Array.isArray(want) && !want.includes(v)
        default: return false
      }
    })
  })
}

/** undefined: nothing for SL to do with this state of the order (it is past Pending and not void). */
/**
 * @param customers the customer mapping: an order of an account not linked to SL yet gets
 * the CustId the customer sync will give that account (sl-order-sink waits for it).
 */
export function mapOrder (ev: OrderEvent, m: OrderMapping, customers?: CustomerMapping): MappedOrder | undefined {
  const o = ev.order
  const cancelled = ev.eventType === 'order.cancelled' || o.StatusKey === 'Void'
  if (!cancelled && o.StatusKey !== 'Pending') return undefined
  if (o.SalesItems.length === 0) throw poison('NO_LINES', `order ${o.ID} has no lines`)
  if (o.SalesItems.length > MAX_LINES) throw poison('TOO_MANY_LINES', `order ${o.ID} has ${o.SalesItems.length} lines; an SL sales order holds at most ${MAX_LINES}`)

  const ship = address('Ship', o.ShippingContact)
  const bill = address('Bill', o.BillingContact)
  const country2 = o.ShippingContact.Address.CountryCode.trim().toUpperCase()
  const region = ship.State
  const site = m.order.sitesByCountry[country2] ?? m.order.site

  let CustID = m.customers.guest
  if (o.AccountKey !== null && o.AccountKey.trim() !== '') {
    CustID = o.AccountKey.trim()
    if (!CUST_ID.test(CustID)) throw poison('BAD_CUSTOMER_KEY', `account key "${CustID}" is not an SL customer id (upper-case letters, digits and -)`)
  } else if (o.AccountID !== null && customers !== undefined) {
    CustID = custIdFor(customers, o.AccountID)
  }

  const lines: SlLine[] = o.SalesItems.map((it, i) => ({
    InvtID: fit(m.skus[it.Sku] ?? it.Sku, LEN.InvtID!, () => `Lines[${i}].InvtID`),
    SiteID: site,
    QtyOrd: it.Quantity,
    CurySlsPrice: it.UnitSoldPrice,
    DiscPct: '0',
    UnitDesc: fit(it.UnitOfMeasure ?? 'EA', LEN.UnitDesc!, () => `Lines[${i}].UnitDesc`),
    TaxCat: fit(it.ProductTaxCode ?? '', LEN.TaxCat!, () => `Lines[${i}].TaxCat`),
    Descr: fit(it.Name.trim(), LEN.Descr!, () => `Lines[${i}].Descr`)
  }))
  for (const l of lines) {
    if (toUnscaled(l.QtyOrd, 4) <= 0n) throw poison('BAD_QUANTITY', `${l.InvtID}: quantity ${l.QtyOrd} must be above 0`)
  }

  // Totals must reconcile to the cent: lines + freight + tax − discounts = Clarity's total.
  const t = o.Totals
  const linesTotal = o.SalesItems.reduce((n, it) => n + extended(it.Quantity, it.UnitSoldPrice), 0n)
  const freight = cents(t.Shipping) + cents(t.Handling) + cents(t.Fees)
  const total = linesTotal + freight + cents(t.Tax) - cents(t.Discounts)
  if (total !== cents(t.Total)) {
    throw poison('TOTALS_DO_NOT_RECONCILE', `order ${o.ID}: lines ${money(linesTotal)} + freight ${money(freight)} + tax ${t.Tax} − discounts ${t.Discounts} = ${money(total)}, but Clarity's total is ${t.Total} (difference ${money(cents(t.Total) - total)} ${o.SellingCurrencyKey})`)
  }

  const cury = o.SellingCurrencyKey.trim().toUpperCase()
  const rate = cury === m.currency.base ? 1 : m.currency.rates[cury]
  if (rate === undefined) throw poison('NO_CURRENCY_RATE', `the mapping has no rate for ${cury} into ${m.currency.base}`)
  const rateScaled = toUnscaled(rate.toFixed(9), 9)
  const base = (() => { const x = cents(t.Total) * rateScaled; return (x + (x < 0n ? -500000000n : 500000000n)) / 1000000000n })()

  const facts: Record<Fact, unknown> = {
    baseTotal: Number(money(base)), total: Number(t.Total), currency: cury, shipCountry: ship.Country, shipState: region,
    customer: CustID, lines: lines.length, guest: CustID === m.customers.guest
  }
  const flags: string[] = []
  const set: Record<string, string> = {}
  let holdReason: string | null = null
  for (const r of m.rules) {
    if (!matches(r, facts)) continue
    if (r.then.flag !== undefined) flags.push(r.then.flag)
    Object.assign(set, r.then.set)
    if (r.then.hold !== undefined && holdReason === null) holdReason = r.then.hold
  }

  return {
    clarityOrderId: o.ID,
    clarityEventId: ev.eventId,
    cancelled,
    mappingVersion: m.version,
    flags,
    holdReason,
    SOTypeID: fit(m.order.type, LEN.SOTypeID!, 'SOTypeID'),
    CustID: fit(CustID, LEN.CustID!, 'CustID'),
    CustOrdNbr: fit(m.order.customerOrderNumber.replace('{ID}', String(o.ID)), LEN.CustOrdNbr!, 'CustOrdNbr'),
    OrdDate: o.CreatedDate,
    CuryID: fit(cury, LEN.CuryID!, 'CuryID'),
    CuryRate: formatUnscaled(rateScaled, 9),
    CuryMultDiv: 'M',
    ShipViaID: fit(m.shipping[o.ShippingMethodKey ?? ''] ?? m.shipping.default, LEN.ShipViaID!, 'ShipViaID'),
    ShipName: ship.Name,
    ShipAddr1: ship.Addr1,
    ShipAddr2: ship.Addr2,
    ShipCity: ship.City,
    ShipState: ship.State,
    ShipZip: ship.Zip,
    ShipCountry: ship.Country,
    BillName: bill.Name,
    BillAddr1: bill.Addr1,
    BillAddr2: bill.Addr2,
    BillCity: bill.City,
    BillState: bill.State,
    BillZip: bill.Zip,
    BillCountry: bill.Country,
    CuryTotFrt: money(freight),
    CuryTotTax: money(cents(t.Tax)),
    TaxID00: fit(m.tax[`${country2}-${region}`] ?? m.tax[country2] ?? m.tax.default, LEN.TaxID00!, 'TaxID00'),
    CuryWholeOrdDisc: money(cents(t.Discounts)),
    CuryTotOrd: money(cents(t.Total)),
    TotOrdBase: money(base),
    BaseCuryID: m.currency.base,
    ProjectID: fit(set.ProjectID ?? '', LEN.ProjectID!, 'ProjectID'),
    SlsperID: fit(set.SlsperID ?? '', LEN.SlsperID!, 'SlsperID'),
    User1: fit(set.User1 ?? '', LEN.User1!, 'User1'),
    Lines: lines
  }
}
