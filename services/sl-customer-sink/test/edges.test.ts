import { describe, expect, it } from 'vitest'
import type { ClarityAccount, CustomerMapping } from '../../../domain/customers.ts'
import { emailMatch, plan } from '../src/transform.ts'

const T0 = Date.parse('2026-11-27T10:00:00Z')
const m: CustomerMapping = { version: '1', custId: 'W{ID:6}', matchByEmail: true, newCustomers: {}, notPublished: [] }
const kofi: ClarityAccount = {
  ID: 813, CustomKey: null, Name: 'Kofi A. Mensah', IsTaxable: true, TaxExemptionNo: null, CreditCurrencyKey: 'USD', UpdatedDate: T0,
  PrimaryContact: { FirstName: 'Kofi', LastName: 'Mensah', Email1: 'kofi@example.com', Phone1: null, Address: null }
}
const row = { CustId: 'W000813', Name: 'Kofi Mensah', Addr1: '', Addr2: '', City: '', State: '', Zip: '', Country: '', Phone: '', EMailAddr: 'kofi@example.com', LUpd_DateTime: new Date(T0).toISOString() }

describe('what the sink does in SL, at the edges', () => {
  it('SL changed at the very same time as the account: the account\'s state is written', () => {
    expect(plan(m, kofi, 'W000813', row)).toEqual({ action: 'update', custId: 'W000813', body: { Name: 'Kofi A. Mensah' } })
    expect(plan(m, kofi, 'W000813', { ...row, LUpd_DateTime: new Date(T0 + 1).toISOString() })).toEqual({ action: 'none', custId: 'W000813', why: 'older' })
  })

  it('two SL customers with the e-mail is poison naming them', () => {
    const reason = (() => { try { emailMatch(kofi, [row, { ...row, CustId: 'C000999' }, { ...row, CustId: 'C001000' }]); return 'none' } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}` } })()
    expect(reason).toBe('DUPLICATE_EMAIL: account 813: 3 SL customers have its e-mail (W000813, C000999, C001000); link one by setting the account\'s CustomKey')
  })
})
