// Customers both ways at their edges: the customer mapping's checks, SL's field lengths,
// accounts without an address or an e-mail, one-word names and padded SL values.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../infra/embedded.ts'
import { accountOf, agrees, checkCustomerMapping, custIdFor, loadCustomerMapping, sharedOfAccount, sharedOfCustomer, type AccountAddress, type ClarityAccount, type SlCustomer } from '../../domain/customers.ts'
import { problemsWith } from './mapping-problems.ts'

const shipped = { version: '1', custId: 'W{ID:6}', matchByEmail: true, newCustomers: { ClassId: 'WEB', Terms: '30' }, notPublished: ['WEBGUEST'] }
const problemsOf = problemsWith(checkCustomerMapping, 'customers.yaml')
const address: AccountAddress = { Company: null, Street1: '12 Harbor Rd', Street2: 'Unit 4', Street3: 'Rear', City: 'Newark', RegionCode: 'US-NJ', CountryCode: 'us', PostalCode: '07102' }
const kofi: ClarityAccount = {
  ID: 813, CustomKey: null, Name: 'Kofi Mensah', IsTaxable: true, TaxExemptionNo: null, CreditCurrencyKey: 'USD', UpdatedDate: 0,
  PrimaryContact: { FirstName: 'Kofi', LastName: 'Mensah', Email1: 'Kofi.Mensah@Example.com', Phone1: '+1 973 555 0100', Address: address }
}
const withContact = (c: Partial<ClarityAccount['PrimaryContact']>): ClarityAccount => ({ ...kofi, PrimaryContact: { ...kofi.PrimaryContact, ...c } })
const withAddress = (a: Partial<AccountAddress>): ClarityAccount => withContact({ Address: { ...address, ...a } })
const reasonOf = (a: ClarityAccount): { code: string, message: string } | 'none' => { try { sharedOfAccount(a); return 'none' } catch (e) { return { code: (e as { code: string }).code, message: (e as Error).message } } }
const sl: SlCustomer = {
  CustId: 'W000813', Name: 'Kofi Mensah', Addr1: '12 Harbor Rd', Addr2: 'Unit 4, Rear', City: 'Newark', State: 'NJ', Zip: '07102', Country: 'USA', Phone: '+1 973 555 0100',
  EMailAddr: 'kofi.mensah@example.com', ClassId: 'WEB', CuryId: 'USD', Terms: '30', TaxID00: '', Status: 'A', LUpd_DateTime: 0, tstamp: 9
}

describe('the customer mapping', () => {
  it('the shipped file, and what a mapping may leave out', () => {
    expect(loadCustomerMapping(join(projectRoot, 'mappings/customers.yaml'))).toEqual({ ...shipped, version: '2026-11-27.1' })
    expect(checkCustomerMapping({ version: '1', custId: '{ID}', matchByEmail: false }, 'customers.yaml')).toEqual({ version: '1', custId: '{ID}', matchByEmail: false, newCustomers: {}, notPublished: [] })
  })

  it.each<[string, Record<string, unknown>, string[]]>([
    ['no custId', { custId: undefined }, ['custId must be text containing {ID} or {ID:n}, so each account gets its own CustId']],
    ['a custId as a number', { custId: 5 }, ['custId must be text containing {ID} or {ID:n}, so each account gets its own CustId']],
    ['a custId as a list', { custId: ['W{ID}'] }, ['custId must be text containing {ID} or {ID:n}, so each account gets its own CustId']],
    ['a custId without {ID}', { custId: 'W-ID' }, ['custId must be text containing {ID} or {ID:n}, so each account gets its own CustId']],
    ['a custId padded to ten digits', { custId: 'W{ID:10}' }, []],
    ['a custId of exactly 15', { custId: 'WEB-{ID:11}' }, []],
    ['a custId of 16', { custId: 'WEB-{ID:12}' }, ['custId "WEB-{ID:12}" makes CustIds like WEB-000009999999; SL takes upper-case letters, digits and -, 15 at most']],
    ['a custId ending in what SL does not take', { custId: 'W{ID}x' }, ['custId "W{ID}x" makes CustIds like W9999999x; SL takes upper-case letters, digits and -, 15 at most']],
    ['a custId starting with it', { custId: 'w{ID}' }, ['custId "w{ID}" makes CustIds like w9999999; SL takes upper-case letters, digits and -, 15 at most']],
    ['matchByEmail as text', { matchByEmail: 'true' }, ['matchByEmail must be true or false']],
    ['every settable default', { newCustomers: { ClassId: 'RETAIL', Terms: '30', CuryId: 'USD', TaxID00: 'TXSTATE' } }, []],
    ['a ClassId of 7', { newCustomers: { ClassId: 'WEBSHOP' } }, ['newCustomers.ClassId must be text of at most 6 characters']],
    ['a CuryId of 11', { newCustomers: { CuryId: 'U'.repeat(11) } }, ['newCustomers.CuryId must be text of at most 10 characters']],
    ['a TaxID00 as a number', { newCustomers: { TaxID00: 5 } }, ['newCustomers.TaxID00 must be text of at most 10 characters']],
    ['a default it cannot set', { newCustomers: { Status: 'A' } }, ['newCustomers.Status: can set ClassId, Terms, CuryId, TaxID00']],
    ['notPublished as text', { notPublished: 'WEBGUEST' }, ['notPublished must be a list of CustIds']],
    ['notPublished with a number in it', { notPublished: ['WEBGUEST', 5] }, ['notPublished must be a list of CustIds']],
    ['notPublished of numbers', { notPublished: [5] }, ['notPublished must be a list of CustIds']]
  ])('%s', (_, change, problems) => {
    expect(problemsOf({ ...shipped, ...change })).toEqual(problems)
  })

  it.each<[string, number, string]>([['W{ID:6}', 813, 'W000813'], ['W{ID:6}', 12345678, 'W12345678'], ['WEB-{ID}', 7, 'WEB-7'], ['W{ID:10}', 813, 'W0000000813']])('%s makes %i into %s', (custId, id, want) => {
    expect(custIdFor({ ...shipped, custId }, id)).toBe(want)
  })
})

describe('a Clarity account in SL\'s form', () => {
  it('an account without an address says nothing about SL\'s address', () => {
    expect(sharedOfAccount(withContact({ Address: null }))).toEqual({ Name: 'Kofi Mensah', EMailAddr: 'kofi.mensah@example.com', Phone: '+1 973 555 0100' })
    expect(sharedOfAccount(withContact({ Address: undefined as never }))).toEqual({ Name: 'Kofi Mensah', EMailAddr: 'kofi.mensah@example.com', Phone: '+1 973 555 0100' })
  })

  it('an account without an e-mail or a phone says nothing about them', () => {
    expect(sharedOfAccount(withContact({ Email1: null, Phone1: null }))).toEqual({ Name: 'Kofi Mensah', Addr1: '12 Harbor Rd', Addr2: 'Unit 4, Rear', City: 'Newark', State: 'NJ', Zip: '07102', Country: 'USA' })
  })

  it('padded values are trimmed, codes upper-cased, the e-mail lower-cased', () => {
    const padded = { ...withContact({ Email1: ' Kofi@Example.COM ', Phone1: ' 555 ', Address: { Company: null, Street1: ' 12 Harbor Rd ', Street2: '  ', Street3: ' Rear ', City: ' Newark ', RegionCode: ' nj ', CountryCode: ' US ', PostalCode: ' 07102 ' } }), Name: ' Kofi Mensah ' }
    expect(sharedOfAccount(padded)).toEqual({ Name: 'Kofi Mensah', EMailAddr: 'kofi@example.com', Phone: '555', Addr1: '12 Harbor Rd', Addr2: 'Rear', City: 'Newark', State: 'NJ', Zip: '07102', Country: 'USA' })
    expect(sharedOfAccount(withAddress({ Street2: null, Street3: null, RegionCode: null, PostalCode: null }))).toMatchObject({ Addr2: '', State: '', Zip: '' })
  })

  // One past SL's char(n) is refused, naming the account and the field; the length itself fits.
  it.each<[string, number, (v: string) => ClarityAccount]>([
    ['Name', 60, (v) => ({ ...kofi, Name: v })],
    ['EMailAddr', 80, (v) => withContact({ Email1: v })],
    ['Phone', 30, (v) => withContact({ Phone1: v })],
    ['Addr1', 60, (v) => withAddress({ Street1: v })],
    ['Addr2', 60, (v) => withAddress({ Street2: v.slice(0, 20), Street3: v.slice(22) })],
    ['City', 30, (v) => withAddress({ City: v })],
    ['State', 3, (v) => withAddress({ RegionCode: v })],
    ['Zip', 10, (v) => withAddress({ PostalCode: v })]
  ])('%s: char(%i)', (field, len, account) => {
    const text = (n: number): string => field === 'Addr2' ? `${'a'.repeat(20)}, ${'b'.repeat(n - 22)}` : 'abcdefghij'.repeat(9).slice(0, n)
    const shown = (n: number): string => field === 'State' ? text(n).toUpperCase() : text(n)
    expect((sharedOfAccount(account(text(len))) as Record<string, string>)[field]).toBe(shown(len))
    expect(reasonOf(account(text(len + 1)))).toEqual({ code: 'FIELD_TOO_LONG', message: `account 813: ${field} is ${len + 1} characters; SL takes at most ${len}. Shorten it in Clarity` })
  })

  it.each<[string, Partial<AccountAddress>, string]>([
    ['a country that is not one', { CountryCode: 'XX' }, 'UNKNOWN_COUNTRY: account 813: Address.CountryCode "XX" is not an ISO 3166 country'],
    ['a region written out', { RegionCode: 'Baden-Württemberg' }, 'FIELD_TOO_LONG: account 813: State is 17 characters; SL takes at most 3. Shorten it in Clarity'],
    ['a country written out', { CountryCode: 'Deutschland' }, 'UNKNOWN_COUNTRY: account 813: Address.CountryCode (11 characters) is not an ISO 3166 country']
  ])('%s is poison', (_, a, why) => {
    const r = reasonOf(withAddress(a))
    expect(r === 'none' ? r : `${r.code}: ${r.message}`).toBe(why)
  })
})

describe('an SL customer in the shared form, and agreeing', () => {
  it('trims SL\'s padded char fields and lower-cases the e-mail', () => {
    expect(sharedOfCustomer({ ...sl, Name: 'Kofi Mensah   ', City: ' Newark', EMailAddr: ' Kofi.Mensah@Example.com ' })).toEqual({
      Name: 'Kofi Mensah', Addr1: '12 Harbor Rd', Addr2: 'Unit 4, Rear', City: 'Newark', State: 'NJ', Zip: '07102', Country: 'USA', Phone: '+1 973 555 0100', EMailAddr: 'kofi.mensah@example.com'
    })
  })
  it.each<[string, Record<string, string>, Record<string, string>, boolean]>([
    ['the same', { Name: 'A' }, { Name: 'A', City: 'B' }, true],
    ['a field it states differs', { Name: 'A', City: 'C' }, { Name: 'A', City: 'B' }, false],
    ['an empty field against one not there', { Zip: '' }, {}, true],
    ['nothing stated', {}, { Name: 'A' }, true]
  ])('%s: %s', (_, want, have, same) => {
    expect(agrees(want, have)).toBe(same)
  })
})

describe('an SL customer as a Clarity account', () => {
  it('field by field, trimmed', () => {
    expect(accountOf({ ...sl, Name: '  Kofi   Mensah ', Addr1: ' 12 Harbor Rd ', Addr2: ' Unit 4 ', City: ' Newark ', State: ' NJ ', Zip: ' 07102 ', Country: ' usa ', CuryId: ' EUR ', EMailAddr: ' kofi@example.com ', Phone: ' 555 ' })).toEqual({
      CustomKey: 'W000813', Name: 'Kofi   Mensah', CreditCurrencyKey: 'EUR',
      PrimaryContact: {
        FirstName: 'Kofi', LastName: 'Mensah', Email1: 'kofi@example.com', Phone1: '555',
        Address: { Company: null, Street1: '12 Harbor Rd', Street2: 'Unit 4', Street3: null, City: 'Newark', RegionCode: 'NJ', CountryCode: 'US', PostalCode: '07102' }
      }
    })
  })

  it('what SL leaves blank is null in Clarity, or left to Clarity', () => {
    expect(accountOf({ ...sl, Name: 'Acme', Addr2: '  ', State: '', Zip: ' ', CuryId: '  ', EMailAddr: ' ', Phone: '' })).toEqual({
      CustomKey: 'W000813', Name: 'Acme',
      PrimaryContact: {
        FirstName: 'Acme', LastName: null, Email1: null, Phone1: null,
        Address: { Company: null, Street1: '12 Harbor Rd', Street2: null, Street3: null, City: 'Newark', RegionCode: null, CountryCode: 'US', PostalCode: null }
      }
    })
  })

  it('a name of three words: the first is the first name', () => {
    expect(accountOf({ ...sl, Name: 'Ana María Núñez' }).PrimaryContact).toMatchObject({ FirstName: 'Ana', LastName: 'María Núñez' })
  })

  it.each<[string, Partial<SlCustomer>]>([
    ['no street', { Addr1: '' }],
    ['a blank street', { Addr1: '   ' }],
    ['no city', { City: '' }],
    ['a blank city', { City: '  ' }],
    ['a country that is not one', { Country: 'XXX' }]
  ])('%s: Clarity keeps its own address', (_, change) => {
    expect(accountOf({ ...sl, ...change }).PrimaryContact).not.toHaveProperty('Address')
  })
})
