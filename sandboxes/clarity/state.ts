// The Clarity sandbox's entities, with Clarity's JSON field names (contracts/clarity.md).
import { SITES, seedCatalogue } from '../common/catalogue.ts'

export interface Address {
  Company: string | null, Street1: string, Street2: string | null, Street3: string | null, City: string,
  RegionCode: string | null, CountryCode: string, PostalCode: string | null
}
export interface Contact {
  FirstName: string | null, LastName: string | null, Email1: string | null, Phone1: string | null, Address: Address
}
export interface SalesItem {
  ID: number, Sku: string, ProductKey: string | null, Name: string, Quantity: number, UnitOfMeasure: string | null,
  UnitCorePrice: number, UnitSoldPrice: number, ExtendedTaxAmount: number, ProductTaxCode: string | null,
  Discounts: Array<{ Code: string, Value: number }>
}
export interface Shipment {
  ShipmentKey: string, TrackingNumber: string, Carrier: string, ShipDate: string,
  Items: Array<{ Sku: string, Quantity: number }>
}

export type PaymentStatus = 'Authorized' | 'Payment Received' | 'Refunded' | 'Voided'
/** A payment as its order carries it in `Payments`. */
export interface OrderPayment {
  ID: number, Amount: number, StatusKey: PaymentStatus, TransactionNumber: string, CardTypeKey: string,
  /** Null while only authorised: nothing was received yet. */
  ReceivedDate: string | null
  /**
   * What was refunded of it so far, once anything was (absent before, so payments never refunded
   * keep the contract's shape). A partly refunded payment stays 'Payment Received'; all of it, 'Refunded'.
   */
  RefundedAmount?: number
}
/** One card refund of a payment, under the processor's own id, for the return it pays back. */
export interface PaymentRefund {
  TransactionNumber: string, Amount: number, RefundedDate: string, SalesReturnID: number
}
/** The same payment as `/Payments/*` answers it: an entity of its own, with its order and currency. */
export interface Payment extends OrderPayment {
  CustomKey: string | null, CreatedDate: string, UpdatedDate: string, Active: boolean, Hash: string | null,
  SalesOrderID: number, CurrencyKey: string
  /** The refunds made of it, oldest first; absent until the first. */
  Refunds?: PaymentRefund[]
}

/** A line of a payout: a capture it pays out, or a refund it takes back. */
export interface PayoutTransaction {
  TransactionNumber: string, Kind: 'capture' | 'refund', Amount: number, Fee: number
}
/** What Clarity's payment hub settled into the merchant's bank for one currency and business day. */
export interface Payout {
  ID: number, CustomKey: string | null, CreatedDate: string, UpdatedDate: string, Active: boolean, Hash: string | null,
  /** Midnight UTC of the business day paid out. */
  PayoutDate: string, CurrencyKey: string,
  GrossAmount: number, FeeAmount: number, RefundAmount: number, NetAmount: number,
  Transactions: PayoutTransaction[]
}
/** The card fee on a capture: `percent` of it plus `fixed`, in the capture's currency. */
export interface PayoutFee { percent: number, fixed: number }

export interface SalesOrder {
  ID: number, CustomKey: string | null, CreatedDate: string, UpdatedDate: string, Active: boolean, Hash: string | null,
  StatusKey: string, TypeKey: string, AccountID: number | null, AccountKey: string | null,
  UserContactEmail: string | null, PurchaseOrderNumber: string, SellingCurrencyKey: string,
  Totals: {
    SubTotal: number, Shipping: number, Handling: number, Fees: number, Discounts: number, Tax: number, Total: number
  },
  BillingContact: Contact, ShippingContact: Contact, SalesItems: SalesItem[],
  Discounts: Array<{ Code: string, Value: number }>,
  Payments: OrderPayment[],
  ShippingMethodKey: string | null,
  /** Set by Confirm: SL's order number. */
  ErpOrderNumber: string | null
  HoldReason: string | null
  Shipments: Shipment[]
}

export interface Product {
  ID: number, CustomKey: string, CreatedDate: string, UpdatedDate: string, Active: boolean, Hash: string | null,
  Name: string, ShortDescription: string | null, Description: string | null, PriceBase: number,
  PriceSale: number | null, IsVisible: boolean, IsDiscontinued: boolean, Weight: number | null,
  UnitOfMeasure: string | null, TaxCode: string | null, StockQuantity: number
}

export interface StockRow {
  ProductKey: string, LocationKey: string, Quantity: number, QuantityAllocated: number, UpdatedDate: string
}

export interface Account {
  ID: number, CustomKey: string | null, CreatedDate: string, UpdatedDate: string, Active: boolean, Hash: string | null,
  Name: string, IsTaxable: boolean, TaxExemptionNo: string | null, CreditCurrencyKey: string,
  PrimaryContact: {
    FirstName: string | null, LastName: string | null, Email1: string | null, Phone1: string | null,
    Address: Address | null
  }
}

export type ReturnStatus = 'Requested' | 'Approved' | 'Received' | 'Refunded' | 'Rejected'
export interface ReturnItem { Sku: string, Quantity: number, ReasonKey: string, RestockingFeeAmount: number }
export interface SalesReturn {
  ID: number, CustomKey: string | null, CreatedDate: string, UpdatedDate: string, Active: boolean, Hash: string | null,
  SalesOrderID: number, StatusKey: ReturnStatus,
  /** What the shopper gets back: the lines at their sold price and their share of the order's tax, less fees. */
  RefundAmount: number,
  /** The processor's id of the card refund; null until Refunded. */
  RefundTransactionNumber: string | null,
  /** The ERP's RMA number, from Confirm or Receive; null until then. */
  ErpReference: string | null,
  SalesItems: ReturnItem[]
}

export interface WebhookEvent { id: string, type: string, createdAt: string, data: unknown }
export interface Delivery {
  event: WebhookEvent, url: string, attempts: number, nextAt: number, lastStatus: number | string | null
}

export interface ClaritySettings {
  tokenTtlSec: number
  /** 0..1 of webhook deliveries sent twice. */
  webhookDuplicateRate: number
  /** 0..1 of events never sent to any endpoint: only polling finds them. */
  webhookDropRate: number
  /** Deliver events with random delays so they arrive out of order. */
  webhookReorder: boolean
  webhookMaxAttempts: number
  webhookTimeoutMs: number
  /** Per currency; a currency without an entry pays no fee. */
  payoutFees: Record<string, PayoutFee>
  /** Pay out the previous UTC day once a day, after payoutsHourUtc. */
  payoutsAuto: boolean
  payoutsHourUtc: number
  /** Approve a return as it is asked for (the merchant's back office otherwise: /sandbox/returns/:id/approve). */
  returnsAutoApprove: boolean
  /** Refund the card as soon as the ERP has received the goods (otherwise: /sandbox/returns/:id/refund). */
  returnsAutoRefund: boolean
  /** ReasonKey → the share (0..1) of a returned line's price kept as a restocking fee; other reasons pay none. */
  returnRestockingRates: Record<string, number>
  /** 0..1 of the demo load's orders a shopper returns a line of once they shipped. */
  returnShare: number
}

export interface ClarityState {
  version: 1
  nextId: Record<'order' | 'product' | 'account' | 'return' | 'payment' | 'payout' | 'event' | 'refund', number>
  orders: Record<string, SalesOrder>
  products: Record<string, Product>
  stock: Record<string, StockRow>
  locations: string[]
  accounts: Record<string, Account>
  returns: Record<string, SalesReturn>
  payments: Record<string, Payment>
  payouts: Record<string, Payout>
  /**
   * Payment ID → the payout that paid out its capture, or took back its refund; never on the API.
   * A refund recorded in a payment's `Refunds` is keyed by its TransactionNumber (never a number).
   */
  paidOut: { capture: Record<string, number>, refund: Record<string, number> }
  webhookUrls: string[]
  /** Deliveries not yet acknowledged with a 2xx. */
  outbox: Delivery[]
  delivered: number
  abandoned: number
  /** Events not sent on purpose (webhookDropRate). */
  dropped: number
  settings: ClaritySettings
}

/** The counters a new state starts from (products start after the seed catalogue). */
export const seedNextId = { order: 100044, account: 813, return: 300, payment: 76, payout: 1100, event: 0, refund: 0 }

export const stockKey = (productKey: string, location: string): string => `${productKey}|${location}`

export const defaultClaritySettings = (): ClaritySettings => ({
  tokenTtlSec: 300, webhookDuplicateRate: 0, webhookDropRate: 0, webhookReorder: false, webhookMaxAttempts: 12,
  webhookTimeoutMs: 10000,
  payoutFees: {
    USD: { percent: 2.9, fixed: 0.3 }, EUR: { percent: 1.4, fixed: 0.25 }, GBP: { percent: 1.5, fixed: 0.2 },
    CAD: { percent: 2.9, fixed: 0.3 }
  },
  payoutsAuto: false,
  payoutsHourUtc: 2,
  returnsAutoApprove: true,
  returnsAutoRefund: true,
  returnRestockingRates: { 'Changed mind': 0.15 },
  returnShare: 0
})

export function seedClarity (now = new Date(), settings = defaultClaritySettings(), extraItems = 0): ClarityState {
  const iso = now.toISOString()
  const products: ClarityState['products'] = {}
  const stock: ClarityState['stock'] = {}
  let id = 5000
  for (const it of seedCatalogue(42, extraItems)) {
    // What the store displays starts as what SL had at the last (manual) sync.
    for (const s of SITES) {
      stock[stockKey(it.sku, s.SiteID)] = {
        ProductKey: it.sku, LocationKey: s.SiteID, Quantity: it.onHand[s.SiteID] ?? 0, QuantityAllocated: 0,
        UpdatedDate: iso
      }
    }
    products[String(++id)] = {
      ID: id, CustomKey: it.sku, CreatedDate: iso, UpdatedDate: iso, Active: true, Hash: null, Name: it.Descr,
      ShortDescription: it.Descr, Description: null, PriceBase: it.StkBasePrc, PriceSale: null,
      IsVisible: it.TranStatusCode === 'AC', IsDiscontinued: it.TranStatusCode === 'IN',
      Weight: it.Weight, UnitOfMeasure: it.StkUnit, TaxCode: it.TaxCat,
      StockQuantity: Object.values(it.onHand).reduce((a, b) => a + b, 0)
    }
  }
  const address = (Street1: string, City: string, RegionCode: string, PostalCode: string): Address =>
    ({ Company: null, Street1, Street2: null, Street3: null, City, RegionCode, CountryCode: 'US', PostalCode })
  const accounts: ClarityState['accounts'] = {
    812: {
      ID: 812, CustomKey: 'C000123', CreatedDate: iso, UpdatedDate: iso, Active: true, Hash: null, Name: 'Ana Núñez',
      IsTaxable: true, TaxExemptionNo: null, CreditCurrencyKey: 'USD',
      PrimaryContact: {
        FirstName: 'Ana', LastName: 'Núñez', Email1: 'ana@example.com', Phone1: '+1 512 555 0100',
        Address: address('500 Congress Ave', 'Austin', 'TX', '78701')
      }
    },
    813: {
      ID: 813, CustomKey: null, CreatedDate: iso, UpdatedDate: iso, Active: true, Hash: null, Name: 'Kofi Mensah',
      IsTaxable: true, TaxExemptionNo: null, CreditCurrencyKey: 'USD',
      PrimaryContact: {
        FirstName: 'Kofi', LastName: 'Mensah', Email1: 'kofi.mensah@example.com', Phone1: null,
        Address: address('12 Harbor Rd', 'Newark', 'NJ', '07102')
      }
    }
  }
  return {
    version: 1,
    nextId: { ...seedNextId, product: id },
    orders: {},
    products,
    stock,
    locations: SITES.map((s) => s.SiteID),
    accounts,
    returns: {},
    payments: {},
    payouts: {},
    paidOut: { capture: {}, refund: {} },
    webhookUrls: [],
    outbox: [],
    delivered: 0,
    abandoned: 0,
    dropped: 0,
    settings
  }
}
