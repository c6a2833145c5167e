import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkPayoutMapping, loadPayoutMapping, payoutExtRefOf, payoutRefNbrOf, type PayoutMapping } from '../../../domain/payouts.ts'
import type { ClarityPayout } from '../../../domain/records.ts'
import { BridgeError } from '../../../lib/errors.ts'
import { projectRoot } from '../../../lib/paths.ts'
import { prng } from '../../../sandboxes/common/money.ts'
import { centsOf, periodOf, plan, type GlBatch } from '../src/transform.ts'

const mapping = loadPayoutMapping(join(projectRoot, 'mappings/payouts.yaml'))
const m = { ...mapping, accounts: { ...mapping.accounts, bank: { USD: '1010', EUR: '1020' } } }

const payout = (over: Partial<ClarityPayout> = {}): ClarityPayout => ({
  ID: 1127, PayoutDate: Date.parse('2026-11-27T00:00:00Z'), CurrencyKey: 'USD',
  GrossAmount: '1061.3500', FeeAmount: '30.3500', RefundAmount: '20.0000', NetAmount: '1011.0000',
  Transactions: [
    { TransactionNumber: 'ch_1', Kind: 'capture', Amount: '1000.0000', Fee: '29.3000' },
    { TransactionNumber: 'ch_2', Kind: 'capture', Amount: '61.35', Fee: '1.05' },
    { TransactionNumber: 'ch_3', Kind: 'refund', Amount: '20.0000', Fee: '0' }
  ],
  UpdatedDate: Date.parse('2026-11-28T02:00:00Z'),
  ...over
})

const batchOf = (p: ClarityPayout, map: PayoutMapping = m): GlBatch => {
  const step = plan(p, map)
  if (step.action !== 'post') throw new Error(`no batch: ${step.why}`)
  return step.batch
}
const refusal = (f: () => unknown): { code: string, message: string } => {
  try {
    f()
  } catch (err) {
    if (err instanceof BridgeError) return { code: err.code, message: err.message }
    throw err
  }
  throw new Error('not refused')
}

describe('a payout → its GL batch', () => {
  it('is the contract\'s example: Dr bank the net, Dr fees, Cr clearing the gross less refunds, in the period of its date', () => {
    const line = { Sub: '00-000-000', RefNbr: 'PO1127', ExtRefNbr: 'payout_1127', TranDate: '2026-11-27T00:00:00.000Z' }
    expect(batchOf(payout())).toEqual({
      JrnlType: 'ECM', PerPost: '202611', Descr: 'Card payout 2026-11-27 USD', CuryId: 'USD', CtrlTot: 1041.35,
      Lines: [
        { Acct: '1010', DrAmt: 1011, CrAmt: 0, TranDesc: 'Card payout 1127', ...line },
        { Acct: '6110', DrAmt: 30.35, CrAmt: 0, TranDesc: 'Card fees', ...line },
        { Acct: '1205', DrAmt: 0, CrAmt: 1041.35, TranDesc: 'Card clearing', ...line }
      ]
    })
  })

  it('takes the bank account of the payout\'s currency, else the default, else refuses naming the currency', () => {
    expect(batchOf(payout({ CurrencyKey: ' eur ' })).Lines[0]).toMatchObject({ Acct: '1020' })
    expect(batchOf(payout({ CurrencyKey: 'eur' })).CuryId).toBe('EUR')
    const withDefault = { ...m, accounts: { ...m.accounts, bank: { USD: '1010', default: '1030' } } }
    expect(batchOf(payout({ CurrencyKey: 'GBP' }), withDefault).Lines[0]).toMatchObject({ Acct: '1030' })
    expect(refusal(() => plan(payout({ CurrencyKey: 'GBP' }), m))).toEqual({
      code: 'PAYOUT_CURRENCY_UNMAPPED',
      message: 'payout 1127 is in GBP, which the payout mapping\'s accounts.bank has no account for (nor a default)'
    })
  })

  it('puts an amount below zero on the other side and leaves out a line of zero', () => {
    // Refunds beyond the day's captures: the bank pays the processor.
    const back = batchOf(payout({
      GrossAmount: '10', FeeAmount: '0', RefundAmount: '50', NetAmount: '-40',
      Transactions: [{ TransactionNumber: null, Kind: 'capture', Amount: '10', Fee: '0' }, { TransactionNumber: null, Kind: 'refund', Amount: '50', Fee: '0' }]
    }))
    expect(back.Lines.map((l) => [l.Acct, l.DrAmt, l.CrAmt])).toEqual([['1010', 0, 40], ['1205', 40, 0]])
    expect(back.CtrlTot).toBe(40)
    // A fee rebate, credited.
    const rebate = batchOf(payout({
      GrossAmount: '0', FeeAmount: '-2.50', RefundAmount: '0', NetAmount: '2.50',
      Transactions: [{ TransactionNumber: null, Kind: 'capture', Amount: '0', Fee: '-2.5' }]
    }))
    expect(rebate.Lines.map((l) => [l.Acct, l.DrAmt, l.CrAmt])).toEqual([['1010', 2.5, 0], ['6110', 0, 2.5]])
    expect(rebate.CtrlTot).toBe(2.5)
  })

  it('makes no batch of a payout that moved no money', () => {
    expect(plan(payout({ GrossAmount: '0', FeeAmount: '0', RefundAmount: '0', NetAmount: '0', Transactions: [] }), m))
      .toEqual({ action: 'none', why: 'no amounts' })
  })

  it('refuses a payout whose figures do not add up, naming the figure', () => {
    expect(refusal(() => plan(payout({ NetAmount: '1011.01' }), m))).toEqual({
      code: 'PAYOUT_UNBALANCED',
      message: 'payout 1127: GrossAmount - RefundAmount - FeeAmount is 1011, not its NetAmount 1011.01'
    })
    const short = payout().Transactions.slice(1)
    expect(refusal(() => plan(payout({ Transactions: short }), m))).toEqual({
      code: 'PAYOUT_UNBALANCED', message: 'payout 1127: its transactions sum to 61.35 where its GrossAmount is 1061.35'
    })
    const noRefund = payout().Transactions.slice(0, 2)
    expect(refusal(() => plan(payout({ Transactions: noRefund }), m))).toEqual({
      code: 'PAYOUT_UNBALANCED', message: 'payout 1127: its transactions sum to 0 where its RefundAmount is 20'
    })
    const fees = payout().Transactions.map((t, i) => (i === 0 ? { ...t, Fee: '29.29' } : t))
    expect(refusal(() => plan(payout({ Transactions: fees }), m))).toEqual({
      code: 'PAYOUT_UNBALANCED', message: 'payout 1127: its transactions sum to 30.34 where its FeeAmount is 30.35'
    })
    const kinds = payout().Transactions.map((t, i) => (i === 2 ? { ...t, Kind: 'chargeback' } : t))
    expect(refusal(() => plan(payout({ Transactions: kinds }), m))).toEqual({
      code: 'INVALID_PAYLOAD', message: 'payout 1127: Transactions[2].Kind must be capture or refund'
    })
  })

  it('refuses amounts SL cannot keep, naming the field', () => {
    expect(refusal(() => plan(payout({ FeeAmount: '30.3550' }), m))).toEqual({
      code: 'AMOUNT_NOT_IN_CENTS', message: 'payout 1127: FeeAmount 30.3550 has a fraction of a cent; SL keeps money to the cent'
    })
    expect(refusal(() => plan(payout({ RefundAmount: 'twenty' }), m))).toEqual({
      code: 'INVALID_PAYLOAD', message: 'payout 1127: RefundAmount must be an amount'
    })
    expect(refusal(() => plan(payout({ GrossAmount: '1e3' }), m)).code).toBe('INVALID_PAYLOAD')
    const tx = payout().Transactions.map((t, i) => (i === 1 ? { ...t, Amount: '61.351' } : t))
    expect(refusal(() => plan(payout({ Transactions: tx }), m))).toEqual({
      code: 'AMOUNT_NOT_IN_CENTS', message: 'payout 1127: Transactions[1].Amount 61.351 has a fraction of a cent; SL keeps money to the cent'
    })
    const fee = payout().Transactions.map((t, i) => (i === 1 ? { ...t, Fee: 'x' } : t))
    expect(refusal(() => plan(payout({ Transactions: fee }), m)).message).toBe('payout 1127: Transactions[1].Fee must be an amount')
    expect(refusal(() => plan(payout({ NetAmount: '99999999999999999' }), m))).toEqual({
      code: 'AMOUNT_TOO_LARGE', message: 'payout 1127: NetAmount is beyond what SL keeps exact to the cent'
    })
  })

  it('posts to the month of the payout\'s day in UTC, dates its lines that day, and keeps Descr to SL\'s 30 characters', () => {
    expect(periodOf(Date.parse('2026-12-31T23:59:59Z'))).toBe('202612')
    expect(periodOf(Date.parse('2027-01-01T00:00:00Z'))).toBe('202701')
    const late = batchOf(payout({ PayoutDate: Date.parse('2026-12-31T18:30:00Z') }))
    expect(late.PerPost).toBe('202612')
    expect(late.Lines.every((l) => l.TranDate === '2026-12-31T00:00:00.000Z')).toBe(true)
    const long = batchOf(payout({ ID: 123456789 }))
    expect(long.Descr).toBe('Card payout 2026-11-27 USD')
    expect(long.Lines[0]).not.toHaveProperty('RefNbr')
    expect(long.Lines[0]!.TranDesc).toBe('Card payout 123456789')
  })
})

describe('the keys of a payout in SL', () => {
  it('ExtRefNbr payout_<ID> while it fits 15 characters, else a hash that fits; RefNbr PO<ID> while it fits 10', () => {
    expect(payoutExtRefOf({ ID: 8842 })).toBe('payout_8842')
    expect(payoutExtRefOf({ ID: 12345678 })).toBe('payout_12345678')
    const long = payoutExtRefOf({ ID: 123456789 })
    expect(long).toMatch(/^~[A-Z2-7]{14}$/)
    expect(payoutExtRefOf({ ID: 123456789 })).toBe(long)
    expect(payoutRefNbrOf({ ID: 0 })).toBe('PO0')
    expect(payoutRefNbrOf({ ID: 99999999 })).toBe('PO99999999')
    expect(payoutRefNbrOf({ ID: 100000000 })).toBeUndefined()
    expect(payoutRefNbrOf({ ID: -1 })).toBeUndefined()
  })
})

describe('centsOf', () => {
  it.each([
    ['0', 0], ['-0.00', 0], ['12', 1200], ['12.3', 1230], ['12.34', 1234], ['12.3400', 1234], ['-12.34', -1234], [' 7.10 ', 710]
  ])('%s is %d cents', (d, cents) => { expect(centsOf(d, 'x')).toBe(cents) })
  it.each(['', '.5', '1.23456', '1,5', '+1', '--1', '1.'])('%j is not an amount', (d) => {
    expect(refusal(() => centsOf(d, 'x'))).toEqual({ code: 'INVALID_PAYLOAD', message: 'x must be an amount' })
  })
  it('a tenth of a cent is refused however it is written', () => {
    expect(refusal(() => centsOf('0.0010', 'x')).code).toBe('AMOUNT_NOT_IN_CENTS')
    expect(refusal(() => centsOf('0.0001', 'x')).code).toBe('AMOUNT_NOT_IN_CENTS')
  })
})

const dec = (cents: number, r: () => number): string => {
  const s = (Math.abs(cents) / 100).toFixed(2)
  // Clarity writes amounts either way: 12.3, 12.30, 12.3000.
  const written = r() < 0.3 ? s.replace(/\.?0+$/, '') || '0' : r() < 0.5 ? `${s}00` : s
  return cents < 0 ? `-${written}` : written
}

describe('a batch is balanced by construction', () => {
  it('ΣDr = ΣCr = CtrlTot to the cent for 5,000 random payouts: fees, refunds, currencies, rounding', () => {
    const seed = 20261203
    const r = prng(seed)
    const currencies = ['USD', 'EUR', 'GBP', 'CAD', 'JPY']
    const wide = { ...m, accounts: { ...m.accounts, bank: { ...m.accounts.bank, default: '1010' } } }
    for (let n = 0; n < 5000; n++) {
      const captures = Array.from({ length: Math.floor(r() * 30) }, () => {
        const amount = Math.floor(r() * (r() < 0.1 ? 1e8 : 50000))
        // A percentage fee and a fixed part, rounded half up: the sums carry every rounding.
        const fee = Math.round(amount * (0.01 + r() * 0.03)) + Math.floor(r() * 50)
        return { amount, fee }
      })
      const refunds = Array.from({ length: Math.floor(r() * 5) }, () => Math.floor(r() * 40000))
      const gross = captures.reduce((s, c) => s + c.amount, 0)
      const fee = captures.reduce((s, c) => s + c.fee, 0)
      const refund = refunds.reduce((s, x) => s + x, 0)
      const p = payout({
        ID: n, CurrencyKey: currencies[Math.floor(r() * currencies.length)]!,
        PayoutDate: Date.parse('2026-01-01T00:00:00Z') + Math.floor(r() * 730) * 86400000,
        GrossAmount: dec(gross, r), FeeAmount: dec(fee, r), RefundAmount: dec(refund, r),
        NetAmount: dec(gross - refund - fee, r),
        Transactions: [
          ...captures.map((c) => ({ TransactionNumber: null, Kind: 'capture', Amount: dec(c.amount, r), Fee: dec(c.fee, r) })),
          ...refunds.map((x) => ({ TransactionNumber: null, Kind: 'refund', Amount: dec(x, r), Fee: '0' }))
        ]
      })
      const step = plan(p, wide)
      if (step.action === 'none') {
        expect({ seed, n, gross, fee, refund }).toMatchObject({ gross: 0, fee: 0, refund: 0 })
        continue
      }
      const { batch } = step
      const cents = (v: number): number => Math.round(v * 100)
      const dr = batch.Lines.reduce((s, l) => s + cents(l.DrAmt), 0)
      const cr = batch.Lines.reduce((s, l) => s + cents(l.CrAmt), 0)
      // Each line one side, of a positive amount in whole cents as SL keeps it.
      const exact = (v: number): boolean => v >= 0 && cents(v) / 100 === v
      const ok = dr === cr && dr === cents(batch.CtrlTot) &&
        batch.Lines.every((l) => (l.DrAmt > 0) !== (l.CrAmt > 0) && exact(l.DrAmt) && exact(l.CrAmt))
      if (!ok) expect({ seed, n, batch }).toBe('balanced')
      const net = batch.Lines.find((l) => l.TranDesc.startsWith('Card payout'))
      expect(net === undefined ? 0 : cents(net.DrAmt) - cents(net.CrAmt)).toBe(gross - refund - fee)
    }
  })
})

describe('the payout mapping', () => {
  const good = { version: '1', journalType: 'ECM', subaccount: '00-000-000', accounts: { bank: { USD: '1010' }, fees: '6110', clearing: '1205' } }
  const problems = (raw: unknown): string[] => {
    try {
      checkPayoutMapping(raw, 'payouts.yaml')
      return []
    } catch (err) {
      return (err as { problems: string[] }).problems
    }
  }

  it('takes the shipped file and a good table as they are', () => {
    expect(mapping).toEqual({
      version: '2026-12-03.1', journalType: 'ECM', subaccount: '00-000-000',
      accounts: { bank: { USD: '1010', default: '1010' }, fees: '6110', clearing: '1205' }
    })
    expect(checkPayoutMapping(good, 'x')).toEqual(good)
  })

  it('lists every problem at once, each naming its key', () => {
    expect(problems({
      version: 3, journalType: 'ECOM', subaccount: ' 00 ', extra: 1,
      accounts: { bank: { usd: '1010', EUR: '', GBP: 'ABCDEFGHIJK' }, fees: 6110, other: 'x' }
    })).toEqual([
      'unknown key "extra"; known: version, journalType, subaccount, accounts',
      'version is required (text)',
      'journalType is longer than SL\'s 3 characters',
      'subaccount must not start or end with spaces',
      'accounts: unknown key "other"; known: bank, fees, clearing',
      'accounts.fees is required (text)',
      'accounts.clearing is required (text)',
      'accounts.bank: "usd" is not a currency code (3 capitals) nor default',
      'accounts.bank.EUR is required (text)',
      'accounts.bank.GBP is longer than SL\'s 10 characters'
    ])
    expect(problems([])).toEqual([
      'the file must be a table (key: value)', 'version is required (text)', 'journalType is required (text)',
      'subaccount is required (text)', 'accounts is required: a table of bank, fees and clearing',
      'accounts.fees is required (text)', 'accounts.clearing is required (text)',
      'accounts.bank is required: a table of currency (or default): account'
    ])
    expect(problems({ ...good, version: '' })).toEqual(['version is required (text)'])
    expect(problems({ ...good, accounts: { ...good.accounts, bank: {} } }))
      .toEqual(['accounts.bank is required: a table of currency (or default): account'])
    expect(problems({ ...good, accounts: { ...good.accounts, bank: [] } }))
      .toEqual(['accounts.bank is required: a table of currency (or default): account'])
    expect(problems({ ...good, subaccount: 'x'.repeat(24), journalType: 'ABC' })).toEqual([])
    expect(problems({ ...good, subaccount: 'x'.repeat(25) })).toEqual(['subaccount is longer than SL\'s 24 characters'])
    expect(problems({ ...good, journalType: '   ' })).toEqual(['journalType is required (text)'])
  })

  it('stops a start with the file named and every problem', () => {
    expect(() => checkPayoutMapping({}, 'mappings/payouts.yaml')).toThrow(/^mapping mappings\/payouts.yaml has problems:\n {2}version is required/)
  })
})
