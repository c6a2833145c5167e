// Pure: a row of GET /api/Customer (trimmed) → a customers.changes record.
import type { SlCustomer } from '../../../domain/customers.ts'
import { poison } from '../../../lib/errors.ts'

const TEXT = [
  'CustId', 'Name', 'Addr1', 'Addr2', 'City', 'State', 'Zip', 'Country', 'Phone', 'EMailAddr', 'ClassId', 'CuryId',
  'Terms', 'TaxID00', 'Status'
] as const

export function toCustomer (r: Record<string, unknown>): { key: string, value: SlCustomer } {
  const bad = TEXT.filter((k) => typeof r[k] !== 'string')
  if (bad.length > 0 || r.CustId === '') {
    throw poison('INVALID_CUSTOMER',
      `customer ${String(r.CustId)}: ${bad.length > 0 ? `${bad.join(', ')} must be text` : 'CustId is empty'}`)
  }
  if (typeof r.tstamp !== 'number') {
    throw poison('INVALID_CUSTOMER', `customer ${String(r.CustId)}: tstamp must be a number`)
  }
  const updated = typeof r.LUpd_DateTime === 'string' ? Date.parse(r.LUpd_DateTime) : NaN
  const value = {
    ...Object.fromEntries(TEXT.map((k) => [k, r[k] as string])),
    LUpd_DateTime: Number.isNaN(updated) ? 0 : updated,
    tstamp: r.tstamp
  } as SlCustomer
  return { key: value.CustId, value }
}
