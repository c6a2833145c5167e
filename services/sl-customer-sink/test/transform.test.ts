import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../../infra/embedded.ts'
import { accountOf, checkCustomerMapping, custIdFor, loadCustomerMapping, sharedOfAccount, type ClarityAccount, type SlCustomer } from '../../../domain/customers.ts'
import { MappingError } from '../../../domain/mapping.ts'
import { emailMatch, plan } from '../src/transform.ts'

const m = loadCustomerMapping(join(projectRoot, 'mappings/customers.yaml'))
const T0 = Date.parse('2026-11-27T10:00:00Z')
const kofi: ClarityAccount = {
  ID: 813, CustomKey: null, Name: 'Kofi Mensah', IsTaxable: true, TaxExemptionNo: null, CreditCurrencyKey: 'USD', UpdatedDate: T0,
  PrimaryContact: { FirstName: 'Kofi', LastName: 'Mensah', Email1: 'Kofi.Mensah@Example.com', Phone1: null, Address: { Company: null, Street1: '12 Harbor Rd', Street2: 'Unit 4', Street3: 'Rear', City: 'Newark', RegionCode: 'US-NJ', CountryCode: 'us', PostalCode: '07102' } }
}
const sl: SlCustomer = {
  CustId: 'W000813', Name: 'Kofi Mensah', Addr1: '12 Harbor Rd', Addr2: 'Unit 4, Rear', City: 'Newark', State: 'NJ', Zip: '07102', Country: 'USA', Phone: '+1 973 555 0100',
  EMailAddr: 'kofi.mensah@example.com', ClassId: 'WEB', CuryId: 'USD', Terms: '30', TaxID00: '', Status: 'A', LUpd_DateTime: T0 - 60000, tstamp: 9
}
const slRow = (over: Partial<SlCustomer> = {}) => ({
  ...sl, LUpd_DateTime: new Date(sl.LUpd_DateTime).toISOString(), ...over
})

describe('customer mapping', () => {
  it.each([[813, 'W000813'], [1234567, 'W1234567']])('account %i gets CustId %s', (id, want) => {
    expect(custIdFor(m, id)).toBe(want)
  })
  it('lists every problem at once', () => {
    expect(() => checkCustomerMapping({ custId: 'web-{ID}', matchByEmail: 'yes', newCustomers: { Terms: 'NET30', Colour: 'red' } }, 'c.yaml')).toThrow(MappingError)
    try { checkCustomerMapping({ custId: 'web-{ID}', matchByEmail: 'yes', newCustomers: { Terms: 'NET30', Colour: 'red' } }, 'c.yaml') } catch (e) {
      expect((e as MappingError).problems).toEqual([
        'version must be text',
        'custId "web-{ID}" makes CustIds like web-9999999; SL takes upper-case letters, digits and -, 15 at most',
        'matchByEmail must be true or false',
        'newCustomers.Terms must be text of at most 2 characters',
        'newCustomers.Colour: can set ClassId, Terms, CuryId, TaxID00'
      ])
    }
  })
})

describe('Clarity account ↔ SL customer', () => {
  it('an account in SL\'s form: codes, joined streets, lower-case e-mail; what Clarity leaves empty is left out', () => {
    expect(sharedOfAccount(kofi)).toEqual({ Name: 'Kofi Mensah', EMailAddr: 'kofi.mensah@example.com', Addr1: '12 Harbor Rd', Addr2: 'Unit 4, Rear', City: 'Newark', State: 'NJ', Zip: '07102', Country: 'USA' })
  })
  it('an SL customer as an account round-trips to the same shared fields', () => {
    const body = accountOf(sl) as unknown as ClarityAccount
    expect(body).toMatchObject({ CustomKey: 'W000813', PrimaryContact: { FirstName: 'Kofi', LastName: 'Mensah', Address: { Street1: '12 Harbor Rd', CountryCode: 'US', RegionCode: 'NJ' } } })
    expect(sharedOfAccount({ ...body, ID: 1 })).toEqual({
      Name: sl.Name, EMailAddr: sl.EMailAddr, Phone: sl.Phone, Addr1: sl.Addr1, Addr2: sl.Addr2, City: sl.City,
      State: sl.State, Zip: sl.Zip, Country: sl.Country
    })
  })
  it('an SL customer without a usable address leaves Clarity\'s address alone', () => {
    expect((accountOf({ ...sl, Country: '' }).PrimaryContact as object)).not.toHaveProperty('Address')
  })
  it.each([
    ['a name over 60', { ...kofi, Name: 'K'.repeat(61) }, 'FIELD_TOO_LONG'],
    ['an unknown country', { ...kofi, PrimaryContact: { ...kofi.PrimaryContact, Address: { ...kofi.PrimaryContact.Address!, CountryCode: 'XX' } } }, 'UNKNOWN_COUNTRY']
  ])('%s is poison', (_, a, code) => {
    expect(() => sharedOfAccount(a)).toThrow(expect.objectContaining({ code }))
  })
})

describe('what the sink does in SL', () => {
  it('creates an unknown customer with the mapping\'s defaults', () => {
    expect(plan(m, kofi, 'W000813', undefined)).toEqual({ action: 'create', custId: 'W000813', body: { CustId: 'W000813', ...sharedOfAccount(kofi), ClassId: 'WEB', Terms: '30' } })
  })
  it('updates only the fields that differ, and never blanks what Clarity does not know', () => {
    expect(plan(m, { ...kofi, Name: 'Kofi A. Mensah' }, 'W000813', slRow())).toEqual({ action: 'update', custId: 'W000813', body: { Name: 'Kofi A. Mensah' } })
  })
  it('writes nothing when SL already says the same', () => {
    expect(plan(m, kofi, 'W000813', slRow())).toEqual({ action: 'none', custId: 'W000813', why: 'same' })
  })
  it('writes nothing when SL changed after this state of the account (the later change wins)', () => {
    expect(plan(m, { ...kofi, Name: 'Old name' }, 'W000813', slRow({ LUpd_DateTime: new Date(T0 + 1000).toISOString() as never }))).toEqual({ action: 'none', custId: 'W000813', why: 'older' })
  })
  it('two SL customers with the e-mail: poison naming them', () => {
    expect(() => emailMatch(kofi, [slRow({ CustId: 'A1' }), slRow({ CustId: 'B2' })])).toThrow(/2 SL customers have its e-mail \(A1, B2\)/)
    expect(emailMatch(kofi, [slRow()])?.CustId).toBe('W000813')
    expect(emailMatch(kofi, [])).toBeUndefined()
  })
})
