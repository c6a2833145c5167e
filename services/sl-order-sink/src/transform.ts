// Pure: a mapped order → the body of POST /api/SalesOrder. SL's JSON carries money
// as numbers rounded to the currency's decimals; the pipeline carried exact decimals.
import { personalValues, scrub } from '../../../domain/personal.ts'
import type { MappedOrder } from '../../../domain/records.ts'

export type { MappedOrder }

/**
 * SL's words refusing the order, without the order's names and addresses: they become the
 * hold reason Clarity shows and the dead letter's reason, and SL may quote what it refused.
 */
export const refusal = (m: MappedOrder, said: string): string => scrub(said, personalValues(m))

// One literal, field by field as the contract lists them: built once per order sent.
export function slOrderBody (m: MappedOrder): Record<string, unknown> {
  return {
    SOTypeID: m.SOTypeID, CustID: m.CustID, CustOrdNbr: m.CustOrdNbr, CuryID: m.CuryID,
    CuryMultDiv: m.CuryMultDiv, ShipViaID: m.ShipViaID,
    ShipName: m.ShipName, ShipAddr1: m.ShipAddr1, ShipAddr2: m.ShipAddr2, ShipCity: m.ShipCity, ShipState: m.ShipState,
    ShipZip: m.ShipZip, ShipCountry: m.ShipCountry,
    BillName: m.BillName, BillAddr1: m.BillAddr1, BillAddr2: m.BillAddr2, BillCity: m.BillCity, BillState: m.BillState,
    BillZip: m.BillZip, BillCountry: m.BillCountry,
    TaxID00: m.TaxID00, ProjectID: m.ProjectID, SlsperID: m.SlsperID, User1: m.User1,
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
