import { describe, expect, it } from 'vitest'
import { toAccountRecord, toPaymentRecord, toPayoutRecord, toReturnRecord } from '../src/transform.ts'

const account = {
  ID: 813, CustomKey: null, CreatedDate: '2026-11-27T09:00:00Z', UpdatedDate: '2026-11-27T10:00:00.250Z', Active: true, Hash: 'x', Name: 'Kofi Mensah',
  IsTaxable: true, TaxExemptionNo: null, CreditCurrencyKey: 'USD',
  PrimaryContact: { FirstName: 'Kofi', LastName: 'Mensah', Email1: 'kofi.mensah@example.com', Phone1: null, Address: { Company: null, Street1: '12 Harbor Rd', Street2: null, Street3: null, City: 'Newark', RegionCode: 'NJ', CountryCode: 'US', PostalCode: '07102' } }
}

describe('Clarity account → customers.raw', () => {
  it('keeps the fields the bridge uses, times as epoch ms', () => {
    expect(toAccountRecord(account)).toEqual({
      ID: 813, CustomKey: null, Name: 'Kofi Mensah', IsTaxable: true, TaxExemptionNo: null, CreditCurrencyKey: 'USD', UpdatedDate: Date.parse(account.UpdatedDate),
      PrimaryContact: account.PrimaryContact
    })
  })
  it('an account without address or contact details is fine', () => {
    expect(toAccountRecord({
      ...account, PrimaryContact: { FirstName: null, LastName: null, Email1: null, Phone1: null, Address: null }
    }).PrimaryContact.Address).toBeNull()
  })
  it('lists what is wrong in one reason', () => {
    expect(() => toAccountRecord({ ...account, ID: 'x', UpdatedDate: 'yesterday', IsTaxable: 'yes', PrimaryContact: { Address: { City: 5 } } })).toThrow(
      'the account does not match Clarity\'s Account: account.IsTaxable must be true or false; account.ID must be a whole number; account.UpdatedDate must be an ISO-8601 time; ' +
      'account.PrimaryContact.Address.Street1 must be text; account.PrimaryContact.Address.City must be text; account.PrimaryContact.Address.CountryCode must be text')
  })
})

describe('Clarity payout → payouts.raw', () => {
  const payout = {
    ID: 1127, PayoutDate: '2026-11-27T00:00:00Z', CurrencyKey: 'USD', GrossAmount: 1061.35, FeeAmount: 30.35,
    RefundAmount: 20, NetAmount: 1011, UpdatedDate: '2026-11-28T02:00:00Z',
    Transactions: [
      { TransactionNumber: 'ch_1', Kind: 'capture', Amount: 1061.35, Fee: 30.35 },
      { TransactionNumber: null, Kind: 'refund', Amount: '20', Fee: 0 }
    ]
  }

  it('keeps every field, amounts as exact decimals and times as epoch ms', () => {
    expect(toPayoutRecord(payout)).toEqual({
      ID: 1127, PayoutDate: Date.parse('2026-11-27T00:00:00Z'), CurrencyKey: 'USD', GrossAmount: '1061.3500',
      FeeAmount: '30.3500', RefundAmount: '20.0000', NetAmount: '1011.0000', UpdatedDate: Date.parse('2026-11-28T02:00:00Z'),
      Transactions: [
        { TransactionNumber: 'ch_1', Kind: 'capture', Amount: '1061.3500', Fee: '30.3500' },
        { TransactionNumber: null, Kind: 'refund', Amount: '20', Fee: '0.0000' }
      ]
    })
  })

  it('takes a payout without fees, refunds or transactions as none', () => {
    const { FeeAmount, RefundAmount, Transactions, ...bare } = payout
    expect(toPayoutRecord({ ...bare, Transactions: [{ Kind: 'capture', Amount: 1 }] })).toMatchObject({
      FeeAmount: '0', RefundAmount: '0', Transactions: [{ TransactionNumber: null, Kind: 'capture', Amount: '1.0000', Fee: '0' }]
    })
    expect(toPayoutRecord(bare).Transactions).toEqual([])
  })

  it('lists what is wrong in one reason, each with its path', () => {
    const bad = {
      ...payout, ID: 'x', PayoutDate: 'yesterday', CurrencyKey: 5, GrossAmount: '1,061.35', NetAmount: null,
      UpdatedDate: undefined, Transactions: [{ TransactionNumber: 7, Kind: null, Amount: 'ten', Fee: 'x' }, 'capture']
    }
    expect(() => toPayoutRecord(bad)).toThrow('the payout does not match Clarity\'s Payout: payout.ID must be a whole number; ' +
      'payout.PayoutDate must be an ISO-8601 time; payout.CurrencyKey must be text; payout.GrossAmount must be an amount; ' +
      'payout.NetAmount must be an amount; payout.Transactions[0].TransactionNumber must be text or null; ' +
      'payout.Transactions[0].Kind must be text; payout.Transactions[0].Amount must be an amount; ' +
      'payout.Transactions[0].Fee must be an amount; payout.Transactions[1] must be an object (and 3 more)')
    expect(() => toPayoutRecord({ ...payout, Transactions: 'none' })).toThrow('payout.Transactions must be a list')
    expect(() => toPayoutRecord([])).toThrow('payout must be an object')
  })
})

describe('a Clarity SalesReturn → returns.raw', () => {
  const ret = {
    ID: 301, SalesOrderID: 100045, StatusKey: 'Refunded', RefundAmount: 134.36, RefundTransactionNumber: 're_3Nx', ErpReference: 'RMA0000121',
    SalesItems: [{ Sku: 'WIDGET-RED-L', Quantity: 2, ReasonKey: 'Changed mind', RestockingFeeAmount: 6 }, { Sku: 'GADGET', Quantity: 1 }],
    UpdatedDate: '2026-12-04T10:00:00Z', CustomKey: null
  }

  it('keeps every field, amounts as exact decimals, a line without fee or reason as none', () => {
    expect(toReturnRecord(ret)).toEqual({
      ID: 301, SalesOrderID: 100045, StatusKey: 'Refunded', RefundAmount: '134.3600', RefundTransactionNumber: 're_3Nx',
      ErpReference: 'RMA0000121', UpdatedDate: Date.parse('2026-12-04T10:00:00Z'),
      SalesItems: [
        { Sku: 'WIDGET-RED-L', Quantity: '2.0000', ReasonKey: 'Changed mind', RestockingFeeAmount: '6.0000' },
        { Sku: 'GADGET', Quantity: '1.0000', ReasonKey: null, RestockingFeeAmount: '0' }
      ]
    })
  })

  it('lists what is wrong in one reason, each with its path', () => {
    const bad = {
      ...ret, ID: 'x', SalesOrderID: null, StatusKey: 3, RefundAmount: undefined, RefundTransactionNumber: 5, ErpReference: 6,
      SalesItems: [{ Sku: 1, Quantity: 'two', ReasonKey: 2, RestockingFeeAmount: 'x' }], UpdatedDate: 'today'
    }
    expect(() => toReturnRecord(bad)).toThrow('the salesReturn does not match Clarity\'s SalesReturn: salesReturn.ID must be a whole number; ' +
      'salesReturn.SalesOrderID must be a whole number; salesReturn.StatusKey must be text; salesReturn.RefundAmount must be an amount; ' +
      'salesReturn.RefundTransactionNumber must be text or null; salesReturn.ErpReference must be text or null; ' +
      'salesReturn.SalesItems[0].Sku must be text; salesReturn.SalesItems[0].Quantity must be an amount; ' +
      'salesReturn.SalesItems[0].ReasonKey must be text or null; salesReturn.SalesItems[0].RestockingFeeAmount must be an amount (and 1 more)')
    expect(toReturnRecord({ ...ret, SalesItems: [] }).SalesItems).toEqual([])
    expect(() => toReturnRecord({ ...ret, SalesItems: 'none' })).toThrow('salesReturn.SalesItems must be a list')
    expect(() => toReturnRecord({ ...ret, SalesItems: ['x'] })).toThrow('salesReturn.SalesItems[0] must be an object')
  })
})

describe('a Clarity Payment → payments.raw', () => {
  it('lists what is wrong in one reason, each with its path', () => {
    const bad = { ID: 'x', SalesOrderID: null, Amount: 'a', CurrencyKey: 1, StatusKey: 2, TransactionNumber: 3, CardTypeKey: 4, ReceivedDate: 'x', UpdatedDate: 'y' }
    expect(() => toPaymentRecord(bad)).toThrow('the payment does not match Clarity\'s Payment: payment.ID must be a whole number; ' +
      'payment.SalesOrderID must be a whole number; payment.Amount must be an amount; payment.CurrencyKey must be text; ' +
      'payment.StatusKey must be text; payment.TransactionNumber must be text or null; payment.CardTypeKey must be text or null; ' +
      'payment.ReceivedDate must be an ISO-8601 time; payment.UpdatedDate must be an ISO-8601 time')
  })
})
