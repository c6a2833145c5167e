import { describe, expect, it } from 'vitest'
import { toItem } from '../src/transform.ts'

const row = { InvtID: 'PUMP-200-230V', Descr: '200 pump, 230v', ClassID: 'PUMP', TranStatusCode: 'AC', StkUnit: 'EA', StkBasePrc: 412.5, StdCost: 226.88, Weight: 9.4, TaxCat: 'TAXABLE', LUpd_DateTime: '2026-11-27T10:00:00.000Z', tstamp: 7 }
const reasonOf = (r: Record<string, unknown>): string => { try { toItem(r); return 'none' } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}` } }

describe('SL item → products.changes, at the edges', () => {
  it('empty text SL allows is kept; a free item is priced 0; a time that is not text is 0', () => {
    expect(toItem({ ...row, Descr: '', ClassID: '', TaxCat: '', StkBasePrc: 0, StdCost: 0, LUpd_DateTime: 2026 }).value).toMatchObject({ Descr: '', ClassID: '', TaxCat: '', StkBasePrc: '0.0000', StdCost: '0.0000', LUpd_DateTime: 0 })
    expect(toItem({ ...row, LUpd_DateTime: 'soon' }).value.LUpd_DateTime).toBe(0)
  })
  it.each<[Record<string, unknown>, string]>([
    [{ TranStatusCode: 'ac' }, 'item PUMP-200-230V: TranStatusCode ac is not one of AC, IN, NP, OH'],
    [{ TranStatusCode: null }, 'item PUMP-200-230V: TranStatusCode must be text'],
    [{ StdCost: Number.NaN }, 'item PUMP-200-230V: StdCost must be a number >= 0'],
    [{ StdCost: Number.POSITIVE_INFINITY }, 'item PUMP-200-230V: StdCost must be a number >= 0'],
    [{ Weight: -0.1 }, 'item PUMP-200-230V: Weight must be a number >= 0'],
    [{ Weight: '9.4' }, 'item PUMP-200-230V: Weight must be a number >= 0'],
    [{ tstamp: undefined }, 'item PUMP-200-230V: tstamp must be a number'],
    [{ StkUnit: undefined }, 'item PUMP-200-230V: StkUnit must be text']
  ])('%o is refused: %s', (change, why) => {
    expect(reasonOf({ ...row, ...change })).toBe(`INVALID_ITEM: ${why}`)
  })
})
