import { describe, expect, it } from 'vitest'
import { toCustomer } from '../src/transform.ts'

const row = {
  CustId: 'C000105', Name: 'Farah Haddad', Addr1: '115 Main St', Addr2: '', City: 'Denver', State: 'CO', Zip: '80202', Country: 'USA', Phone: '+1 512 555 1005',
  EMailAddr: 'farah.5@example.com', ClassId: 'WEB', CuryId: 'USD', Terms: '30', TaxID00: '', Status: 'A', ShipTo: [], LUpd_DateTime: '2026-11-27T10:00:00.000Z', tstamp: 1203
}

describe('SL customer → customers.changes', () => {
  it('keys by CustId; ship-tos are not part of it', () => {
    const { ShipTo, ...rest } = row
    expect(toCustomer(row)).toEqual({ key: 'C000105', value: { ...rest, LUpd_DateTime: Date.parse(row.LUpd_DateTime) } })
  })
  it.each([
    [{ Name: null }, 'customer C000105: Name must be text'],
    [{ CustId: '' }, 'customer : CustId is empty'],
    [{ tstamp: undefined }, 'customer C000105: tstamp must be a number']
  ])('%o is refused: %s', (change, why) => {
    expect(() => toCustomer({ ...row, ...change })).toThrow(why)
  })
})
