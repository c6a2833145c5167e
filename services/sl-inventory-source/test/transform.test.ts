import { describe, expect, it } from 'vitest'
import { toLevel } from '../src/transform.ts'

const row = { InvtID: 'PUMP-100-110V', SiteID: 'MAIN', QtyOnHand: 12, QtyAvail: 9, QtyAlloc: 3, QtyShipNotInv: 0, QtyOnPO: 40, LUpd_DateTime: '2026-11-27T10:00:00.000Z', tstamp: 811 }
const codeOf = (r: Record<string, unknown>): string => { try { toLevel(r); return 'none' } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}` } }

describe('SL item site → inventory.changes', () => {
  it('keys by item and site, quantities as decimals', () => {
    expect(toLevel(row)).toEqual({
      key: 'PUMP-100-110V|MAIN',
      value: { InvtID: 'PUMP-100-110V', SiteID: 'MAIN', QtyOnHand: '12.0000', QtyAvail: '9.0000', QtyAlloc: '3.0000', QtyShipNotInv: '0.0000', QtyOnPO: '40.0000', LUpd_DateTime: Date.parse(row.LUpd_DateTime), tstamp: 811 }
    })
  })
  it.each([
    ['a text quantity', { QtyAvail: 'twelve' }, 'QtyAvail is "twelve", not a number'],
    ['a missing quantity', { QtyOnHand: undefined }, 'QtyOnHand is missing, not a number'],
    ['NaN', { QtyAlloc: Number.NaN }, 'QtyAlloc is NaN, not a number'],
    ['no item', { InvtID: '' }, 'InvtID must be text'],
    ['no tstamp', { tstamp: '811' }, 'tstamp must be a number']
  ])('%s is a clear poison', (_, change, reason) => {
    expect(codeOf({ ...row, ...change })).toBe(`INVALID_LEVEL: item site ${String((change as { InvtID?: string }).InvtID ?? row.InvtID)} at MAIN: ${reason}`)
  })
})
