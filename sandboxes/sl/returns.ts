// Return authorisations (SOTypeID RMA): which original order one may name, and how much of
// each item it may take back. SL counts what the original order's confirmed shippers
// shipped, less what its other live RMAs already return (received or not): two returns
// of the same parcel must not both be credited.
import { fromMinor, toMinor } from '../common/money.ts'
import { trim } from './fields.ts'
import { MSG, type Checker } from './rules.ts'
import { itemSiteKey, type SlState, type SOHeader, type SOLine } from './state.ts'

/** A return's restocking charge: a line of its own, never an inventory item, and only on an RMA. */
export const RESTOCK = 'RESTOCK'

export const isRestock = (l: Pick<SOLine, 'InvtID'>): boolean => l.InvtID === RESTOCK

const key = (v: unknown): string => trim(v).toUpperCase()

/**
 * The original order `b` names, if it is one an RMA may return: a sales order (not another
 * RMA) of the same customer, in the same currency. Undefined, with the violation, otherwise.
 */
export function originalOf (s: SlState, c: Checker, b: Record<string, unknown>): SOHeader | undefined {
  const nbr = trim(b.OrigOrdNbr)
  const orig = s.orders[nbr]
  if (nbr === '') {
    c.add('OrigOrdNbr', 'A return authorisation needs the original OrdNbr', MSG.REQUIRED)
  } else if (orig === undefined) {
    c.add('OrigOrdNbr', `Original order ${nbr} does not exist`, MSG.UNKNOWN)
  } else if (orig.SOTypeID === 'RMA') {
    c.add('OrigOrdNbr', `Original order ${nbr} is a return authorisation, not a sales order`, MSG.BAD_VALUE)
  } else {
    if (key(b.CustID) !== '' && key(b.CustID) !== orig.CustID) {
      c.add('CustID', `Customer ID ${key(b.CustID)} is not the customer of original order ${nbr}`, MSG.BAD_VALUE)
    }
    if (key(b.CuryID) !== '' && key(b.CuryID) !== orig.CuryID) {
      c.add('CuryID', `A return is in the currency of its original order ${nbr} (${orig.CuryID})`, MSG.BAD_VALUE)
    }
    return orig
  }
  return undefined
}

/** What the customer paid a unit of `invtId` on the original order (its first line of it), discount included. */
export function paidOn (orig: SOHeader, invtId: string): number | undefined {
  const l = orig.Lines.find((x) => x.InvtID === invtId)
  return l === undefined ? undefined : fromMinor(toMinor(l.CurySlsPrice * (1 - l.DiscPct / 100)))
}

const add = (m: Map<string, number>, k: string, n: number): void => { m.set(k, (m.get(k) ?? 0) + n) }

/** Per InvtID: shipped on `orig`'s confirmed shippers, less what its live RMAs other than `self` return. */
function returnable (s: SlState, orig: SOHeader, self: string): Map<string, number> {
  const left = new Map<string, number>()
  for (const sh of Object.values(s.shippers)) {
    if (sh.OrdNbr !== orig.OrdNbr || sh.ShippingConfirmed !== 1 || sh.Cancelled === 1) continue
    for (const l of sh.Lines) add(left, l.InvtID, l.QtyShip)
  }
  for (const o of Object.values(s.orders)) {
    if (o.SOTypeID !== 'RMA' || o.OrigOrdNbr !== orig.OrdNbr || o.Cancelled === 1 || o.OrdNbr === self) continue
    for (const l of o.Lines) if (!isRestock(l)) add(left, l.InvtID, -l.QtyOrd)
  }
  return left
}

/**
 * Each returned line against what is left to return of its item (lines of one item add up),
 * and the ItemSite the goods go back into. `self` is the RMA being changed, not counted twice.
 */
export function checkReturned (s: SlState, c: Checker, orig: SOHeader, lines: SOLine[], self = ''): void {
  const left = returnable(s, orig, self)
  const taken = new Map<string, number>()
  if (lines.length > 0 && lines.every(isRestock)) {
    c.add('Lines', 'A return needs a line that returns an item', MSG.NO_LINES)
  }
  lines.forEach((l, i) => {
    if (isRestock(l) || l.QtyOrd <= 0 || s.items[l.InvtID] === undefined) return
    add(taken, l.InvtID, l.QtyOrd)
    const qty = taken.get(l.InvtID)!
    const open = Math.max(0, left.get(l.InvtID) ?? 0)
    if (qty > open) {
      const message = `Returns ${qty} of ${l.InvtID} while ${open} were shipped on ${orig.OrdNbr} and not yet returned`
      c.add(`Lines[${i}].QtyOrd`, message, MSG.QTY)
    }
    if (s.sites[l.SiteID] !== undefined && s.itemSites[itemSiteKey(l.InvtID, l.SiteID)] === undefined) {
      c.add(`Lines[${i}].SiteID`, `Item ${l.InvtID} is not stocked at site ${l.SiteID}`, MSG.UNKNOWN)
    }
  })
}
