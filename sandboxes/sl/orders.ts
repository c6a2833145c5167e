// Sales orders: create (POST /api/SalesOrder), change or cancel (PUT), find.
import { fromMinor, toMinor } from '../common/money.ts'
import { schedule } from './due.ts'
import { lengths, trim } from './fields.ts'
import { checkReturned, isRestock, originalOf, paidOn, RESTOCK } from './returns.ts'
import { Checker, fail, MSG, RuleError } from './rules.ts'
import { itemSiteKey, type SlState, type SOHeader, type SOLine } from './state.ts'

/** SL prices the line itself when CurySlsPrice carries this marker. */
export const PRICE_FROM_SL = -999876
const MAX_LINES = 999

const text = (v: unknown): string => (typeof v === 'string' ? v.trimEnd() : '')
const key = (v: unknown): string => text(v).toUpperCase()

export function findOrder (s: SlState, ordNbr: string): SOHeader {
  const o = s.orders[trim(ordNbr)]
  if (o === undefined) return fail(404, 'OrdNbr', `Sales order ${trim(ordNbr)} does not exist`, MSG.UNKNOWN)
  return o
}

// SL answers CustOrdNbr lookups from an index; so does the sandbox (derived, not persisted).
const byCustOrdNbr = new WeakMap<SlState, Map<string, string[]>>()
function custOrdNbrIndex (s: SlState): Map<string, string[]> {
  let index = byCustOrdNbr.get(s)
  if (index === undefined) {
    index = new Map()
    for (const o of Object.values(s.orders)) {
      index.set(o.CustOrdNbr, [...(index.get(o.CustOrdNbr) ?? []), o.OrdNbr])
    }
    byCustOrdNbr.set(s, index)
  }
  return index
}

export const ordersByCustOrdNbr = (s: SlState, custOrdNbr: string): SOHeader[] =>
  (custOrdNbrIndex(s).get(trim(custOrdNbr)) ?? []).map((n) => s.orders[n]!)

function rateFor (s: SlState, curyId: string): { rate: number, multDiv: 'M' | 'D' } {
  if (curyId === s.baseCuryId) return { rate: 1, multDiv: 'M' }
  const r = s.rates[curyId]
  return r === undefined ? { rate: 1, multDiv: 'M' } : { rate: r.Rate, multDiv: r.MultDiv }
}

/** A return authorisation's lines are checked against its original order (undefined when that is not one). */
interface Rma { orig: SOHeader | undefined }

/** A return's restocking charge: no item and no stock, charged once, and never a credit. */
function restockLine (s: SlState, c: Checker, l: Record<string, unknown>, i: number): SOLine {
  const p = `Lines[${i}].`
  c.fields(l, lengths.orderLine, [], p)
  if (text(l.SiteID) !== '' && s.sites[key(l.SiteID)] === undefined) {
    c.add(`${p}SiteID`, `Site ID ${text(l.SiteID)} does not exist`, MSG.UNKNOWN)
  }
  if ((c.number(l, 'QtyOrd', {}, p) ?? 1) !== 1) {
    c.add(`${p}QtyOrd`, `${RESTOCK} is charged once: ${p}QtyOrd must be 1`, MSG.QTY)
  }
  let price = c.number(l, 'CurySlsPrice', { required: true }, p) ?? 0
  if (price === PRICE_FROM_SL) {
    c.add(`${p}CurySlsPrice`, `SL has no price for ${RESTOCK}: give the charge as CurySlsPrice`, MSG.BAD_VALUE)
    price = 0
  } else if (price > 0) {
    c.add(`${p}CurySlsPrice`, `${RESTOCK} is a charge: CurySlsPrice must not be above 0`, MSG.BAD_VALUE)
  }
  const disc = c.number(l, 'DiscPct', { min: 0 }, p) ?? 0
  if (disc > 100) c.add(`${p}DiscPct`, 'DiscPct must not exceed 100', MSG.BAD_VALUE)
  return {
    LineRef: String(i + 1).padStart(5, '0'), InvtID: RESTOCK, SiteID: key(l.SiteID), QtyOrd: 1, QtyAlloc: 0, QtyBO: 0,
    QtyShip: 0, CurySlsPrice: price, DiscPct: disc, UnitDesc: text(l.UnitDesc) || 'EA', TaxCat: text(l.TaxCat),
    Descr: text(l.Descr) || 'Restocking charge'
  }
}

function checkLines (s: SlState, c: Checker, raw: unknown, curyId: string, rma?: Rma): SOLine[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    c.add('Lines', 'A sales order needs at least one line', MSG.NO_LINES)
    return []
  }
  if (raw.length > MAX_LINES) {
    c.add('Lines', `A sales order has at most ${MAX_LINES} lines; this one has ${raw.length}`, MSG.TOO_MANY_LINES)
  }
  const { rate, multDiv } = rateFor(s, curyId)
  return raw.map((l: Record<string, unknown>, i) => {
    const p = `Lines[${i}].`
    if (typeof l !== 'object' || l === null) {
      c.add(`Lines[${i}]`, 'A line must be an object', MSG.MALFORMED)
      return undefined
    }
    if (rma !== undefined && key(l.InvtID) === RESTOCK) return restockLine(s, c, l, i)
    c.fields(l, lengths.orderLine, ['InvtID', 'SiteID'], p)
    const item = s.items[key(l.InvtID)]
    if (text(l.InvtID) !== '' && item === undefined) {
      c.add(`${p}InvtID`, `Inventory ID ${text(l.InvtID)} does not exist`, MSG.UNKNOWN)
    }
    if (item !== undefined && item.TranStatusCode !== 'AC') {
      c.add(`${p}InvtID`, `Inventory ID ${item.InvtID} is not active (status ${item.TranStatusCode})`, MSG.INACTIVE)
    }
    if (text(l.SiteID) !== '' && s.sites[key(l.SiteID)] === undefined) {
      c.add(`${p}SiteID`, `Site ID ${text(l.SiteID)} does not exist`, MSG.UNKNOWN)
    }
    const qty = c.number(l, 'QtyOrd', { required: true, gt: 0 }, p)
    let price = c.number(l, 'CurySlsPrice', {}, p) ?? PRICE_FROM_SL
    if (price === PRICE_FROM_SL && rma !== undefined) {
      // A return credits what the customer paid on the original order.
      price = rma.orig === undefined || item === undefined ? 0 : paidOn(rma.orig, item.InvtID) ?? 0
    } else if (price === PRICE_FROM_SL) {
      const base = item?.StkBasePrc ?? 0
      price = fromMinor(toMinor(multDiv === 'M' ? base / rate : base * rate))
    } else if (price < 0) c.add(`${p}CurySlsPrice`, 'CurySlsPrice must not be negative', MSG.BAD_VALUE)
    const disc = c.number(l, 'DiscPct', { min: 0 }, p) ?? 0
    if (disc > 100) c.add(`${p}DiscPct`, 'DiscPct must not exceed 100', MSG.BAD_VALUE)
    return {
      LineRef: String(i + 1).padStart(5, '0'), InvtID: item?.InvtID ?? text(l.InvtID), SiteID: key(l.SiteID),
      QtyOrd: qty ?? 0, QtyAlloc: 0, QtyBO: 0, QtyShip: 0, CurySlsPrice: price, DiscPct: disc,
      UnitDesc: text(l.UnitDesc) || (item?.StkUnit ?? 'EA'), TaxCat: text(l.TaxCat) || (item?.TaxCat ?? ''),
      Descr: text(l.Descr) || (item?.Descr ?? '')
    }
  }).filter((l): l is SOLine => l !== undefined)
}

export const lineAmount = (l: SOLine): number => toMinor(l.QtyOrd * l.CurySlsPrice * (1 - l.DiscPct / 100))

function totalOf (o: Pick<SOHeader, 'Lines' | 'CuryTotFrt' | 'CuryTotTax' | 'CuryWholeOrdDisc'>): number {
  const lines = o.Lines.reduce((n, l) => n + lineAmount(l), 0)
  return fromMinor(lines + toMinor(o.CuryTotFrt) + toMinor(o.CuryTotTax) - toMinor(o.CuryWholeOrdDisc))
}

type Money = 'CuryTotFrt' | 'CuryTotTax' | 'CuryWholeOrdDisc'

/** Invoicing a return credits its total: a restocking charge may reduce the credit, not turn it into a debit. */
function checkCredit (c: Checker, lines: SOLine[], money: (k: Money) => number): void {
  if (c.found.length > 0) return // the total of lines or amounts refused means nothing
  const total = totalOf({
    Lines: lines, CuryTotFrt: money('CuryTotFrt'), CuryTotTax: money('CuryTotTax'),
    CuryWholeOrdDisc: money('CuryWholeOrdDisc')
  })
  if (total >= 0) return
  const i = lines.findIndex(isRestock)
  const message = `The return's total is ${total}: a restocking charge cannot be more than the return credits`
  c.add(i === -1 ? 'CuryWholeOrdDisc' : `Lines[${i}].CurySlsPrice`, message, MSG.BAD_VALUE)
}

function checkHeader (s: SlState, c: Checker, b: Record<string, unknown>, creating: boolean): void {
  c.fields(b, lengths.order, creating ? ['SOTypeID', 'CustID'] : [])
  if (creating && text(b.SOTypeID) !== '' && s.soTypes[key(b.SOTypeID)] === undefined) {
    c.add('SOTypeID', `Order type ${text(b.SOTypeID)} does not exist`, MSG.UNKNOWN)
  }
  if (text(b.CustID) !== '') {
    const cust = s.customers[key(b.CustID)]
    if (cust === undefined) c.add('CustID', `Customer ID ${text(b.CustID)} does not exist`, MSG.UNKNOWN)
    else if (cust.Status !== 'A') c.add('CustID', `Customer ${cust.CustId} is inactive`, MSG.INACTIVE)
  }
  if (text(b.CuryID) !== '' && s.currencies[key(b.CuryID)] === undefined) {
    c.add('CuryID', `Currency ${text(b.CuryID)} does not exist`, MSG.UNKNOWN)
  }
  if (text(b.ShipViaID) !== '' && s.shipVia[key(b.ShipViaID)] === undefined) {
    c.add('ShipViaID', `Ship via ${text(b.ShipViaID)} does not exist`, MSG.UNKNOWN)
  }
  if (text(b.TaxID00) !== '' && s.taxIds[key(b.TaxID00)] === undefined) {
    c.add('TaxID00', `Tax ID ${text(b.TaxID00)} does not exist`, MSG.UNKNOWN)
  }
  if (b.CuryMultDiv !== undefined && !['M', 'D'].includes(text(b.CuryMultDiv))) {
    c.add('CuryMultDiv', 'CuryMultDiv is M or D', MSG.BAD_VALUE)
  }
  if (b.CuryRate !== undefined) c.number(b, 'CuryRate', { gt: 0 })
  for (const k of ['CuryTotFrt', 'CuryTotTax', 'CuryWholeOrdDisc']) c.number(b, k, { min: 0 })
  if (b.OrdDate !== undefined && Number.isNaN(Date.parse(text(b.OrdDate)))) {
    c.add('OrdDate', 'OrdDate is not an ISO-8601 date', MSG.BAD_VALUE)
  }
}

export function createOrder (s: SlState, b: Record<string, unknown>, nowMs: number, tstamp: () => number): SOHeader {
  const c = new Checker()
  checkHeader(s, c, b, true)
  const type = key(b.SOTypeID)
  const rma = type === 'RMA' ? { orig: originalOf(s, c, b) } : undefined
  const orig = rma?.orig
  // A return is in its original order's currency, at that order's rate unless told otherwise.
  const curyId = key(b.CuryID) || orig?.CuryID || s.baseCuryId
  const lines = checkLines(s, c, b.Lines, curyId, rma)
  const num = (k: string): number => (typeof b[k] === 'number' ? b[k] as number : 0)
  if (orig !== undefined) checkReturned(s, c, orig, lines)
  if (rma !== undefined) checkCredit(c, lines, num)
  c.throwIfAny()
  const t = s.soTypes[type]!
  t.LastNbr++
  const OrdNbr = `${t.Prefix}${String(t.LastNbr).padStart(7, '0')}`
  const now = new Date(nowMs).toISOString()
  const { rate, multDiv } = orig === undefined ? rateFor(s, curyId) : { rate: orig.CuryRate, multDiv: orig.CuryMultDiv }
  const order: SOHeader = {
    OrdNbr, SOTypeID: type, CustID: key(b.CustID), CustOrdNbr: text(b.CustOrdNbr), OrdDate: text(b.OrdDate) || now,
    CuryID: curyId, CuryRate: typeof b.CuryRate === 'number' ? b.CuryRate : rate,
    CuryMultDiv: text(b.CuryMultDiv) || multDiv, ShipViaID: key(b.ShipViaID),
    ShipName: text(b.ShipName), ShipAddr1: text(b.ShipAddr1), ShipAddr2: text(b.ShipAddr2), ShipCity: text(b.ShipCity),
    ShipState: text(b.ShipState), ShipZip: text(b.ShipZip), ShipCountry: text(b.ShipCountry),
    BillName: text(b.BillName), BillAddr1: text(b.BillAddr1), BillAddr2: text(b.BillAddr2), BillCity: text(b.BillCity),
    BillState: text(b.BillState), BillZip: text(b.BillZip), BillCountry: text(b.BillCountry),
    CuryTotFrt: num('CuryTotFrt'), CuryTotTax: num('CuryTotTax'), TaxID00: key(b.TaxID00),
    CuryWholeOrdDisc: num('CuryWholeOrdDisc'), CuryTotOrd: 0,
    ProjectID: text(b.ProjectID), SlsperID: text(b.SlsperID), User1: text(b.User1), OrigOrdNbr: text(b.OrigOrdNbr),
    Status: 'O', Cancelled: 0, CreditHold: 0, NextFunctionID: '4010000', InvcNbr: '',
    Crtd_DateTime: now, LUpd_DateTime: now, tstamp: tstamp(), Lines: lines,
    stage: rma !== undefined ? 'rma' : 'new',
    dueAt: nowMs + (rma !== undefined ? s.settings.rmaReceiveAfterMs : s.settings.allocateAfterMs)
  }
  order.CuryTotOrd = totalOf(order)
  const index = custOrdNbrIndex(s) // built before the insert, so the order is added once
  s.orders[OrdNbr] = order
  index.set(order.CustOrdNbr, [...(index.get(order.CustOrdNbr) ?? []), OrdNbr])
  schedule(s, order)
  s.stats.ordersCreated++
  return order
}

/** Gives back what an order holds at its sites (cancel, or lines replaced). */
export function releaseAllocation (s: SlState, o: SOHeader, tstamp: () => number, now: string): void {
  for (const l of o.Lines) {
    if (l.QtyAlloc <= 0) continue
    const site = s.itemSites[itemSiteKey(l.InvtID, l.SiteID)]
    if (site !== undefined) {
      site.QtyAlloc -= l.QtyAlloc
      site.QtyAvail = site.QtyOnHand - site.QtyAlloc - site.QtyShipNotInv
      site.LUpd_DateTime = now
      site.tstamp = tstamp()
    }
    l.QtyAlloc = 0
  }
}

export function updateOrder (
  s: SlState, ordNbr: string, b: Record<string, unknown>, nowMs: number, tstamp: () => number
): SOHeader {
  const o = findOrder(s, ordNbr)
  const confirmed = Object.values(s.shippers).some((sh) => sh.OrdNbr === o.OrdNbr && sh.ShippingConfirmed === 1)
  if (confirmed) {
    return fail(422, 'OrdNbr', `Order ${o.OrdNbr} has a confirmed shipper and can no longer change`, MSG.SHIPPED)
  }
  if (o.Cancelled === 1) return fail(422, 'Cancelled', `Order ${o.OrdNbr} is cancelled`, MSG.BAD_VALUE)
  const c = new Checker()
  for (const k of ['OrdNbr', 'SOTypeID', 'CustOrdNbr']) {
    if (b[k] !== undefined && text(b[k]) !== text(o[k as keyof SOHeader])) c.add(k, `${k} cannot change`, MSG.BAD_VALUE)
  }
  checkHeader(s, c, b, false)
  // A return stays a return of its original order, by the same customer, within what is left to return.
  const rma = o.SOTypeID === 'RMA'
    ? { orig: originalOf(s, c, { ...b, OrigOrdNbr: o.OrigOrdNbr, CuryID: '' }) }
    : undefined
  const lines = b.Lines === undefined ? undefined : checkLines(s, c, b.Lines, o.CuryID, rma)
  if (rma?.orig !== undefined && lines !== undefined) checkReturned(s, c, rma.orig, lines, o.OrdNbr)
  if (rma !== undefined) checkCredit(c, lines ?? o.Lines, (k) => (typeof b[k] === 'number' ? b[k] as number : o[k]))
  if (b.Cancelled !== undefined && b.Cancelled !== 0 && b.Cancelled !== 1) {
    c.add('Cancelled', 'Cancelled is 0 or 1', MSG.BAD_VALUE)
  }
  c.throwIfAny()
  const now = new Date(nowMs).toISOString()
  const pending = Object.values(s.shippers).filter((sh) => sh.OrdNbr === o.OrdNbr && sh.Cancelled === 0)
  if (b.Cancelled === 1) {
    releaseAllocation(s, o, tstamp, now)
    for (const sh of pending) { sh.Cancelled = 1; sh.tstamp = tstamp() }
    o.Cancelled = 1
    o.Status = 'C'
    o.stage = 'cancelled'
  } else {
    const editable = ['CustID', 'ShipViaID', 'ShipName', 'ShipAddr1', 'ShipAddr2', 'ShipCity', 'ShipState', 'ShipZip',
      'ShipCountry', 'BillName', 'BillAddr1', 'BillAddr2', 'BillCity', 'BillState', 'BillZip', 'BillCountry', 'TaxID00',
      'ProjectID', 'SlsperID', 'User1']
    const rec = o as unknown as Record<string, unknown>
    for (const k of editable) {
      if (b[k] !== undefined) rec[k] = ['CustID', 'ShipViaID', 'TaxID00'].includes(k) ? key(b[k]) : text(b[k])
    }
    for (const k of ['CuryTotFrt', 'CuryTotTax', 'CuryWholeOrdDisc']) if (typeof b[k] === 'number') rec[k] = b[k]
    if (lines !== undefined) {
      // Replacing lines sends the order back through allocation.
      releaseAllocation(s, o, tstamp, now)
      for (const sh of pending) { sh.Cancelled = 1; sh.tstamp = tstamp() }
      o.Lines = lines
      // A return keeps waiting for its goods; an order goes back through allocation.
      if (rma === undefined) {
        o.stage = 'new'
        o.dueAt = nowMs + s.settings.allocateAfterMs
        schedule(s, o)
      }
    }
    o.CuryTotOrd = totalOf(o)
  }
  o.LUpd_DateTime = now
  o.tstamp = tstamp()
  return o
}

export { RuleError }
