import { describe, expect, it } from 'vitest'
import { toItem } from '../src/transform.ts'

const row = { InvtID: 'PUMP-200-230V', Descr: '200 pump, 230v', ClassID: 'PUMP', TranStatusCode: 'AC', StkUnit: 'EA', StkBasePrc: 412.5, StdCost: 226.88, Weight: 9.4, TaxCat: 'TAXABLE', LUpd_DateTime: '2026-11-27T10:00:00.000Z', tstamp: 7 }
const reason = (r: Record<string, unknown>): string => { try { toItem(r); return 'none' } catch (e) { return (e as Error).message } }

describe('SL item → products.changes', () => {
  it('keys by InvtID, amounts as decimals', () => {
    expect(toItem(row)).toEqual({ key: 'PUMP-200-230V', value: { ...row, StkBasePrc: '412.5000', StdCost: '226.8800', Weight: '9.4000', LUpd_DateTime: Date.parse(row.LUpd_DateTime) } })
  })
  it.each([[undefined], [null], [0]])('a weight of %s is not known', (w) => {
    expect(toItem({ ...row, Weight: w }).value.Weight).toBeNull()
  })
  it.each([
    [{ TranStatusCode: 'XX' }, 'item PUMP-200-230V: TranStatusCode XX is not one of AC, IN, NP, OH'],
    [{ StkBasePrc: -1 }, 'item PUMP-200-230V: StkBasePrc must be a number >= 0'],
    [{ StkBasePrc: '412.50' }, 'item PUMP-200-230V: StkBasePrc must be a number >= 0'],
    [{ Descr: 5 }, 'item PUMP-200-230V: Descr must be text'],
    [{ InvtID: '' }, 'item : InvtID must be text']
  ])('%o is refused: %s', (change, why) => {
    expect(reason({ ...row, ...change })).toBe(why)
  })
})
