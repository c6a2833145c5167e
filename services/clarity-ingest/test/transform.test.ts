import { describe, expect, it } from 'vitest'
import { toAccountRecord } from '../src/transform.ts'

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
