// The chaos run's check on payouts: each Clarity payout is one GL batch, balanced, of its
// amounts, currency and period.
import { describe, expect, it } from 'vitest'
import { checkPayouts, type ClarityPayoutState, type GlBatchState } from '../../chaos/reconcile.ts'

const payout = (ID: number, over: Partial<ClarityPayoutState> = {}): ClarityPayoutState => ({
  ID, PayoutDate: '2026-12-03T00:00:00.000Z', CurrencyKey: 'USD', GrossAmount: 100, FeeAmount: 3.2, RefundAmount: 10,
  NetAmount: 86.8, ...over
})
const batch = (p: ClarityPayoutState, over: Partial<GlBatchState> = {}): GlBatchState => ({
  BatNbr: `00000${p.ID}`, PerPost: '202612', CuryId: 'USD', CtrlTot: 90,
  Lines: [
    { Acct: '1010', DrAmt: p.NetAmount, CrAmt: 0, ExtRefNbr: `payout_${p.ID} ` },
    { Acct: '6110', DrAmt: p.FeeAmount, CrAmt: 0, ExtRefNbr: `payout_${p.ID}` },
    { Acct: '1205', DrAmt: 0, CrAmt: p.GrossAmount - p.RefundAmount, ExtRefNbr: `payout_${p.ID}` }
  ],
  ...over
})

describe('every payout exactly one balanced GL batch', () => {
  it('passes one batch per payout, and a payout of no amounts with none', () => {
    const a = payout(1); const b = payout(2, { CurrencyKey: 'EUR' })
    const empty = payout(3, { GrossAmount: 0, FeeAmount: 0, RefundAmount: 0, NetAmount: 0 })
    expect(checkPayouts([a, b, empty], [batch(a), batch(b, { CuryId: 'EUR ' })]))
      .toEqual({ name: 'every payout exactly one balanced GL batch', ok: true, detail: '3 payouts compared with 2 batches' })
  })

  it('fails on a payout missing, twice, unbalanced, or of other amounts, currency or period', () => {
    const ps = [1, 2, 3, 4, 5, 6, 7].map((id) => payout(id))
    const c = checkPayouts(ps, [
      batch(ps[1]!), batch(ps[1]!, { BatNbr: 'X' }),
      batch(ps[2]!, { CtrlTot: 91 }),
      batch(ps[3]!, { CuryId: 'EUR' }),
      batch(ps[4]!, { PerPost: '202611' }),
      batch(ps[5]!, { Lines: [{ Acct: '1010', DrAmt: 86.7, CrAmt: 0, ExtRefNbr: 'payout_6' }, { Acct: '1205', DrAmt: 0, CrAmt: 86.7, ExtRefNbr: 'payout_6' }], CtrlTot: 86.7 }),
      batch(ps[6]!, { Lines: [{ Acct: '1010', DrAmt: 86.8, CrAmt: 0, ExtRefNbr: 'payout_7' }, { Acct: '1205', DrAmt: 0, CrAmt: 86.8, ExtRefNbr: 'payout_7' }], CtrlTot: 86.8 })
    ])
    expect(c.ok).toBe(false)
    expect(c.detail).toBe('7 payouts compared with 7 batches; 1 missing in SL (e.g. 1); 1 more than once in SL (e.g. 2); ' +
      '1 unbalanced (e.g. 3); 4 with other amounts, currency or period (e.g. 4, 5, 6, 7)')
  })
})
