// The SL sandbox's tables, named and shaped after SL's own. Every row carries a
// tstamp from one increasing counter (SQL Server's rowversion); change feeds read it.
import { SITES, seedCatalogue } from '../common/catalogue.ts'
import { prng } from '../common/money.ts'
import { newDatabaseId } from './database.ts'

export interface SOLine {
  LineRef: string, InvtID: string, SiteID: string, QtyOrd: number, QtyAlloc: number, QtyBO: number, QtyShip: number,
  CurySlsPrice: number, DiscPct: number, UnitDesc: string, TaxCat: string, Descr: string
}

/** Where SL's Process Manager has got with an order (the sandbox's own bookkeeping). */
export type Stage = 'new' | 'allocated' | 'shipper' | 'confirmed' | 'invoiced' | 'backordered' | 'cancelled'
  /** A return authorisation waiting for its goods, then received and waiting for its credit memo. */
  | 'rma' | 'received'

export interface SOHeader {
  OrdNbr: string, SOTypeID: string, CustID: string, CustOrdNbr: string, OrdDate: string,
  CuryID: string, CuryRate: number, CuryMultDiv: string, ShipViaID: string,
  ShipName: string, ShipAddr1: string, ShipAddr2: string, ShipCity: string, ShipState: string, ShipZip: string,
  ShipCountry: string,
  BillName: string, BillAddr1: string, BillAddr2: string, BillCity: string, BillState: string, BillZip: string,
  BillCountry: string,
  CuryTotFrt: number, CuryTotTax: number, TaxID00: string, CuryWholeOrdDisc: number, CuryTotOrd: number,
  ProjectID: string, SlsperID: string, User1: string, OrigOrdNbr: string,
  Status: 'O' | 'C', Cancelled: 0 | 1, CreditHold: 0 | 1, NextFunctionID: string, InvcNbr: string,
  Crtd_DateTime: string, LUpd_DateTime: string, tstamp: number,
  Lines: SOLine[]
  stage: Stage
  dueAt: number
}

export interface ShipLine { LineRef: string, OrdLineRef: string, InvtID: string, SiteID: string, QtyShip: number }

/**
 * A shipper (SOTypeID SO), or the receiver of a return authorisation (SOTypeID RMA): the same
 * table and numbering, confirmed as it is created. Rows saved before SOTypeID existed are shippers.
 */
export interface SOShipHeader {
  ShipperID: string, SOTypeID: string, OrdNbr: string, CustOrdNbr: string, CustID: string, Status: 'O' | 'C',
  ShipDateAct: string, ShipViaID: string, TrackingNbr: string, ShippingConfirmed: 0 | 1, Cancelled: 0 | 1,
  InvcNbr: string, InvcDate: string, CuryTotInvc: number, Lines: ShipLine[], tstamp: number
}

export interface Inventory {
  InvtID: string, Descr: string, ClassID: string, TranStatusCode: string, StkUnit: string, StkBasePrc: number,
  StdCost: number, Weight: number, TaxCat: string, LUpd_DateTime: string, tstamp: number
}

export interface ItemSite {
  InvtID: string, SiteID: string, QtyOnHand: number, QtyAvail: number, QtyAlloc: number, QtyShipNotInv: number,
  QtyOnPO: number, LUpd_DateTime: string, tstamp: number
}

export interface ShipTo {
  ShipToId: string, Name: string, Addr1: string, Addr2: string, City: string, State: string, Zip: string,
  Country: string, Phone: string
}

export interface Customer {
  CustId: string, Name: string, Addr1: string, Addr2: string, City: string, State: string, Zip: string, Country: string,
  Phone: string, EMailAddr: string, ClassId: string, CuryId: string, Terms: string, TaxID00: string, Status: 'A' | 'I',
  ShipTo: ShipTo[], LUpd_DateTime: string, tstamp: number
}

export interface GLTran {
  LineNbr: number, Acct: string, Sub: string, DrAmt: number, CrAmt: number, TranDesc: string, RefNbr: string,
  ExtRefNbr: string, TranDate: string
}
export interface Batch {
  BatNbr: string, Module: 'GL', JrnlType: string, PerPost: string, Descr: string, CuryId: string, CtrlTot: number,
  Status: 'B', Crtd_DateTime: string, tstamp: number, Lines: GLTran[]
}

/**
 * A receivables document. Cury… amounts are in the document's currency; OrigDocAmt and
 * DocBal in the base currency, at the document's own rate (CuryRate, CuryMultDiv: M
 * multiplies to reach base, D divides).
 */
export interface ARDoc {
  RefNbr: string, DocType: 'IN' | 'PA' | 'PP' | 'CM' | 'RF', CustId: string, DocDate: string, CuryId: string,
  CuryRate: number, CuryMultDiv: 'M' | 'D', CuryOrigDocAmt: number, CuryDocBal: number, OrigDocAmt: number,
  DocBal: number, PmtMethod: string, ExtRefNbr: string, InvcNbr: string, Descr: string, tstamp: number
}
/** One application: the adjusting document (a credit: PA, PP, CM) settles the adjusted one (a debit: IN, RF). */
export interface ARAdjust {
  CustId: string, AdjgRefNbr: string, AdjgDocType: string, AdjdRefNbr: string, AdjdDocType: string,
  CuryAdjgAmt: number, DateAppl: string
}

export interface Stats {
  ordersCreated: number
  /** Order lines SL could not fully allocate: what the store sold was already gone. */
  oversoldLines: number
  oversoldQty: number
  /** Stock taken by other sales channels (counter sales, adjustments) and put back by receipts. */
  otherChannelQty: number
  receiptsQty: number
}

export interface Settings {
  allocateAfterMs: number
  shipAfterMs: number
  confirmAfterMs: number
  invoiceAfterMs: number
  /** A return authorisation created → its goods received (invoicing the receipt then takes invoiceAfterMs). */
  rmaReceiveAfterMs: number
  /** The warehouse ships open orders on its own. */
  autoShip: boolean
  /** Units per second other channels take from stock (0 = none). */
  otherChannelsPerSec: number
}

export interface SlState {
  version: 1
  /** Identifies the database (GET /api/Status); another one after a move. */
  DatabaseId: string
  /** The last rowversion handed out (@@DBTS). */
  tstamp: number
  baseCuryId: string
  soTypes: Record<string, { SOTypeID: string, Descr: string, Prefix: string, LastNbr: number }>
  lastShipperNbr: number
  lastBatNbr: number
  lastArRefNbr: number
  orders: Record<string, SOHeader>
  shippers: Record<string, SOShipHeader>
  items: Record<string, Inventory>
  itemSites: Record<string, ItemSite>
  sites: Record<string, { SiteID: string, Name: string }>
  customers: Record<string, Customer>
  currencies: Record<string, { CuryId: string, Descr: string, DecPl: number }>
  rates: Record<string, { FromCuryId: string, ToCuryId: string, Rate: number, MultDiv: 'M' | 'D' }>
  accounts: Record<string, { Acct: string, Descr: string, AcctType: string, Active: boolean }>
  subaccounts: Record<string, { Sub: string, Descr: string, Active: boolean }>
  /** The period SL posts to by default (GLSetup's current period); always one of openPeriods. */
  currentPeriod: string
  openPeriods: string[]
  shipVia: Record<string, { ShipViaID: string, Descr: string }>
  taxIds: Record<string, { TaxID: string, Descr: string, RatePct: number }>
  batches: Record<string, Batch>
  arDocs: Record<string, ARDoc>
  arAdjust: ARAdjust[]
  stats: Stats
  settings: Settings
}

export const itemSiteKey = (invtId: string, siteId: string): string => `${invtId}|${siteId}`

export const defaultSettings = (): Settings => ({
  allocateAfterMs: 1000, shipAfterMs: 3000, confirmAfterMs: 2000, invoiceAfterMs: 2000, rmaReceiveAfterMs: 5000,
  autoShip: true, otherChannelsPerSec: 0
})

export function period (d: Date): string {
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}

const firstNames = [
  'Ana', 'Björn', 'Chen', 'Dana', 'Émile', 'Farah', 'Greg', 'Hana', 'Ivan', 'José', 'Kofi', 'Lena', 'Mateo', 'Nia',
  'Omar', 'Priya'
]
const lastNames = [
  'Núñez', 'Ødegård', 'Wang', 'Miller', 'Durand', 'Haddad', 'Olsen', 'Sato', 'Petrov', 'García', 'Mensah', 'Fischer',
  'Rossi', 'Okafor', 'Aziz', 'Iyer'
]
const cities: Array<[string, string, string]> = [
  ['Austin', 'TX', '78701'], ['Dallas', 'TX', '75201'], ['Newark', 'NJ', '07102'], ['Reno', 'NV', '89501'],
  ['Denver', 'CO', '80202'], ['Sacramento', 'CA', '95814'], ['Albany', 'NY', '12207']
]

/** Forty web customers, then C000123 and the guest checkout account, each with the next tstamp. */
function seedCustomers (iso: string, next: () => number): SlState['customers'] {
  const customers: SlState['customers'] = {}
  for (let i = 0; i < 40; i++) {
    const [city, state, zip] = cities[i % cities.length]!
    const first = firstNames[i % firstNames.length]!
    const last = lastNames[(i * 7) % lastNames.length]!
    const CustId = `C${String(100 + i).padStart(6, '0')}`
    customers[CustId] = {
      CustId, Name: `${first} ${last}`, Addr1: `${100 + i * 3} Main St`, Addr2: '', City: city, State: state, Zip: zip,
      Country: 'USA', Phone: `+1 512 555 ${String(1000 + i)}`,
      EMailAddr: `${first.toLowerCase()}.${i}@example.com`.normalize('NFD').replace(/[\u0300-\u036f]/g, ''),
      ClassId: 'WEB', CuryId: 'USD', Terms: '30', TaxID00: state === 'TX' ? 'TXSTATE' : '', Status: 'A', ShipTo: [],
      LUpd_DateTime: iso, tstamp: next()
    }
  }
  customers.C000123 = {
    ...customers.C000100!, CustId: 'C000123', Name: 'Ana Núñez', EMailAddr: 'ana@example.com', tstamp: next()
  }
  customers.WEBGUEST = {
    CustId: 'WEBGUEST', Name: 'Web store guest checkout', Addr1: '500 Congress Ave', Addr2: '', City: 'Austin',
    State: 'TX', Zip: '78701', Country: 'USA', Phone: '', EMailAddr: '', ClassId: 'WEB', CuryId: 'USD', Terms: '00',
    TaxID00: '', Status: 'A', ShipTo: [], LUpd_DateTime: iso, tstamp: next()
  }
  return customers
}

export function seedState (
  now = new Date(), settings: Settings = defaultSettings(), extraItems = 0, DatabaseId = newDatabaseId()
): SlState {
  let tstamp = 1000
  const next = (): number => ++tstamp
  const iso = now.toISOString()
  const rand = prng(7)
  const items: SlState['items'] = {}
  const itemSites: SlState['itemSites'] = {}
  for (const it of seedCatalogue(42, extraItems)) {
    items[it.InvtID] = {
      InvtID: it.InvtID, Descr: it.Descr, ClassID: it.ClassID, TranStatusCode: it.TranStatusCode, StkUnit: it.StkUnit,
      StkBasePrc: it.StkBasePrc, StdCost: it.StdCost, Weight: it.Weight, TaxCat: it.TaxCat, LUpd_DateTime: iso,
      tstamp: next()
    }
    for (const s of SITES) {
      const q = it.onHand[s.SiteID] ?? 0
      itemSites[itemSiteKey(it.InvtID, s.SiteID)] = {
        InvtID: it.InvtID, SiteID: s.SiteID, QtyOnHand: q, QtyAvail: q, QtyAlloc: 0, QtyShipNotInv: 0,
        QtyOnPO: Math.floor(rand() * 3) * 100, LUpd_DateTime: iso, tstamp: next()
      }
    }
  }
  const customers = seedCustomers(iso, next)
  const month = (n: number): string => period(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + n, 1)))
  return {
    version: 1,
    DatabaseId,
    tstamp,
    baseCuryId: 'USD',
    soTypes: {
      SO: { SOTypeID: 'SO', Descr: 'Sales order', Prefix: 'SO', LastNbr: 4500 },
      RMA: { SOTypeID: 'RMA', Descr: 'Return authorisation', Prefix: 'RMA', LastNbr: 120 }
    },
    lastShipperNbr: 880,
    lastBatNbr: 1233,
    lastArRefNbr: 52000,
    orders: {},
    shippers: {},
    items,
    itemSites,
    sites: Object.fromEntries(SITES.map((s) => [s.SiteID, { ...s }])),
    customers,
    currencies: {
      USD: { CuryId: 'USD', Descr: 'US dollar', DecPl: 2 },
      EUR: { CuryId: 'EUR', Descr: 'Euro', DecPl: 2 },
      GBP: { CuryId: 'GBP', Descr: 'Pound sterling', DecPl: 2 },
      CAD: { CuryId: 'CAD', Descr: 'Canadian dollar', DecPl: 2 }
    },
    rates: {
      EUR: { FromCuryId: 'EUR', ToCuryId: 'USD', Rate: 1.0832, MultDiv: 'M' },
      GBP: { FromCuryId: 'GBP', ToCuryId: 'USD', Rate: 1.271, MultDiv: 'M' },
      CAD: { FromCuryId: 'CAD', ToCuryId: 'USD', Rate: 0.738, MultDiv: 'M' }
    },
    accounts: Object.fromEntries(([
      ['1010', 'Operating cash', 'A', true], ['1200', 'Accounts receivable', 'A', true],
      ['1205', 'Card clearing', 'A', true], ['2300', 'Sales tax payable', 'L', true], ['4000', 'Sales', 'I', true],
      ['4010', 'Freight income', 'I', true], ['4900', 'Sales returns', 'I', true],
      ['6110', 'Card processing fees', 'E', true], ['1999', 'Old suspense (inactive)', 'A', false]
    ] as const).map(([Acct, Descr, AcctType, Active]) => [Acct, { Acct, Descr, AcctType, Active }])),
    subaccounts: {
      '00-000-000': { Sub: '00-000-000', Descr: 'Company', Active: true },
      '01-100-000': { Sub: '01-100-000', Descr: 'Web store', Active: true },
      '99-999-999': { Sub: '99-999-999', Descr: 'Closed division (inactive)', Active: false }
    },
    // Last month stays open for what settles late; next month is open for what arrives early.
    currentPeriod: month(0),
    openPeriods: [month(-1), month(0), month(1)],
    shipVia: Object.fromEntries(['UPSGROUND', 'UPS2DAY', 'FEDEXGRND', 'FEDEX2DAY', 'USPSPRI', 'PICKUP']
      .map((s) => [s, { ShipViaID: s, Descr: s }])),
    taxIds: Object.fromEntries([
      ['TXSTATE', 'Texas state tax', 8.25], ['CASTATE', 'California state tax', 7.25],
      ['NYSTATE', 'New York state tax', 4], ['NJSTATE', 'New Jersey state tax', 6.625],
      ['NVSTATE', 'Nevada state tax', 6.85], ['EXEMPT', 'Tax exempt', 0],
      ['VATEU', 'EU VAT (reverse charge)', 0], ['VATUK', 'UK VAT', 20], ['GSTCA', 'Canada GST', 5]
    ].map(([TaxID, Descr, RatePct]) =>
      [TaxID as string, { TaxID: TaxID as string, Descr: Descr as string, RatePct: RatePct as number }])),
    batches: {},
    arDocs: {},
    arAdjust: [],
    stats: { ordersCreated: 0, oversoldLines: 0, oversoldQty: 0, otherChannelQty: 0, receiptsQty: 0 },
    settings
  }
}
