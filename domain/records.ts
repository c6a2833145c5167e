// TypeScript shapes of the Avro records on the topics (schemas/*.avsc): decimals are
// strings, timestamp-millis are numbers. Shared so services agree without importing each other.

export type Dec = string
export interface ClarityAddress {
  Company: string | null, Street1: string, Street2: string | null, Street3: string | null, City: string
  RegionCode: string | null, CountryCode: string, PostalCode: string | null
}
export interface ClarityContact {
  FirstName: string | null, LastName: string | null, Email1: string | null, Phone1: string | null
  Address: ClarityAddress
}
export interface ClarityOrder {
  ID: number, CreatedDate: number, UpdatedDate: number, StatusKey: string, AccountID: number | null
  AccountKey: string | null, SellingCurrencyKey: string
  Totals: { SubTotal: Dec, Shipping: Dec, Handling: Dec, Fees: Dec, Discounts: Dec, Tax: Dec, Total: Dec }
  BillingContact: ClarityContact, ShippingContact: ClarityContact
  SalesItems: Array<{
    Sku: string, Name: string, Quantity: Dec, UnitOfMeasure: string | null, UnitSoldPrice: Dec
    ProductTaxCode: string | null
  }>
  ShippingMethodKey: string | null
}
export interface OrderEvent { eventId: string, eventType: string, order: ClarityOrder }

export interface SlLine {
  InvtID: string, SiteID: string, QtyOrd: Dec, CurySlsPrice: Dec, DiscPct: Dec, UnitDesc: string, TaxCat: string
  Descr: string
}
export interface MappedOrder {
  clarityOrderId: number, clarityEventId: string, cancelled: boolean, mappingVersion: string, flags: string[]
  holdReason: string | null
  SOTypeID: string, CustID: string, CustOrdNbr: string, OrdDate: number, CuryID: string, CuryRate: Dec
  CuryMultDiv: string, ShipViaID: string
  ShipName: string, ShipAddr1: string, ShipAddr2: string, ShipCity: string, ShipState: string, ShipZip: string
  ShipCountry: string
  BillName: string, BillAddr1: string, BillAddr2: string, BillCity: string, BillState: string, BillZip: string
  BillCountry: string
  CuryTotFrt: Dec, CuryTotTax: Dec, TaxID00: string, CuryWholeOrdDisc: Dec, CuryTotOrd: Dec, TotOrdBase: Dec
  BaseCuryID: string
  ProjectID: string, SlsperID: string, User1: string, Lines: SlLine[]
}

export interface OrderStatus {
  clarityOrderId: number, CustOrdNbr: string, status: 'CREATED' | 'HELD' | 'CANCELLED', OrdNbr: string | null
  reason: string | null, at: number
}

export interface Shipment {
  ShipperID: string, OrdNbr: string, SOTypeID: string, CustOrdNbr: string, CustID: string, Status: string,
  ShipDateAct: number | null,
  ShipViaID: string, TrackingNbr: string,
  ShippingConfirmed: boolean, Cancelled: boolean, InvcNbr: string | null, InvcDate: number | null,
  CuryTotInvc: Dec | null,
  Lines: Array<{ LineRef: string, OrdLineRef: string, InvtID: string, SiteID: string, QtyShip: Dec }>, tstamp: number
}

export interface ItemSiteLevel {
  InvtID: string, SiteID: string, QtyOnHand: Dec, QtyAvail: Dec, QtyAlloc: Dec, QtyShipNotInv: Dec, QtyOnPO: Dec,
  LUpd_DateTime: number, tstamp: number
}

export interface Item {
  InvtID: string, Descr: string, ClassID: string, TranStatusCode: string, StkUnit: string, StkBasePrc: Dec,
  StdCost: Dec, Weight: Dec | null,
  TaxCat: string, LUpd_DateTime: number, tstamp: number
}

export interface ClarityPayment {
  ID: number, SalesOrderID: number, Amount: Dec, CurrencyKey: string, StatusKey: string
  TransactionNumber: string | null, CardTypeKey: string | null, ReceivedDate: number | null, UpdatedDate: number
}
export interface PaymentEvent { eventId: string, eventType: string, payment: ClarityPayment }

export interface ClarityPayoutTransaction { TransactionNumber: string | null, Kind: string, Amount: Dec, Fee: Dec }
export interface ClarityPayout {
  ID: number, PayoutDate: number, CurrencyKey: string, GrossAmount: Dec, FeeAmount: Dec, RefundAmount: Dec
  NetAmount: Dec, Transactions: ClarityPayoutTransaction[], UpdatedDate: number
}
export interface PayoutEvent { eventId: string, eventType: string, payout: ClarityPayout }

export interface ClarityReturnItem { Sku: string, Quantity: Dec, ReasonKey: string | null, RestockingFeeAmount: Dec }
export interface ClaritySalesReturn {
  ID: number, SalesOrderID: number, StatusKey: string, RefundAmount: Dec, RefundTransactionNumber: string | null
  ErpReference: string | null, SalesItems: ClarityReturnItem[], UpdatedDate: number
}
export interface ReturnEvent { eventId: string, eventType: string, salesReturn: ClaritySalesReturn }
