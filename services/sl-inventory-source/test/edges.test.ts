import { describe, expect, it } from 'vitest'
import { toLevel } from '../src/transform.ts'

const row = { InvtID: 'PUMP-100-110V', SiteID: 'MAIN', QtyOnHand: 0, QtyAvail: 0, QtyAlloc: 0, QtyShipNotInv: 0, QtyOnPO: -2, LUpd_DateTime: '2026-11-27T10:00:00.000Z', tstamp: 811 }
const reasonOf = (r: Record<string, unknown>): string => { try { toLevel(r); return 'none' } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}` } }

describe('SL item site → inventory.changes, at the edges', () => {
  it('a level of exactly 0, and a negative one, are carried as SL says (the sink decides)', () => {
    expect(toLevel(row).value).toMatchObject({ QtyOnHand: '0.0000', QtyAvail: '0.0000', QtyOnPO: '-2.0000' })
  })
  it('a change time that is not text, or not a time, is 0', () => {
    expect(toLevel({ ...row, LUpd_DateTime: 2026 }).value.LUpd_DateTime).toBe(0)
    expect(toLevel({ ...row, LUpd_DateTime: 'soon' }).value.LUpd_DateTime).toBe(0)
  })
  it.each<[Record<string, unknown>, string]>([
    [{ SiteID: 5 }, 'item site PUMP-100-110V at 5: SiteID must be text'],
    [{ SiteID: '' }, 'item site PUMP-100-110V at : SiteID must be text'],
    [{ QtyOnPO: '40' }, 'item site PUMP-100-110V at MAIN: QtyOnPO is "40", not a number'],
    [{ QtyShipNotInv: Number.NEGATIVE_INFINITY }, 'item site PUMP-100-110V at MAIN: QtyShipNotInv is -Infinity, not a number'],
    [{ QtyOnHand: null }, 'item site PUMP-100-110V at MAIN: QtyOnHand is null, not a number']
  ])('%o is refused: %s', (change, why) => {
    expect(reasonOf({ ...row, ...change })).toBe(`INVALID_LEVEL: ${why}`)
  })
})
