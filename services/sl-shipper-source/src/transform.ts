// Pure: a row of GET /api/Shipper (trimmed) → a shipments.changes record.
import { poison } from '../../../lib/errors.ts'
import type { Shipment } from '../../../domain/records.ts'

const EMPTY_DATE = Date.parse('1900-01-01T00:00:00Z')
type Row = Record<string, unknown>

const time = (v: unknown): number | null => {
  const t = typeof v === 'string' ? Date.parse(v) : NaN
  return Number.isNaN(t) || t === EMPTY_DATE ? null : t
}
// `who` names the shipper (and the line): a line's own fields do not say which shipper it is on.
const text = (r: Row, k: string, who = `shipper ${String(r.ShipperID)}: `): string => {
  if (typeof r[k] !== 'string') throw poison('INVALID_SHIPPER', `${who}${k} must be text`)
  return r[k] as string
}
const qty = (v: unknown, what: string): string => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw poison('INVALID_SHIPPER', `${what} must be a number`)
  return v.toFixed(4)
}

export function toShipment (r: Row): Shipment {
  if (!Array.isArray(r.Lines)) throw poison('INVALID_SHIPPER', `shipper ${String(r.ShipperID)}: Lines must be a list`)
  if (typeof r.tstamp !== 'number') {
    throw poison('INVALID_SHIPPER', `shipper ${String(r.ShipperID)}: tstamp must be a number`)
  }
  const invoiced = typeof r.InvcNbr === 'string' && r.InvcNbr !== ''
  const who = `shipper ${String(r.ShipperID)}: `
  return {
    ShipperID: text(r, 'ShipperID'), OrdNbr: text(r, 'OrdNbr'),
    // The contract names the type on a receiver only: a shipper without one is a sales order's.
    SOTypeID: r.SOTypeID === undefined || r.SOTypeID === null ? 'SO' : text(r, 'SOTypeID'),
    CustOrdNbr: text(r, 'CustOrdNbr'),
    CustID: text(r, 'CustID'), Status: text(r, 'Status'),
    ShipDateAct: time(r.ShipDateAct), ShipViaID: text(r, 'ShipViaID'), TrackingNbr: text(r, 'TrackingNbr'),
    ShippingConfirmed: r.ShippingConfirmed === 1, Cancelled: r.Cancelled === 1,
    InvcNbr: invoiced ? r.InvcNbr as string : null, InvcDate: time(r.InvcDate),
    CuryTotInvc: invoiced ? qty(r.CuryTotInvc, `${who}CuryTotInvc`) : null,
    Lines: (r.Lines as Row[]).map((l, i) => ({
      LineRef: text(l, 'LineRef', `${who}Lines[${i}].`), OrdLineRef: text(l, 'OrdLineRef', `${who}Lines[${i}].`),
      InvtID: text(l, 'InvtID', `${who}Lines[${i}].`), SiteID: text(l, 'SiteID', `${who}Lines[${i}].`),
      QtyShip: qty(l.QtyShip, `${who}Lines[${i}].QtyShip`)
    })),
    tstamp: r.tstamp
  }
}
