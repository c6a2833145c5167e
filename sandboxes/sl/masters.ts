// Inventory (item sites and adjustments), products (the item master) and customers.
import { lengths, trim } from './fields.ts'
import { Checker, fail, MSG } from './rules.ts'
import { itemSiteKey, type Customer, type ItemSite, type SlState, type ShipTo } from './state.ts'

const text = (v: unknown): string => (typeof v === 'string' ? v.trimEnd() : '')

/** A change feed page: rows with tstamp > since, oldest first. */
export function since<T extends { tstamp: number }> (
  rows: T[], sinceTstamp: number, limit: number
): { Items: T[], NextTstamp: number } {
  const items = rows.filter((r) => r.tstamp > sinceTstamp).sort((a, b) => a.tstamp - b.tstamp).slice(0, limit)
  return { Items: items, NextTstamp: items.at(-1)?.tstamp ?? sinceTstamp }
}

export function itemSitesOf (s: SlState, invtId: string): ItemSite[] {
  const id = trim(invtId).toUpperCase()
  if (s.items[id] === undefined) return fail(404, 'InvtID', `Inventory ID ${trim(invtId)} does not exist`, MSG.UNKNOWN)
  return Object.values(s.itemSites).filter((x) => x.InvtID === id)
}

export function adjust (
  s: SlState, invtId: string, siteId: string, b: Record<string, unknown>, nowMs: number, tstamp: () => number
): ItemSite {
  const site = s.itemSites[itemSiteKey(trim(invtId).toUpperCase(), trim(siteId).toUpperCase())]
  if (site === undefined) {
    return fail(404, 'SiteID', `Item ${trim(invtId)} is not stocked at site ${trim(siteId)}`, MSG.UNKNOWN)
  }
  const c = new Checker()
  const qty = c.number(b, 'QtyAdjust', { required: true })
  c.fields(b, lengths.adjustment, ['ReasonCd'])
  c.throwIfAny()
  if (site.QtyOnHand + qty! < 0) {
    const left = site.QtyOnHand + qty!
    const what = `Adjusting ${site.InvtID} at ${site.SiteID} by ${qty} would leave QtyOnHand at ${left}`
    return fail(422, 'QtyAdjust', `${what}; it cannot go below zero`, MSG.NEGATIVE_ON_HAND)
  }
  site.QtyOnHand += qty!
  site.QtyAvail = site.QtyOnHand - site.QtyAlloc - site.QtyShipNotInv
  site.LUpd_DateTime = new Date(nowMs).toISOString()
  site.tstamp = tstamp()
  return site
}

const STATUS_CODES = ['AC', 'IN', 'NP', 'OH']

export function product (s: SlState, invtId: string) {
  const p = s.items[trim(invtId).toUpperCase()]
  if (p === undefined) return fail(404, 'InvtID', `Inventory ID ${trim(invtId)} does not exist`, MSG.UNKNOWN)
  return p
}

export function updateProduct (
  s: SlState, invtId: string, b: Record<string, unknown>, nowMs: number, tstamp: () => number
) {
  const p = product(s, invtId)
  const c = new Checker()
  c.fields(b, lengths.product)
  if (b.InvtID !== undefined && text(b.InvtID).toUpperCase() !== p.InvtID) {
    c.add('InvtID', 'InvtID cannot change', MSG.BAD_VALUE)
  }
  if (b.TranStatusCode !== undefined && !STATUS_CODES.includes(text(b.TranStatusCode))) {
    c.add('TranStatusCode', `TranStatusCode is one of ${STATUS_CODES.join(', ')}`, MSG.BAD_VALUE)
  }
  for (const k of ['StkBasePrc', 'StdCost', 'Weight']) c.number(b, k, { min: 0 })
  c.throwIfAny()
  const rec = p as unknown as Record<string, unknown>
  for (const k of ['Descr', 'ClassID', 'TranStatusCode', 'StkUnit', 'TaxCat']) {
    if (b[k] !== undefined) rec[k] = text(b[k])
  }
  for (const k of ['StkBasePrc', 'StdCost', 'Weight']) if (typeof b[k] === 'number') rec[k] = b[k]
  p.LUpd_DateTime = new Date(nowMs).toISOString()
  p.tstamp = tstamp()
  return p
}

const CUST_ID = /^[A-Z0-9-]+$/

function checkCustomer (s: SlState, c: Checker, b: Record<string, unknown>, creating: boolean): ShipTo[] | undefined {
  c.fields(b, lengths.customer, creating ? ['CustId', 'Name'] : [])
  if (creating && text(b.CustId) !== '' && !CUST_ID.test(text(b.CustId))) {
    c.add('CustId', 'CustId takes upper-case letters, digits and -', MSG.BAD_VALUE)
  }
  if (text(b.CuryId) !== '' && s.currencies[text(b.CuryId).toUpperCase()] === undefined) {
    c.add('CuryId', `Currency ${text(b.CuryId)} does not exist`, MSG.UNKNOWN)
  }
  if (text(b.TaxID00) !== '' && s.taxIds[text(b.TaxID00).toUpperCase()] === undefined) {
    c.add('TaxID00', `Tax ID ${text(b.TaxID00)} does not exist`, MSG.UNKNOWN)
  }
  if (b.ShipTo === undefined) return undefined
  if (!Array.isArray(b.ShipTo)) { c.add('ShipTo', 'ShipTo is a list', MSG.MALFORMED); return undefined }
  return b.ShipTo.map((st: Record<string, unknown>, i) => {
    c.fields(st, lengths.shipTo, ['ShipToId'], `ShipTo[${i}].`)
    return {
      ShipToId: text(st.ShipToId).toUpperCase(), Name: text(st.Name), Addr1: text(st.Addr1), Addr2: text(st.Addr2),
      City: text(st.City), State: text(st.State), Zip: text(st.Zip), Country: text(st.Country), Phone: text(st.Phone)
    }
  })
}

const customerFields = [
  'Name', 'Addr1', 'Addr2', 'City', 'State', 'Zip', 'Country', 'Phone', 'EMailAddr', 'ClassId', 'CuryId', 'Terms',
  'TaxID00'
] as const

export function createCustomer (s: SlState, b: Record<string, unknown>, nowMs: number, tstamp: () => number): Customer {
  const c = new Checker()
  const shipTo = checkCustomer(s, c, b, true)
  c.throwIfAny()
  const CustId = text(b.CustId)
  if (s.customers[CustId] !== undefined) return fail(409, 'CustId', `Customer ${CustId} already exists`, MSG.EXISTS)
  const cust: Customer = {
    CustId, Name: '', Addr1: '', Addr2: '', City: '', State: '', Zip: '', Country: '', Phone: '', EMailAddr: '',
    ClassId: '', CuryId: s.baseCuryId, Terms: '', TaxID00: '', Status: 'A', ShipTo: shipTo ?? [],
    LUpd_DateTime: new Date(nowMs).toISOString(), tstamp: tstamp()
  }
  for (const k of customerFields) if (b[k] !== undefined) cust[k] = text(b[k])
  cust.CuryId = cust.CuryId.toUpperCase() || s.baseCuryId
  s.customers[CustId] = cust
  return cust
}

export function customer (s: SlState, custId: string): Customer {
  const c = s.customers[trim(custId).toUpperCase()]
  if (c === undefined) return fail(404, 'CustId', `Customer ${trim(custId)} does not exist`, MSG.UNKNOWN)
  return c
}

export function updateCustomer (
  s: SlState, custId: string, b: Record<string, unknown>, nowMs: number, tstamp: () => number
): Customer {
  const cust = customer(s, custId)
  const c = new Checker()
  if (b.CustId !== undefined && text(b.CustId) !== cust.CustId) c.add('CustId', 'CustId cannot change', MSG.BAD_VALUE)
  if (b.Status !== undefined && !['A', 'I'].includes(text(b.Status))) c.add('Status', 'Status is A or I', MSG.BAD_VALUE)
  const shipTo = checkCustomer(s, c, b, false)
  c.throwIfAny()
  for (const k of customerFields) if (b[k] !== undefined) cust[k] = text(b[k])
  if (b.Status !== undefined) cust.Status = text(b.Status) as 'A' | 'I'
  if (shipTo !== undefined) cust.ShipTo = shipTo
  cust.LUpd_DateTime = new Date(nowMs).toISOString()
  cust.tstamp = tstamp()
  return cust
}
