// Pure: a SalesOrder as Clarity's API writes it → the orders.raw record's `order`, and
// an Account → the customers.raw record's `account`. Clarity's money is decimal(18,4) in
// JSON numbers; it becomes exact decimal strings.
import { poison } from '../../../lib/errors.ts'

type J = Record<string, unknown>

class Reader {
  readonly problems: string[] = []
  obj (v: unknown, path: string): J {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as J
    this.problems.push(`${path} must be an object`)
    return {}
  }

  str (o: J, k: string, path: string): string {
    const v = o[k]
    if (typeof v === 'string') return v
    this.problems.push(`${path}.${k} must be text`)
    return ''
  }

  optStr (o: J, k: string, path: string): string | null {
    const v = o[k]
    if (v === undefined || v === null) return null
    if (typeof v === 'string') return v
    this.problems.push(`${path}.${k} must be text or null`)
    return null
  }

  int (o: J, k: string, path: string): number {
    const v = o[k]
    if (Number.isInteger(v)) return v as number
    this.problems.push(`${path}.${k} must be a whole number`)
    return 0
  }

  optInt (o: J, k: string, path: string): number | null {
    return o[k] === undefined || o[k] === null ? null : this.int(o, k, path)
  }

  dec (o: J, k: string, path: string, dflt?: string): string {
    const v = o[k]
    if ((v === undefined || v === null) && dflt !== undefined) return dflt
    if (typeof v === 'number' && Number.isFinite(v)) return v.toFixed(4)
    if (typeof v === 'string' && /^-?\d+(\.\d{1,4})?$/.test(v)) return v
    this.problems.push(`${path}.${k} must be an amount`)
    return '0'
  }

  time (o: J, k: string, path: string): number {
    const v = o[k]
    const t = typeof v === 'string' ? Date.parse(v) : NaN
    if (!Number.isNaN(t)) return t
    this.problems.push(`${path}.${k} must be an ISO-8601 time`)
    return 0
  }

  optTime (o: J, k: string, path: string): number | null {
    return o[k] === undefined || o[k] === null ? null : this.time(o, k, path)
  }

  list (o: J, k: string, path: string, required = false): unknown[] {
    const v = o[k]
    if (Array.isArray(v)) return v
    if (v === undefined || v === null) { if (required) this.problems.push(`${path}.${k} is required`); return [] }
    this.problems.push(`${path}.${k} must be a list`)
    return []
  }
}

function address (r: Reader, v: unknown, ap: string) {
  const a = r.obj(v, ap)
  return {
    Company: r.optStr(a, 'Company', ap), Street1: r.str(a, 'Street1', ap), Street2: r.optStr(a, 'Street2', ap),
    Street3: r.optStr(a, 'Street3', ap), City: r.str(a, 'City', ap), RegionCode: r.optStr(a, 'RegionCode', ap),
    CountryCode: r.str(a, 'CountryCode', ap), PostalCode: r.optStr(a, 'PostalCode', ap)
  }
}

function person (r: Reader, c: J, path: string) {
  return {
    FirstName: r.optStr(c, 'FirstName', path), LastName: r.optStr(c, 'LastName', path),
    Email1: r.optStr(c, 'Email1', path), Phone1: r.optStr(c, 'Phone1', path)
  }
}

function contact (r: Reader, v: unknown, path: string) {
  const c = r.obj(v, path)
  return { ...person(r, c, path), Address: address(r, c.Address, `${path}.Address`) }
}

const invalid = (r: Reader, what: string): void => {
  if (r.problems.length > 0) {
    const more = r.problems.length > 10 ? ` (and ${r.problems.length - 10} more)` : ''
    throw poison('INVALID_PAYLOAD', `the ${what}: ${r.problems.slice(0, 10).join('; ')}${more}`)
  }
}

export function toAccountRecord (json: unknown) {
  const r = new Reader()
  const a = r.obj(json, 'account')
  const c = r.obj(a.PrimaryContact ?? {}, 'account.PrimaryContact')
  const taxable = a.IsTaxable === undefined ? true : a.IsTaxable
  if (typeof taxable !== 'boolean') r.problems.push('account.IsTaxable must be true or false')
  const account = {
    ID: r.int(a, 'ID', 'account'),
    CustomKey: r.optStr(a, 'CustomKey', 'account'),
    Name: r.str(a, 'Name', 'account'),
    IsTaxable: taxable === true,
    TaxExemptionNo: r.optStr(a, 'TaxExemptionNo', 'account'),
    CreditCurrencyKey: r.optStr(a, 'CreditCurrencyKey', 'account') ?? 'USD',
    UpdatedDate: r.time(a, 'UpdatedDate', 'account'),
    PrimaryContact: {
      ...person(r, c, 'account.PrimaryContact'),
      Address: c.Address === undefined || c.Address === null
        ? null
        : address(r, c.Address, 'account.PrimaryContact.Address')
    }
  }
  invalid(r, 'account does not match Clarity\'s Account')
  return account
}

const discounts = (r: Reader, list: unknown[], path: string) => list.map((d, i) => {
  const o = r.obj(d, `${path}[${i}]`)
  return { Code: r.str(o, 'Code', `${path}[${i}]`), Value: r.dec(o, 'Value', `${path}[${i}]`, '0') }
})

export function toOrderRecord (json: unknown) {
  const r = new Reader()
  const o = r.obj(json, 'order')
  const t = r.obj(o.Totals, 'order.Totals')
  const tp = 'order.Totals'
  const order = {
    ID: r.int(o, 'ID', 'order'),
    CustomKey: r.optStr(o, 'CustomKey', 'order'),
    CreatedDate: r.time(o, 'CreatedDate', 'order'),
    UpdatedDate: r.time(o, 'UpdatedDate', 'order'),
    StatusKey: r.str(o, 'StatusKey', 'order'),
    TypeKey: r.optStr(o, 'TypeKey', 'order'),
    AccountID: r.optInt(o, 'AccountID', 'order'),
    AccountKey: r.optStr(o, 'AccountKey', 'order'),
    UserContactEmail: r.optStr(o, 'UserContactEmail', 'order'),
    PurchaseOrderNumber: r.optStr(o, 'PurchaseOrderNumber', 'order'),
    SellingCurrencyKey: r.str(o, 'SellingCurrencyKey', 'order'),
    Totals: {
      SubTotal: r.dec(t, 'SubTotal', tp), Shipping: r.dec(t, 'Shipping', tp, '0'),
      Handling: r.dec(t, 'Handling', tp, '0'), Fees: r.dec(t, 'Fees', tp, '0'),
      Discounts: r.dec(t, 'Discounts', tp, '0'), Tax: r.dec(t, 'Tax', tp, '0'), Total: r.dec(t, 'Total', tp)
    },
    BillingContact: contact(r, o.BillingContact, 'order.BillingContact'),
    ShippingContact: contact(r, o.ShippingContact, 'order.ShippingContact'),
    SalesItems: r.list(o, 'SalesItems', 'order', true).map((v, i) => {
      const p = `order.SalesItems[${i}]`
      const it = r.obj(v, p)
      return {
        ID: r.int(it, 'ID', p), Sku: r.str(it, 'Sku', p), ProductKey: r.optStr(it, 'ProductKey', p),
        Name: r.str(it, 'Name', p), Quantity: r.dec(it, 'Quantity', p), UnitOfMeasure: r.optStr(it, 'UnitOfMeasure', p),
        UnitCorePrice: r.dec(it, 'UnitCorePrice', p, '0'), UnitSoldPrice: r.dec(it, 'UnitSoldPrice', p),
        ExtendedTaxAmount: r.dec(it, 'ExtendedTaxAmount', p, '0'), ProductTaxCode: r.optStr(it, 'ProductTaxCode', p),
        Discounts: discounts(r, r.list(it, 'Discounts', p), `${p}.Discounts`)
      }
    }),
    Discounts: discounts(r, r.list(o, 'Discounts', 'order'), 'order.Discounts'),
    Payments: r.list(o, 'Payments', 'order').map((v, i) => {
      const p = `order.Payments[${i}]`
      const x = r.obj(v, p)
      return {
        ID: r.int(x, 'ID', p), Amount: r.dec(x, 'Amount', p), StatusKey: r.str(x, 'StatusKey', p),
        TransactionNumber: r.optStr(x, 'TransactionNumber', p), CardTypeKey: r.optStr(x, 'CardTypeKey', p),
        ReceivedDate: r.optTime(x, 'ReceivedDate', p)
      }
    }),
    ShippingMethodKey: r.optStr(o, 'ShippingMethodKey', 'order')
  }
  invalid(r, 'order does not match Clarity\'s SalesOrder')
  return order
}

export function toPaymentRecord (json: unknown) {
  const r = new Reader()
  const x = r.obj(json, 'payment')
  const payment = {
    ID: r.int(x, 'ID', 'payment'),
    SalesOrderID: r.int(x, 'SalesOrderID', 'payment'),
    Amount: r.dec(x, 'Amount', 'payment'),
    CurrencyKey: r.str(x, 'CurrencyKey', 'payment'),
    StatusKey: r.str(x, 'StatusKey', 'payment'),
    TransactionNumber: r.optStr(x, 'TransactionNumber', 'payment'),
    CardTypeKey: r.optStr(x, 'CardTypeKey', 'payment'),
    ReceivedDate: r.optTime(x, 'ReceivedDate', 'payment'),
    UpdatedDate: r.time(x, 'UpdatedDate', 'payment')
  }
  invalid(r, 'payment does not match Clarity\'s Payment')
  return payment
}

function payoutTransaction (r: Reader, v: unknown, path: string) {
  const t = r.obj(v, path)
  return {
    TransactionNumber: r.optStr(t, 'TransactionNumber', path), Kind: r.str(t, 'Kind', path),
    Amount: r.dec(t, 'Amount', path), Fee: r.dec(t, 'Fee', path, '0')
  }
}

export function toPayoutRecord (json: unknown) {
  const r = new Reader()
  const x = r.obj(json, 'payout')
  const payout = {
    ID: r.int(x, 'ID', 'payout'),
    PayoutDate: r.time(x, 'PayoutDate', 'payout'),
    CurrencyKey: r.str(x, 'CurrencyKey', 'payout'),
    GrossAmount: r.dec(x, 'GrossAmount', 'payout'),
    FeeAmount: r.dec(x, 'FeeAmount', 'payout', '0'),
    RefundAmount: r.dec(x, 'RefundAmount', 'payout', '0'),
    NetAmount: r.dec(x, 'NetAmount', 'payout'),
    Transactions: r.list(x, 'Transactions', 'payout')
      .map((t, i) => payoutTransaction(r, t, `payout.Transactions[${i}]`)),
    UpdatedDate: r.time(x, 'UpdatedDate', 'payout')
  }
  invalid(r, 'payout does not match Clarity\'s Payout')
  return payout
}

export function toReturnRecord (json: unknown) {
  const r = new Reader()
  const x = r.obj(json, 'salesReturn')
  const salesReturn = {
    ID: r.int(x, 'ID', 'salesReturn'),
    SalesOrderID: r.int(x, 'SalesOrderID', 'salesReturn'),
    StatusKey: r.str(x, 'StatusKey', 'salesReturn'),
    RefundAmount: r.dec(x, 'RefundAmount', 'salesReturn'),
    RefundTransactionNumber: r.optStr(x, 'RefundTransactionNumber', 'salesReturn'),
    ErpReference: r.optStr(x, 'ErpReference', 'salesReturn'),
    SalesItems: r.list(x, 'SalesItems', 'salesReturn', true).map((v, i) => {
      const p = `salesReturn.SalesItems[${i}]`
      const it = r.obj(v, p)
      return {
        Sku: r.str(it, 'Sku', p), Quantity: r.dec(it, 'Quantity', p), ReasonKey: r.optStr(it, 'ReasonKey', p),
        RestockingFeeAmount: r.dec(it, 'RestockingFeeAmount', p, '0')
      }
    }),
    UpdatedDate: r.time(x, 'UpdatedDate', 'salesReturn')
  }
  invalid(r, 'salesReturn does not match Clarity\'s SalesReturn')
  return salesReturn
}
