// Pure: a mapped order → the body of POST /api/SalesOrder. SL's JSON carries money
// as numbers rounded to the currency's decimals; the pipeline carried exact decimals.
import type { MappedOrder } from '../../../lib/records.ts'

export type { MappedOrder }

export const CREATE_FIELDS = ['SOTypeID', 'CustID', 'CustOrdNbr', 'CuryID', 'CuryMultDiv', 'ShipViaID',
  'ShipName', 'ShipAddr1', 'ShipAddr2', 'ShipCity', 'ShipState', 'ShipZip', 'ShipCountry',
  'BillName', 'BillAddr1', 'BillAddr2', 'BillCity', 'BillState', 'BillZip', 'BillCountry', 'TaxID00', 'ProjectID', 'SlsperID', 'User1'] as const

export function slOrderBody (m: MappedOrder): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const k of CREATE_FIELDS) body[k] = m[k]
  return {
    ...body,
    OrdDate: new Date(m.OrdDate).toISOString(),
    CuryRate: Number(m.CuryRate),
    CuryTotFrt: Number(m.CuryTotFrt),
    CuryTotTax: Number(m.CuryTotTax),
    CuryWholeOrdDisc: Number(m.CuryWholeOrdDisc),
    Lines: m.Lines.map((l) => ({
      InvtID: l.InvtID, SiteID: l.SiteID, QtyOrd: Number(l.QtyOrd), CurySlsPrice: Number(l.CurySlsPrice),
      DiscPct: Number(l.DiscPct), UnitDesc: l.UnitDesc, TaxCat: l.TaxCat, Descr: l.Descr
    }))
  }
}
