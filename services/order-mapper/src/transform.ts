// Pure: a Clarity order event (orders.raw) → the SL sales order to send (orders.mapped),
// by the mapping file. Anything SL would refuse for this order's own data is poison
// with a reason a person can act on; nothing is silently cut to fit.
import { formatUnscaledNumber, POW10, toUnscaled, toUnscaledNumber } from '../../../lib/avro.ts'
import { ALPHA3 } from '../../../domain/countries.ts'
import { poison } from '../../../lib/errors.ts'
import { own, type Fact, type OrderMapping, type Rule } from '../../../domain/mapping.ts'
import { shownCode, tooLong } from '../../../domain/personal.ts'
import { custIdFor, type CustomerMapping } from '../../../domain/customers.ts'
import type { ClarityContact, ClarityOrder, Dec, MappedOrder, OrderEvent, SlLine } from '../../../domain/records.ts'

export type { MappedOrder, OrderEvent }

/**
 * Fields of orders.raw (per record type) that mapOrder never reads: the mapper decodes
 * without them (skipping is cheaper than building their strings and amounts). Reading one
 * of them here means taking it off this list; the test beside this file maps every
 * fixture both ways and fails when the output differs.
 */
export const UNREAD: Record<string, string[]> = {
  ClarityOrderEvent: ['source', 'receivedAt'],
  ClaritySalesOrder: [
    'CustomKey', 'UpdatedDate', 'TypeKey', 'UserContactEmail', 'PurchaseOrderNumber', 'Discounts', 'Payments'
  ],
  ClarityTotals: ['SubTotal'],
  ClarityContact: ['Email1', 'Phone1'],
  ClaritySalesItem: ['ID', 'ProductKey', 'UnitCorePrice', 'ExtendedTaxAmount', 'Discounts']
}

/** SL's char(n) lengths of the fields the mapping fills. */
const LEN: Record<string, number> = {
  SOTypeID: 4, CustID: 15, CustOrdNbr: 25, CuryID: 4, ShipViaID: 15, TaxID00: 10,
  User1: 30, SlsperID: 10, ProjectID: 16,
  Name: 60, Addr1: 60, Addr2: 60, City: 30, State: 3, Zip: 10, Country: 3,
  InvtID: 30, SiteID: 10, UnitDesc: 6, TaxCat: 10, Descr: 60
}
const CUST_ID = /^[A-Z0-9-]+$/
const MAX_LINES = 999

/**
 * The value when it fits SL's char(len); the field (ShipName, Lines[2].Descr) is named only
 * when it does not, with its length and never its value (personal data, see domain/personal.ts).
 */
function fit (value: string, len: number, field: string, at: 'Ship' | 'Bill' | '' | number = ''): string {
  if (value.length > len) {
    const name = typeof at === 'number' ? `Lines[${at}].${field}` : at + field
    throw poison('FIELD_TOO_LONG', `${tooLong(name, value.length, len)}. Shorten it in Clarity or change the mapping`)
  }
  return value
}

// Money as integers of cents (and of 10^-4 for quantities and prices) in plain numbers:
// SL keeps money as float, exact to the cent only while the cents stay a safe integer
// (below 90 trillion), so that is the range an order can be reconciled in. Products
// past 2^53 before rounding are taken through BigInt.
function exact (n: number | bigint, what: () => string): number {
  if (typeof n === 'bigint' ? n <= MAX_SAFE && n >= -MAX_SAFE : Number.isSafeInteger(n)) return Number(n)
  throw poison('AMOUNT_TOO_LARGE', `${what()} is beyond what SL keeps exact to the cent ` +
    `(its money is float: at most ${money(Number.MAX_SAFE_INTEGER)})`)
}
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
/** An amount past 14 digits (toUnscaledNumber's reach), in BigInt and back. */
const wide = (d: Dec, scale: number, what: string): number => exact(toUnscaled(d, scale), () => `${what} ${d}`)
/** Clarity's amounts carry four decimals; SL's money is to the cent. */
function cents (d: Dec, what: string): number {
  const u = toUnscaledNumber(d, 4)
  if (u !== undefined && u % 100 === 0) return u / 100
  const big = toUnscaled(d, 4)
  if (big % 100n !== 0n) {
    throw poison('AMOUNT_NOT_IN_CENTS', `${what} ${d} has a fraction of a cent; SL keeps money to the cent`)
  }
  return exact(big / 100n, () => `${what} ${d}`)
}
const money = (c: number): Dec => formatUnscaledNumber(c, 2)
function add (a: number, b: number, what: string): number {
  const sum = a + b
  return Number.isSafeInteger(sum) ? sum : exact(sum, () => what)
}

/** a × b ÷ 10^k, half away from zero. */
function scaleDown (a: number, b: number, k: number, what: () => string): number {
  const p = a * b
  if (Number.isSafeInteger(p)) {
    const abs = p < 0 ? -p : p
    const rest = abs % POW10[k]!
    const q = (abs - rest) / POW10[k]! + (rest * 2 >= POW10[k]! ? 1 : 0)
    return p < 0 && q !== 0 ? -q : q
  }
  const x = BigInt(a) * BigInt(b)
  const half = 5n * 10n ** BigInt(k - 1)
  return exact((x + (x < 0n ? -half : half)) / 10n ** BigInt(k), what)
}

type SlAddress = Record<'Name' | 'Addr1' | 'Addr2' | 'City' | 'State' | 'Zip' | 'Country', string>

function address (prefix: 'Ship' | 'Bill', c: ClarityContact): SlAddress {
  const a = c.Address
  const first = c.FirstName !== null && c.FirstName.trim() !== '' ? c.FirstName : ''
  const last = c.LastName !== null && c.LastName.trim() !== '' ? c.LastName : ''
  const name = (first !== '' && last !== '' ? `${first} ${last}` : first + last).trim() || (a.Company ?? '').trim()
  const country = ALPHA3[a.CountryCode.trim().toUpperCase()]
  if (country === undefined) {
    throw poison('UNKNOWN_COUNTRY', `${prefix === 'Ship' ? 'ShippingContact' : 'BillingContact'}.Address.CountryCode ` +
      `${shownCode(a.CountryCode)} is not an ISO 3166 country`)
  }
  // Region codes arrive as "TX" or "US-TX"; SL keeps the subdivision alone.
  const region = (a.RegionCode ?? '').trim().toUpperCase().replace(/^[A-Z]{2}-/, '')
  const street2 = a.Street2 === null || a.Street2.trim() === '' ? '' : a.Street2.trim()
  const street3 = a.Street3 === null || a.Street3.trim() === '' ? '' : a.Street3.trim()
  return {
    Name: fit(name, LEN.Name!, 'Name', prefix),
    Addr1: fit(a.Street1.trim(), LEN.Addr1!, 'Addr1', prefix),
    Addr2: fit(street2 !== '' && street3 !== '' ? `${street2}, ${street3}` : street2 + street3,
      LEN.Addr2!, 'Addr2', prefix),
    City: fit(a.City.trim(), LEN.City!, 'City', prefix),
    State: fit(region, LEN.State!, 'State', prefix),
    Zip: fit((a.PostalCode ?? '').trim(), LEN.Zip!, 'Zip', prefix),
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

/**
 * The order's amounts in cents. Totals must reconcile to the cent: lines + freight + tax −
 * discounts = Clarity's total.
 */
function reconciled (
  o: ClarityOrder, lines: SlLine[]
): { freight: number, tax: number, discounts: number, clarityTotal: number } {
  const t = o.Totals
  let linesTotal = 0
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!
    const qty = toUnscaledNumber(l.QtyOrd, 4) ?? wide(l.QtyOrd, 4, `Lines[${i}].QtyOrd`)
    if (qty <= 0) throw poison('BAD_QUANTITY', `${l.InvtID}: quantity ${l.QtyOrd} must be above 0`)
    const price = toUnscaledNumber(l.CurySlsPrice, 4) ?? wide(l.CurySlsPrice, 4, `Lines[${i}].CurySlsPrice`)
    // qty × price at scale 8, to the cent
    linesTotal = add(linesTotal, scaleDown(qty, price, 6, () => `Lines[${i}] ${l.QtyOrd} × ${l.CurySlsPrice}`),
      'the lines\' total')
  }
  const freight = add(add(cents(t.Shipping, 'Shipping'), cents(t.Handling, 'Handling'), 'freight'),
    cents(t.Fees, 'Fees'), 'freight')
  const tax = cents(t.Tax, 'Tax')
  const discounts = cents(t.Discounts, 'Discounts')
  const clarityTotal = cents(t.Total, 'Total')
  const total = add(add(add(linesTotal, freight, 'the total'), tax, 'the total'), -discounts, 'the total')
  if (total !== clarityTotal) {
    throw poison('TOTALS_DO_NOT_RECONCILE', `order ${o.ID}: lines ${money(linesTotal)} + freight ${money(freight)} ` +
      `+ tax ${t.Tax} − discounts ${t.Discounts} = ${money(total)}, but Clarity's total is ${t.Total} ` +
      `(difference ${money(clarityTotal - total)} ${o.SellingCurrencyKey})`)
  }
  return { freight, tax, discounts, clarityTotal }
}

/**
 * The order's SL customer: the account's key, else the CustId the customer sync gives the
 * account (with the customer mapping), else the mapping's guest.
 */
function custIdOf (o: ClarityOrder, m: OrderMapping, customers?: CustomerMapping): string {
  let CustID = m.customers.guest
  if (o.AccountKey !== null && o.AccountKey.trim() !== '') {
    CustID = o.AccountKey.trim()
    // Not quoted: a key that is not an id may be anything, an e-mail address say.
    if (!CUST_ID.test(CustID)) {
      throw poison('BAD_CUSTOMER_KEY',
        `AccountKey (${CustID.length} characters) is not an SL customer id (upper-case letters, digits and -)`)
    }
  } else if (o.AccountID !== null && customers !== undefined) {
    CustID = custIdFor(customers, o.AccountID)
  }
  return CustID
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
  if (o.SalesItems.length > MAX_LINES) {
    throw poison('TOO_MANY_LINES',
      `order ${o.ID} has ${o.SalesItems.length} lines; an SL sales order holds at most ${MAX_LINES}`)
  }

  const ship = address('Ship', o.ShippingContact)
  const bill = address('Bill', o.BillingContact)
  const country2 = o.ShippingContact.Address.CountryCode.trim().toUpperCase()
  const region = ship.State
  const site = own(m.order.sitesByCountry, country2) ?? m.order.site

  const CustID = custIdOf(o, m, customers)

  const lines: SlLine[] = o.SalesItems.map((it, i) => ({
    InvtID: fit(own(m.skus, it.Sku) ?? it.Sku, LEN.InvtID!, 'InvtID', i),
    SiteID: site,
    QtyOrd: it.Quantity,
    CurySlsPrice: it.UnitSoldPrice,
    DiscPct: '0',
    UnitDesc: fit(it.UnitOfMeasure ?? 'EA', LEN.UnitDesc!, 'UnitDesc', i),
    TaxCat: fit(it.ProductTaxCode ?? '', LEN.TaxCat!, 'TaxCat', i),
    Descr: fit(it.Name.trim(), LEN.Descr!, 'Descr', i)
  }))
  const t = o.Totals
  const { freight, tax, discounts, clarityTotal } = reconciled(o, lines)

  const cury = o.SellingCurrencyKey.trim().toUpperCase()
  const rate = cury === m.currency.base ? 1 : own(m.currency.rates, cury)
  if (rate === undefined) {
    throw poison('NO_CURRENCY_RATE', `the mapping has no rate for ${cury} into ${m.currency.base}`)
  }
  const rateText = rate.toFixed(9)
  const rateScaled = toUnscaledNumber(rateText, 9) ?? wide(rateText, 9, `the rate of ${cury}`)
  const base = scaleDown(clarityTotal, rateScaled, 9, () => `${t.Total} ${cury} in ${m.currency.base}`)

  const facts: Record<Fact, unknown> = {
    baseTotal: base / 100, total: Number(t.Total), currency: cury, shipCountry: ship.Country, shipState: region,
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
    CuryRate: formatUnscaledNumber(rateScaled, 9),
    CuryMultDiv: 'M',
    ShipViaID: fit(own(m.shipping, o.ShippingMethodKey ?? '') ?? m.shipping.default, LEN.ShipViaID!, 'ShipViaID'),
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
    CuryTotTax: money(tax),
    TaxID00: fit(own(m.tax, `${country2}-${region}`) ?? own(m.tax, country2) ?? m.tax.default, LEN.TaxID00!, 'TaxID00'),
    CuryWholeOrdDisc: money(discounts),
    CuryTotOrd: money(clarityTotal),
    TotOrdBase: money(base),
    BaseCuryID: m.currency.base,
    ProjectID: fit(set.ProjectID ?? '', LEN.ProjectID!, 'ProjectID'),
    SlsperID: fit(set.SlsperID ?? '', LEN.SlsperID!, 'SlsperID'),
    User1: fit(set.User1 ?? '', LEN.User1!, 'User1'),
    Lines: lines
  }
}
