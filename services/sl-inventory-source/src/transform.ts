// Pure: a row of GET /api/Inventory (trimmed) → an inventory.changes record.
import { poison } from '../../../lib/errors.ts'
import type { ItemSiteLevel } from '../../../domain/records.ts'

type Row = Record<string, unknown>

const shown = (v: unknown): string =>
  (v === undefined ? 'missing' : typeof v === 'number' ? String(v) : JSON.stringify(v))
const levelKey = (invtId: string, siteId: string): string => `${invtId}|${siteId}`

export function toLevel (r: Row): { key: string, value: ItemSiteLevel } {
  const id = `${String(r.InvtID)} at ${String(r.SiteID)}`
  const text = (k: string): string => {
    if (typeof r[k] !== 'string' || r[k] === '') throw poison('INVALID_LEVEL', `item site ${id}: ${k} must be text`)
    return r[k] as string
  }
  // A level SL cannot express as a number must not reach the store as a guess.
  const qty = (k: string): string => {
    if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) {
      throw poison('INVALID_LEVEL', `item site ${id}: ${k} is ${shown(r[k])}, not a number`)
    }
    return (r[k] as number).toFixed(4)
  }
  if (typeof r.tstamp !== 'number') throw poison('INVALID_LEVEL', `item site ${id}: tstamp must be a number`)
  const updated = typeof r.LUpd_DateTime === 'string' ? Date.parse(r.LUpd_DateTime) : NaN
  const value: ItemSiteLevel = {
    InvtID: text('InvtID'), SiteID: text('SiteID'),
    QtyOnHand: qty('QtyOnHand'), QtyAvail: qty('QtyAvail'), QtyAlloc: qty('QtyAlloc'),
    QtyShipNotInv: qty('QtyShipNotInv'), QtyOnPO: qty('QtyOnPO'),
    LUpd_DateTime: Number.isNaN(updated) ? 0 : updated,
    tstamp: r.tstamp
  }
  return { key: levelKey(value.InvtID, value.SiteID), value }
}
