import { describe, expect, it } from 'vitest'
import { toCustomer } from '../src/transform.ts'

const row = {
  CustId: 'C000105', Name: 'Farah Haddad', Addr1: '115 Main St', Addr2: '', City: 'Denver', State: 'CO', Zip: '80202', Country: 'USA', Phone: '+1 512 555 1005',
  EMailAddr: 'farah.5@example.com', ClassId: 'WEB', CuryId: 'USD', Terms: '30', TaxID00: '', Status: 'A', LUpd_DateTime: '2026-11-27T10:00:00.000Z', tstamp: 1203
}
const reasonOf = (r: Record<string, unknown>): string => { try { toCustomer(r); return 'none' } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}` } }

describe('SL customer → customers.changes, at the edges', () => {
  it('a change time that is not text, or not a time, is 0', () => {
    expect(toCustomer({ ...row, LUpd_DateTime: 2026 }).value.LUpd_DateTime).toBe(0)
    expect(toCustomer({ ...row, LUpd_DateTime: 'soon' }).value.LUpd_DateTime).toBe(0)
  })
  it.each<[Record<string, unknown>, string]>([
    [{ Name: null, City: 5 }, 'customer C000105: Name, City must be text'],
    [{ CustId: 7 }, 'customer 7: CustId must be text'],
    [{ CustId: '' }, 'customer : CustId is empty'],
    [{ tstamp: '1203' }, 'customer C000105: tstamp must be a number']
  ])('%o is refused: %s', (change, why) => {
    expect(reasonOf({ ...row, ...change })).toBe(`INVALID_CUSTOMER: ${why}`)
  })
})
