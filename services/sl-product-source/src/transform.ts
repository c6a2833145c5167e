// Pure: a row of GET /api/Product (trimmed) → a products.changes record.
import { poison } from '../../../lib/errors.ts'
import type { Item } from '../../../domain/records.ts'

type Row = Record<string, unknown>
const STATUS = ['AC', 'IN', 'NP', 'OH']

export function toItem (r: Row): { key: string, value: Item } {
  const id = String(r.InvtID)
  const text = (k: string, required = false): string => {
    if (typeof r[k] !== 'string' || (required && r[k] === '')) {
      throw poison('INVALID_ITEM', `item ${id}: ${k} must be text`)
    }
    return r[k] as string
  }
  const amount = (k: string): string => {
    if (typeof r[k] !== 'number' || !Number.isFinite(r[k]) || (r[k] as number) < 0) {
      throw poison('INVALID_ITEM', `item ${id}: ${k} must be a number >= 0`)
    }
    return (r[k] as number).toFixed(4)
  }
  if (typeof r.tstamp !== 'number') throw poison('INVALID_ITEM', `item ${id}: tstamp must be a number`)
  const status = text('TranStatusCode')
  if (!STATUS.includes(status)) {
    throw poison('INVALID_ITEM', `item ${id}: TranStatusCode ${status} is not one of ${STATUS.join(', ')}`)
  }
  const updated = typeof r.LUpd_DateTime === 'string' ? Date.parse(r.LUpd_DateTime) : NaN
  const value: Item = {
    InvtID: text('InvtID', true), Descr: text('Descr'), ClassID: text('ClassID'), TranStatusCode: status,
    StkUnit: text('StkUnit'), StkBasePrc: amount('StkBasePrc'), StdCost: amount('StdCost'),
    // The contract marks Weight optional: absent or zero is "not known", not a weightless item.
    Weight: r.Weight === undefined || r.Weight === null || r.Weight === 0 ? null : amount('Weight'),
    TaxCat: text('TaxCat'), LUpd_DateTime: Number.isNaN(updated) ? 0 : updated, tstamp: r.tstamp
  }
  return { key: value.InvtID, value }
}
