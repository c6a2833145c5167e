// The storefront simulator: places an order the way a shopper would. Clarity prices
// it (lines, coupon, shipping, tax), checks the stock it displays, and decrements it.
import { fromMinor, toMinor } from '../common/money.ts'
import { isAmount, paymentOf } from './payments.ts'
import {
  stockKey, type Address, type ClarityState, type OrderPayment, type Product, type SalesOrder
} from './state.ts'

export class StorefrontError extends Error {
  constructor (readonly status: 400 | 409, message: string) { super(message) }
}

export interface StorefrontAddress {
  Street1: string, Street2?: string, City: string, RegionCode?: string, CountryCode: string, PostalCode?: string
}
export interface StorefrontOrder {
  customer: { email: string, firstName: string, lastName: string, accountKey?: string }
  shipTo: StorefrontAddress
  billTo: StorefrontAddress
  currency: string
  lines: Array<{ sku: string, quantity: number }>
  coupon?: string
  shippingMethod?: string
  /** How the total is split over several payments (a gift card and a card, say); one card payment when absent. */
  payments?: Array<{ amount: number, cardType?: string }>
  /** 'later': the payments are only authorised, and captured on request. */
  capture?: 'later'
}

/** Units of the selling currency per USD (the store's price list is in USD). */
export const STORE_RATES: Record<string, number> = { USD: 1, EUR: 1 / 1.0832, GBP: 1 / 1.271, CAD: 1 / 0.738 }
const TAX_RATES: Record<string, number> = {
  'US-TX': 8.25, 'US-CA': 7.25, 'US-NY': 4, 'US-NJ': 6.625, 'US-NV': 6.85, CA: 5, GB: 20
}
const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'NL', 'NO', 'ES', 'IT', 'MX', 'AU']
const SHIPPING = 9.95
const FREE_SHIPPING_FROM = 100
export const COUPONS: Record<string, { kind: 'percent' | 'amount' | 'freeship', value: number }> = {
  WELCOME10: { kind: 'percent', value: 10 },
  SAVE5: { kind: 'amount', value: 5 },
  FREESHIP: { kind: 'freeship', value: 0 }
}
export const SHIPPING_METHODS = ['UPS-GROUND', 'UPS-2DAY', 'FEDEX-GROUND', 'USPS-PRIORITY']
const MAX_PAYMENTS = 10

function checkAddress (a: unknown, which: string): StorefrontAddress {
  const x = (a ?? {}) as Record<string, unknown>
  const str = (k: string): string | undefined =>
    (typeof x[k] === 'string' && (x[k] as string).trim() !== '' ? (x[k] as string).trim() : undefined)
  const problems: string[] = []
  if (str('Street1') === undefined) problems.push('Street1 is required')
  if (str('City') === undefined) problems.push('City is required')
  const country = str('CountryCode')?.toUpperCase()
  if (country === undefined || !COUNTRIES.includes(country)) {
    problems.push(`CountryCode must be one of ${COUNTRIES.join(', ')}`)
  }
  if ((country === 'US' || country === 'CA') && str('RegionCode') === undefined) {
    problems.push('RegionCode is required in the US and Canada')
  }
  if (country === 'US' && !/^\d{5}(-\d{4})?$/.test(str('PostalCode') ?? '')) problems.push('PostalCode must be a US ZIP code')
  if (problems.length > 0) throw new StorefrontError(400, `bad ${which} address: ${problems.join('; ')}`)
  return {
    Street1: str('Street1')!, Street2: str('Street2'), City: str('City')!, RegionCode: str('RegionCode')?.toUpperCase(),
    CountryCode: country!, PostalCode: str('PostalCode')
  }
}

const taxRate = (a: StorefrontAddress): number =>
  TAX_RATES[`${a.CountryCode}-${a.RegionCode ?? ''}`] ?? TAX_RATES[a.CountryCode] ?? 0

export interface Priced {
  lines: Array<{ product: Product, quantity: number, unit: number, ext: number, tax: number }>
  totals: SalesOrder['Totals']
  discount: { Code: string, Value: number } | undefined
}

/** Prices an order in the selling currency, in cents, so lines + shipping + tax − discounts = total exactly. */
export function priceOrder (
  o: Pick<StorefrontOrder, 'currency' | 'coupon'>,
  shipTo: StorefrontAddress,
  lines: Array<{ product: Product, quantity: number }>
): Priced {
  const rate = STORE_RATES[o.currency]
  if (rate === undefined) {
    const sold = Object.keys(STORE_RATES).join(', ')
    throw new StorefrontError(400, `the store does not sell in ${o.currency}; it sells in ${sold}`)
  }
  const coupon = o.coupon === undefined ? undefined : COUPONS[o.coupon.toUpperCase()]
  if (o.coupon !== undefined && coupon === undefined) {
    throw new StorefrontError(400, `coupon ${o.coupon} does not exist`)
  }
  const priced = lines.map((l) => {
    const unit = toMinor(l.product.PriceBase * rate)
    return { product: l.product, quantity: l.quantity, unit, ext: unit * l.quantity, tax: 0 }
  })
  const sub = priced.reduce((n, l) => n + l.ext, 0)
  let disc = 0
  if (coupon?.kind === 'percent') disc = Math.round(sub * coupon.value / 100)
  if (coupon?.kind === 'amount') disc = Math.min(sub, toMinor(coupon.value))
  const freeShipping = coupon?.kind === 'freeship' || sub - disc >= toMinor(FREE_SHIPPING_FROM * rate)
  const ship = freeShipping ? 0 : toMinor(SHIPPING * rate)
  // Tax each taxable line on its amount after its share of the order discount.
  const pct = taxRate(shipTo)
  let discLeft = disc
  priced.forEach((l, i) => {
    const share = i === priced.length - 1 ? discLeft : Math.round(disc * l.ext / Math.max(sub, 1))
    discLeft -= share
    l.tax = l.product.TaxCode === 'NONTAX' ? 0 : Math.round((l.ext - share) * pct / 100)
  })
  const tax = priced.reduce((n, l) => n + l.tax, 0)
  const totals = {
    SubTotal: fromMinor(sub), Shipping: fromMinor(ship), Handling: 0, Fees: 0, Discounts: fromMinor(disc),
    Tax: fromMinor(tax), Total: fromMinor(sub + ship + tax - disc)
  }
  const discount = coupon === undefined ? undefined : { Code: o.coupon!.toUpperCase(), Value: fromMinor(disc) }
  return { lines: priced, totals, discount }
}

type Split = Array<{ minor: number, cardType: string }>

/** The total (in cents) split over the payments asked for; all of it on one card when none are. */
function splitPayments (asked: unknown, total: number): Split {
  if (asked === undefined) return [{ minor: total, cardType: 'VISA' }]
  if (!Array.isArray(asked) || asked.length === 0 || asked.length > MAX_PAYMENTS) {
    throw new StorefrontError(400, `payments is a list of 1 to ${MAX_PAYMENTS} payments`)
  }
  const split = asked.map((p: unknown, i) => {
    const x = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>
    if (!isAmount(x.amount)) {
      throw new StorefrontError(400, `payments[${i}].amount must be a positive amount with at most 2 decimals`)
    }
    const card = x.cardType ?? 'VISA'
    if (typeof card !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(card)) {
      throw new StorefrontError(400, `payments[${i}].cardType is 1 to 32 letters, digits, - or _`)
    }
    return { minor: toMinor(x.amount), cardType: card.toUpperCase() }
  })
  if (split.reduce((n, p) => n + p.minor, 0) !== total) {
    throw new StorefrontError(400, 'payments: the amounts must sum to the order total, to the cent')
  }
  return split
}

/** The order's payments, received now or (capture 'later') only authorised. */
function orderPayments (s: ClarityState, split: Split, later: boolean, order: number, nowMs: number): OrderPayment[] {
  const iso = new Date(nowMs).toISOString()
  return split.map((p, i) => ({
    ID: ++s.nextId.payment, Amount: fromMinor(p.minor), StatusKey: later ? 'Authorized' : 'Payment Received',
    // The processor's id: a gift card's is the store's own.
    TransactionNumber: `${p.cardType === 'GIFTCARD' ? 'gc' : 'ch'}_${order.toString(36)}${nowMs.toString(36)}` +
      (i === 0 ? '' : `_${i + 1}`),
    CardTypeKey: p.cardType,
    ReceivedDate: later ? null : iso
  }))
}

// SKU → product ID per state; a product's CustomKey never changes, so an entry stays
// right until the product is gone, and a miss rebuilds the index once.
const skuIndex = new WeakMap<ClarityState, Map<string, string>>()

export function productBySku (s: ClarityState, sku: string): Product | undefined {
  const key = sku.trim().toUpperCase()
  const hit = (): Product | undefined => {
    const p = s.products[skuIndex.get(s)?.get(key) ?? '']
    return p !== undefined && p.CustomKey.toUpperCase() === key ? p : undefined
  }
  const found = hit()
  if (found !== undefined) return found
  skuIndex.set(s, new Map(Object.values(s.products).map((p) => [p.CustomKey.toUpperCase(), String(p.ID)])))
  return hit()
}

export const displayedStock = (s: ClarityState, sku: string): number =>
  s.locations.reduce((n, loc) => n + Math.max(0, s.stock[stockKey(sku, loc)]?.Quantity ?? 0), 0)

const toAddress = (a: StorefrontAddress): Address => ({
  Company: null, Street1: a.Street1, Street2: a.Street2 ?? null, Street3: null, City: a.City,
  RegionCode: a.RegionCode ?? null, CountryCode: a.CountryCode, PostalCode: a.PostalCode ?? null
})

export function placeOrder (s: ClarityState, body: unknown, nowMs: number): SalesOrder {
  const b = (body ?? {}) as Partial<StorefrontOrder>
  const c = b.customer
  if (typeof c !== 'object' || c === null || typeof c.email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(c.email)) {
    throw new StorefrontError(400, 'customer.email must be an e-mail address')
  }
  if (typeof c.firstName !== 'string' || typeof c.lastName !== 'string') {
    throw new StorefrontError(400, 'customer.firstName and customer.lastName are required')
  }
  if (!Array.isArray(b.lines) || b.lines.length === 0) {
    throw new StorefrontError(400, 'an order needs at least one line')
  }
  if (b.lines.length > 1000) throw new StorefrontError(400, 'an order has at most 1,000 lines')
  const method = b.shippingMethod ?? 'UPS-GROUND'
  if (!SHIPPING_METHODS.includes(method)) {
    throw new StorefrontError(400, `shippingMethod is one of ${SHIPPING_METHODS.join(', ')}`)
  }
  const shipTo = checkAddress(b.shipTo, 'shipTo')
  const billTo = checkAddress(b.billTo, 'billTo')
  const wanted = new Map<string, number>()
  const lines = b.lines.map((l, i) => {
    if (typeof l?.sku !== 'string' || !Number.isInteger(l.quantity) || l.quantity < 1) {
      throw new StorefrontError(400, `line ${i + 1}: sku and a whole quantity >= 1 are required`)
    }
    const product = productBySku(s, l.sku)
    if (product === undefined || !product.Active || !product.IsVisible || product.IsDiscontinued) {
      throw new StorefrontError(400, `line ${i + 1}: unknown SKU ${l.sku}`)
    }
    wanted.set(product.CustomKey, (wanted.get(product.CustomKey) ?? 0) + l.quantity)
    return { product, quantity: l.quantity }
  })
  for (const [sku, qty] of wanted) {
    const shown = displayedStock(s, sku)
    if (qty > shown) throw new StorefrontError(409, `only ${shown} of ${sku} in stock; the order asks for ${qty}`)
  }
  const priced = priceOrder({ currency: b.currency ?? 'USD', coupon: b.coupon }, shipTo, lines)
  const split = splitPayments(b.payments, toMinor(priced.totals.Total))
  if (b.capture !== undefined && b.capture !== 'later') throw new StorefrontError(400, "capture is 'later' or absent")

  let account = Object.values(s.accounts).find((a) => a.PrimaryContact.Email1?.toLowerCase() === c.email.toLowerCase())
  if (account === undefined && c.accountKey !== undefined) {
    account = Object.values(s.accounts).find((a) => a.CustomKey === c.accountKey)
    if (account === undefined) throw new StorefrontError(400, `account ${c.accountKey} does not exist`)
  }
  // Take the stock from the fullest locations first.
  const iso = new Date(nowMs).toISOString()
  for (const [sku, qty] of wanted) {
    let left = qty
    const rows = s.locations
      .map((loc) => s.stock[stockKey(sku, loc)])
      .filter((r) => r !== undefined)
      .sort((x, y) => y.Quantity - x.Quantity)
    for (const r of rows) {
      const take = Math.min(left, Math.max(0, r.Quantity))
      r.Quantity -= take
      r.UpdatedDate = iso
      left -= take
    }
    const p = productBySku(s, sku)!
    p.StockQuantity = displayedStock(s, sku)
  }
  const ID = ++s.nextId.order
  const contact = (a: StorefrontAddress) =>
    ({ FirstName: c.firstName, LastName: c.lastName, Email1: c.email, Phone1: null, Address: toAddress(a) })
  const order: SalesOrder = {
    ID, CustomKey: null, CreatedDate: iso, UpdatedDate: iso, Active: true, Hash: null, StatusKey: 'Pending',
    TypeKey: 'Web', AccountID: account?.ID ?? null, AccountKey: account?.CustomKey ?? null, UserContactEmail: c.email,
    PurchaseOrderNumber: '', SellingCurrencyKey: b.currency ?? 'USD', Totals: priced.totals,
    BillingContact: contact(billTo), ShippingContact: { ...contact(shipTo), Email1: null },
    SalesItems: priced.lines.map((l, i) => ({
      ID: i + 1, Sku: l.product.CustomKey, ProductKey: l.product.CustomKey, Name: l.product.Name, Quantity: l.quantity,
      UnitOfMeasure: l.product.UnitOfMeasure, UnitCorePrice: fromMinor(l.unit), UnitSoldPrice: fromMinor(l.unit),
      ExtendedTaxAmount: fromMinor(l.tax), ProductTaxCode: l.product.TaxCode, Discounts: []
    })),
    Discounts: priced.discount === undefined ? [] : [priced.discount],
    Payments: orderPayments(s, split, b.capture === 'later', ID, nowMs),
    ShippingMethodKey: method, ErpOrderNumber: null, HoldReason: null, Shipments: []
  }
  s.orders[String(ID)] = order
  for (const p of order.Payments) s.payments[String(p.ID)] = paymentOf(order, p)
  return order
}
