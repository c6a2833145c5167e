// Clarity's JSON → the raw records: every field carried, amounts as exact decimal strings,
// and every way a payload can be wrong named in one INVALID_PAYLOAD reason.
import { describe, expect, it } from 'vitest'
import { toAccountRecord, toOrderRecord } from '../src/transform.ts'

const address = { Company: 'Acme Ltd', Street1: '500 Congress Ave', Street2: 'Suite 210', Street3: 'Dock 2', City: 'Austin', RegionCode: 'TX', CountryCode: 'US', PostalCode: '78701' }
const contact = { FirstName: 'Ana', LastName: 'Núñez', Email1: 'ana@example.com', Phone1: '+1 512 555 0100', Address: address }
const order = {
  ID: 100045, CustomKey: 'web-100045', CreatedDate: '2026-11-27T10:15:00Z', UpdatedDate: '2026-11-27T10:15:02.500Z', Active: true, Hash: 'h',
  StatusKey: 'Pending', TypeKey: 'Web', AccountID: 812, AccountKey: 'C000123', UserContactEmail: 'ana@example.com', PurchaseOrderNumber: 'PO-7', SellingCurrencyKey: 'EUR',
  Totals: { SubTotal: 39.98, Shipping: 9.95, Handling: 1, Fees: 0.5, Discounts: 4, Tax: 12.4, Total: 59.83 },
  BillingContact: contact, ShippingContact: { ...contact, Email1: null, Phone1: null },
  SalesItems: [{ ID: 1, Sku: 'WIDGET-RED-L', ProductKey: 'widget-red-l', Name: 'Red widget, large', Quantity: 2, UnitOfMeasure: 'EA', UnitCorePrice: 21.99, UnitSoldPrice: 19.99, ExtendedTaxAmount: 12.4, ProductTaxCode: 'TAXABLE', Discounts: [{ Code: 'LINE2', Value: 2 }] }],
  Discounts: [{ Code: 'WELCOME10', Value: 4 }],
  Payments: [{ ID: 77, Amount: 59.83, StatusKey: 'Payment Received', TransactionNumber: 'ch_3NxAbc', CardTypeKey: 'VISA', ReceivedDate: '2026-11-27T10:15:01Z' }],
  ShippingMethodKey: 'UPS-GROUND', ErpOrderNumber: null, HoldReason: null, Shipments: []
}
const account = {
  ID: 813, CustomKey: 'W000813', CreatedDate: '2026-11-27T09:00:00Z', UpdatedDate: '2026-11-27T10:00:00.250Z', Active: true, Hash: 'x', Name: 'Kofi Mensah',
  IsTaxable: false, TaxExemptionNo: 'EX-1', CreditCurrencyKey: 'EUR', PrimaryContact: contact
}
const reasonOf = (f: () => unknown): { code: string, message: string } | 'none' => { try { f(); return 'none' } catch (e) { return { code: (e as { code: string }).code, message: (e as Error).message } } }
const orderReason = (change: Record<string, unknown>) => reasonOf(() => toOrderRecord({ ...order, ...change }))
const bad = (...problems: string[]) => ({ code: 'INVALID_PAYLOAD', message: `the order does not match Clarity's SalesOrder: ${problems.join('; ')}` })

describe('Clarity SalesOrder → orders.raw', () => {
  it('carries every field the record has, money as four-decimal strings, times as epoch ms', () => {
    expect(toOrderRecord(order)).toEqual({
      ID: 100045, CustomKey: 'web-100045', CreatedDate: Date.parse('2026-11-27T10:15:00Z'), UpdatedDate: Date.parse('2026-11-27T10:15:02.500Z'),
      StatusKey: 'Pending', TypeKey: 'Web', AccountID: 812, AccountKey: 'C000123', UserContactEmail: 'ana@example.com', PurchaseOrderNumber: 'PO-7', SellingCurrencyKey: 'EUR',
      Totals: { SubTotal: '39.9800', Shipping: '9.9500', Handling: '1.0000', Fees: '0.5000', Discounts: '4.0000', Tax: '12.4000', Total: '59.8300' },
      BillingContact: contact, ShippingContact: { ...contact, Email1: null, Phone1: null },
      SalesItems: [{
        ID: 1, Sku: 'WIDGET-RED-L', ProductKey: 'widget-red-l', Name: 'Red widget, large', Quantity: '2.0000', UnitOfMeasure: 'EA', UnitCorePrice: '21.9900', UnitSoldPrice: '19.9900',
        ExtendedTaxAmount: '12.4000', ProductTaxCode: 'TAXABLE', Discounts: [{ Code: 'LINE2', Value: '2.0000' }]
      }],
      Discounts: [{ Code: 'WELCOME10', Value: '4.0000' }],
      Payments: [{ ID: 77, Amount: '59.8300', StatusKey: 'Payment Received', TransactionNumber: 'ch_3NxAbc', CardTypeKey: 'VISA', ReceivedDate: Date.parse('2026-11-27T10:15:01Z') }],
      ShippingMethodKey: 'UPS-GROUND'
    })
  })

  it('fills what Clarity may leave out: optional text and ids null, optional amounts 0, lists empty', () => {
    const item = { ID: 1, Sku: 'S', Name: 'N', Quantity: 1, UnitSoldPrice: 2 }
    const bare = {
      ID: 1, CreatedDate: order.CreatedDate, UpdatedDate: order.UpdatedDate, StatusKey: 'Pending', AccountID: null, SellingCurrencyKey: 'USD', Totals: { SubTotal: 2, Shipping: null, Total: 2 },
      BillingContact: { Address: { Street1: 's', City: 'c', CountryCode: 'US' } }, ShippingContact: { Address: { Street1: 's', City: 'c', CountryCode: 'US', Company: null } },
      SalesItems: [item], Discounts: [{ Code: 'X' }], Payments: [{ ID: 5, Amount: '2', StatusKey: 'Pending', ReceivedDate: null }, { ID: 6, Amount: 0, StatusKey: 'Void' }]
    }
    const noAddress = { Company: null, Street1: 's', Street2: null, Street3: null, City: 'c', RegionCode: null, CountryCode: 'US', PostalCode: null }
    const nobody = { FirstName: null, LastName: null, Email1: null, Phone1: null, Address: noAddress }
    expect(toOrderRecord(bare)).toEqual({
      ID: 1, CustomKey: null, CreatedDate: Date.parse(order.CreatedDate), UpdatedDate: Date.parse(order.UpdatedDate), StatusKey: 'Pending', TypeKey: null, AccountID: null, AccountKey: null,
      UserContactEmail: null, PurchaseOrderNumber: null, SellingCurrencyKey: 'USD',
      Totals: { SubTotal: '2.0000', Shipping: '0', Handling: '0', Fees: '0', Discounts: '0', Tax: '0', Total: '2.0000' },
      BillingContact: nobody, ShippingContact: nobody,
      SalesItems: [{ ...item, ProductKey: null, Quantity: '1.0000', UnitOfMeasure: null, UnitCorePrice: '0', UnitSoldPrice: '2.0000', ExtendedTaxAmount: '0', ProductTaxCode: null, Discounts: [] }],
      Discounts: [{ Code: 'X', Value: '0' }],
      Payments: [
        { ID: 5, Amount: '2', StatusKey: 'Pending', TransactionNumber: null, CardTypeKey: null, ReceivedDate: null },
        { ID: 6, Amount: '0.0000', StatusKey: 'Void', TransactionNumber: null, CardTypeKey: null, ReceivedDate: null }
      ],
      ShippingMethodKey: null
    })
  })

  it.each<[string, unknown, string]>([
    ['a whole number', 7, '7.0000'],
    ['a negative number', -0.5, '-0.5000'],
    ['decimal text', '12.3400', '12.3400'],
    ['whole text', '-3', '-3'],
    ['text with four decimals', '0.0001', '0.0001']
  ])('an amount given as %s is taken', (_, Total, want) => {
    expect(toOrderRecord({ ...order, Totals: { ...order.Totals, Total } }).Totals.Total).toBe(want)
  })

  it.each<[string, unknown]>([
    ['text with five decimals', '0.00001'],
    ['text ending in a point', '1.'],
    ['text with a plus sign', '+1'],
    ['text with a leading point', '.5'],
    ['text with something after the number', '5 EUR'],
    ['text with something before the number', 'EUR 5'],
    ['text that is not a number', 'abc'],
    ['a number that is not finite', Number.POSITIVE_INFINITY],
    ['not a number', Number.NaN],
    ['true', true],
    ['a list', [1]]
  ])('an amount given as %s is poison', (_, Total) => {
    expect(orderReason({ Totals: { ...order.Totals, Total } })).toEqual(bad('order.Totals.Total must be an amount'))
  })

  it.each<[string, unknown, string]>([
    ['a payload that is not an object', null, 'order must be an object'],
    ['a payload that is a list', [order], 'order must be an object']
  ])('%s is poison naming everything that is missing', (_, json, first) => {
    const r = reasonOf(() => toOrderRecord(json))
    expect(r).toMatchObject({ code: 'INVALID_PAYLOAD' })
    expect((r as { message: string }).message).toMatch(new RegExp(`^the order does not match Clarity's SalesOrder: ${first}; order.Totals must be an object; order.ID must be a whole number; `))
    expect((r as { message: string }).message).toMatch(/ \(and \d+ more\)$/)
  })

  it.each<[string, Record<string, unknown>, string[]]>([
    ['Totals as a list', { Totals: [1] }, ['order.Totals must be an object', 'order.Totals.SubTotal must be an amount', 'order.Totals.Total must be an amount']],
    ['Totals as text', { Totals: 'x' }, ['order.Totals must be an object', 'order.Totals.SubTotal must be an amount', 'order.Totals.Total must be an amount']],
    ['an ID with a fraction', { ID: 1.5 }, ['order.ID must be a whole number']],
    ['an ID as text', { ID: '100045' }, ['order.ID must be a whole number']],
    ['an AccountID as text', { AccountID: '812' }, ['order.AccountID must be a whole number']],
    ['a CustomKey as a number', { CustomKey: 5 }, ['order.CustomKey must be text or null']],
    ['no StatusKey', { StatusKey: undefined }, ['order.StatusKey must be text']],
    ['a StatusKey as a number', { StatusKey: 1 }, ['order.StatusKey must be text']],
    ['a CreatedDate that is no time', { CreatedDate: 'yesterday' }, ['order.CreatedDate must be an ISO-8601 time']],
    ['a CreatedDate as a number', { CreatedDate: 2026 }, ['order.CreatedDate must be an ISO-8601 time']],
    ['no SalesItems', { SalesItems: undefined }, ['order.SalesItems is required']],
    ['SalesItems of null', { SalesItems: null }, ['order.SalesItems is required']],
    ['SalesItems as an object', { SalesItems: {} }, ['order.SalesItems must be a list']],
    ['a line that is not an object', { SalesItems: [null] }, [
      'order.SalesItems[0] must be an object', 'order.SalesItems[0].ID must be a whole number', 'order.SalesItems[0].Sku must be text', 'order.SalesItems[0].Name must be text',
      'order.SalesItems[0].Quantity must be an amount', 'order.SalesItems[0].UnitSoldPrice must be an amount']],
    ['a line discount without a code', { SalesItems: [{ ...order.SalesItems[0], Discounts: [{ Value: 1 }] }] }, ['order.SalesItems[0].Discounts[0].Code must be text']],
    ['Discounts as text', { Discounts: 'WELCOME10' }, ['order.Discounts must be a list']],
    ['a discount as text', { Discounts: ['WELCOME10'] }, ['order.Discounts[0] must be an object', 'order.Discounts[0].Code must be text']],
    ['a discount of no amount', { Discounts: [{ Code: 'WELCOME10', Value: 'ten' }] }, ['order.Discounts[0].Value must be an amount']],
    ['the order\'s own fields of the wrong kind', {
      UpdatedDate: 'x', TypeKey: 1, AccountKey: 2, UserContactEmail: 3, PurchaseOrderNumber: 4, SellingCurrencyKey: null, Payments: 'x', ShippingMethodKey: 5
    }, [
      'order.UpdatedDate must be an ISO-8601 time', 'order.TypeKey must be text or null', 'order.AccountKey must be text or null', 'order.UserContactEmail must be text or null',
      'order.PurchaseOrderNumber must be text or null', 'order.SellingCurrencyKey must be text', 'order.Payments must be a list', 'order.ShippingMethodKey must be text or null']],
    ['a payment received at no time', { Payments: [{ ...order.Payments[0], ReceivedDate: 'soon' }] }, ['order.Payments[0].ReceivedDate must be an ISO-8601 time']],
    ['a payment without an amount', { Payments: [{ ...order.Payments[0], Amount: null }] }, ['order.Payments[0].Amount must be an amount']],
    ['no shipping address', { ShippingContact: { FirstName: 'Ana' } }, [
      'order.ShippingContact.Address must be an object', 'order.ShippingContact.Address.Street1 must be text', 'order.ShippingContact.Address.City must be text',
      'order.ShippingContact.Address.CountryCode must be text']],
    ['a billing contact as text', { BillingContact: 'Ana' }, [
      'order.BillingContact must be an object', 'order.BillingContact.Address must be an object', 'order.BillingContact.Address.Street1 must be text',
      'order.BillingContact.Address.City must be text', 'order.BillingContact.Address.CountryCode must be text']],
    ['address fields of the wrong kind', { BillingContact: { ...contact, Phone1: 5, Address: { ...address, Company: 1, Street2: 2, Street3: 3, RegionCode: 4, PostalCode: 78701 } } }, [
      'order.BillingContact.Phone1 must be text or null', 'order.BillingContact.Address.Company must be text or null', 'order.BillingContact.Address.Street2 must be text or null',
      'order.BillingContact.Address.Street3 must be text or null', 'order.BillingContact.Address.RegionCode must be text or null', 'order.BillingContact.Address.PostalCode must be text or null']]
  ])('%s is poison with its reason', (_, change, problems) => {
    expect(orderReason(change)).toEqual(bad(...problems))
  })

  it('names the first ten problems and counts the rest', () => {
    const lines = (n: number) => ({
      SalesItems: Array.from({ length: n }, () => ({ ...order.SalesItems[0], Sku: null }))
    })
    const sku = (i: number) => `order.SalesItems[${i}].Sku must be text`
    expect(orderReason(lines(10))).toEqual(bad(...Array.from({ length: 10 }, (_, i) => sku(i))))
    const eleven = orderReason(lines(11)) as { message: string }
    expect(eleven.message).toBe(`${bad(...Array.from({ length: 10 }, (_, i) => sku(i))).message} (and 1 more)`)
    expect((orderReason(lines(13)) as { message: string }).message).toMatch(/\[9\]\.Sku must be text \(and 3 more\)$/)
  })
})

describe('Clarity Account → customers.raw', () => {
  it('carries every field the record has', () => {
    expect(toAccountRecord(account)).toEqual({
      ID: 813, CustomKey: 'W000813', Name: 'Kofi Mensah', IsTaxable: false, TaxExemptionNo: 'EX-1', CreditCurrencyKey: 'EUR', UpdatedDate: Date.parse(account.UpdatedDate), PrimaryContact: contact
    })
  })

  it('what an account may leave out: taxable, USD, nobody and no address', () => {
    const { IsTaxable, TaxExemptionNo, CreditCurrencyKey, CustomKey, PrimaryContact, ...rest } = account
    expect(toAccountRecord(rest)).toEqual({
      ID: 813, CustomKey: null, Name: 'Kofi Mensah', IsTaxable: true, TaxExemptionNo: null, CreditCurrencyKey: 'USD', UpdatedDate: Date.parse(account.UpdatedDate),
      PrimaryContact: { FirstName: null, LastName: null, Email1: null, Phone1: null, Address: null }
    })
    expect(toAccountRecord({ ...account, PrimaryContact: { ...contact, Address: undefined } }).PrimaryContact.Address)
      .toBeNull()
  })

  it.each<[string, unknown, string[]]>([
    ['not an object', 'Kofi', ['account must be an object', 'account.ID must be a whole number', 'account.Name must be text', 'account.UpdatedDate must be an ISO-8601 time']],
    ['IsTaxable as text', { ...account, IsTaxable: 'no' }, ['account.IsTaxable must be true or false']],
    ['IsTaxable of null', { ...account, IsTaxable: null }, ['account.IsTaxable must be true or false']],
    ['a PrimaryContact as text', { ...account, PrimaryContact: 'Kofi' }, ['account.PrimaryContact must be an object']],
    ['contact fields of the wrong kind', { ...account, CustomKey: 1, TaxExemptionNo: 2, CreditCurrencyKey: 3, PrimaryContact: { FirstName: 4, Address: { ...address, City: null } } }, [
      'account.CustomKey must be text or null', 'account.TaxExemptionNo must be text or null', 'account.CreditCurrencyKey must be text or null',
      'account.PrimaryContact.FirstName must be text or null', 'account.PrimaryContact.Address.City must be text']]
  ])('an account %s is poison with its reason', (_, json, problems) => {
    expect(reasonOf(() => toAccountRecord(json))).toEqual({ code: 'INVALID_PAYLOAD', message: `the account does not match Clarity's Account: ${problems.join('; ')}` })
  })
})
