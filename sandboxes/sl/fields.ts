// SL's char(n) fields, per entity, from SL's SQL schema as the contract lists them.
// Over-length input is rejected, never truncated; output comes back space-padded.

export type Lengths = Readonly<Record<string, number>>

const address = { Name: 60, Addr1: 60, Addr2: 60, City: 30, State: 3, Zip: 10, Country: 3, Phone: 30 }

export const lengths = {
  order: {
    CpnyID: 10, OrdNbr: 15, SOTypeID: 4, CustID: 15, CustOrdNbr: 25, ShipViaID: 15, ShiptoID: 10, CuryID: 4,
    ShipName: 60, ShipAddr1: 60, ShipAddr2: 60, ShipCity: 30, ShipState: 3, ShipZip: 10, ShipCountry: 3,
    BillName: 60, BillAddr1: 60, BillAddr2: 60, BillCity: 30, BillState: 3, BillZip: 10, BillCountry: 3,
    TaxID00: 10, ProjectID: 16, SlsperID: 10, User1: 30, CuryMultDiv: 1, Status: 1, NextFunctionID: 8, InvcNbr: 15,
    OrigOrdNbr: 15
  },
  orderLine: { LineRef: 5, InvtID: 30, SiteID: 10, UnitDesc: 6, TaxCat: 10, Descr: 60 },
  shipper: {
    ShipperID: 15, SOTypeID: 4, OrdNbr: 15, CustOrdNbr: 25, CustID: 15, Status: 1, ShipViaID: 15, TrackingNbr: 25,
    InvcNbr: 15
  },
  shipperLine: { LineRef: 5, OrdLineRef: 5, InvtID: 30, SiteID: 10 },
  itemSite: { InvtID: 30, SiteID: 10 },
  product: { InvtID: 30, Descr: 60, ClassID: 6, TranStatusCode: 2, StkUnit: 6, TaxCat: 10 },
  customer: { CustId: 15, ...address, EMailAddr: 80, ClassId: 6, CuryId: 4, Terms: 2, TaxID00: 10, Status: 1 },
  shipTo: { ShipToId: 10, ...address },
  batch: { BatNbr: 10, Module: 2, JrnlType: 3, PerPost: 6, Descr: 30, CuryId: 4, Status: 1 },
  glTran: { Acct: 10, Sub: 24, TranDesc: 30, RefNbr: 10, ExtRefNbr: 15 },
  arDoc: {
    RefNbr: 10, DocType: 2, CustId: 15, CuryId: 4, CuryMultDiv: 1, PmtMethod: 10, ExtRefNbr: 15, InvcNbr: 15, Descr: 30
  },
  arAdjust: { CustId: 15, AdjgRefNbr: 10, AdjgDocType: 2, AdjdRefNbr: 10, AdjdDocType: 2 },
  applyTo: { InvcNbr: 15, AdjdRefNbr: 10, AdjdDocType: 2 },
  adjustment: { QtyAdjust: 0, ReasonCd: 6 }
} satisfies Record<string, Lengths>

/** Pads every known char field to its length, as SL returns them (arrays of lines included). */
export function pad<T extends object> (row: T, len: Lengths, nested: Record<string, Lengths> = {}): T {
  const out: Record<string, unknown> = { ...(row as Record<string, unknown>) }
  for (const [k, v] of Object.entries(out)) {
    const n = len[k]
    if (typeof v === 'string' && n !== undefined && n > 0) out[k] = v.padEnd(n, ' ')
    const inner = nested[k]
    if (Array.isArray(v) && inner !== undefined) out[k] = v.map((x: object) => pad(x, inner))
  }
  return out as T
}

export const trim = (v: unknown): string => (typeof v === 'string' ? v.trimEnd() : '')
