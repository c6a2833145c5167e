// `bridge reconcile`: the command line, the range of days, each status of a payment and a
// payout, the totals per currency to the cent, the summary and the CSV; and the reading
// itself against in-memory clients (paging while rows move, bounded lookups, retries).
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  amount, centsOf, csvField, csvOf, CSV_HEADER, isDay, OptionError, paymentRow, paymentsIn, payoutRow, payoutsIn,
  progressTo, rangeOf, reconcile, reconcileOptions, refundRow, summaryLines, summaryOf, type Phase, type ReconcileRun,
  type Reconciliation, type Row
} from '../../cli/reconcile.ts'
import { extRefOf } from '../../domain/payments.ts'
import { loadPayoutMapping } from '../../domain/payouts.ts'
import type { ClarityPayment, ClarityPayout } from '../../domain/records.ts'
import { fatal, retriable } from '../../lib/errors.ts'
import { projectRoot } from '../../lib/paths.ts'
import { plan } from '../../services/sl-payout-sink/src/transform.ts'

type O = Record<string, unknown>
const DAY = 86400000
const at = (iso: string): number => Date.parse(iso)
const iso = (ms: number): string => new Date(ms).toISOString()
const NOW = at('2026-11-30T12:00:00.000Z')
const mapping = loadPayoutMapping(join(projectRoot, 'mappings/payouts.yaml'))

const pay = (ID: number, over: Partial<ClarityPayment> = {}): ClarityPayment => ({
  ID, SalesOrderID: 1000 + ID, Amount: '62.3300', CurrencyKey: 'USD', StatusKey: 'Payment Received', TransactionNumber: `ch_${ID}`, CardTypeKey: 'VISA', ReceivedDate: at('2026-11-10T10:00:00Z'), UpdatedDate: at('2026-11-10T10:00:01Z'), ...over
})
// As SL's API layer answers: char fields padded, money as floats.
const doc = (p: ClarityPayment, over: O = {}): O => ({
  RefNbr: `W${String(p.ID).padStart(9, '0')}`, DocType: 'PA', CustId: 'C000123        ', DocDate: '2026-11-10T10:00:00.000Z', CuryId: 'USD ', CuryOrigDocAmt: Number(p.Amount), CuryDocBal: 0, ExtRefNbr: `${extRefOf(p)} `, ...over
})
const payout = (ID: number, over: Partial<ClarityPayout> = {}): ClarityPayout => ({
  ID, PayoutDate: at('2026-11-10T00:00:00.000Z'), CurrencyKey: 'USD', GrossAmount: '100.0000', FeeAmount: '3.2000', RefundAmount: '10.0000', NetAmount: '86.8000', UpdatedDate: at('2026-11-10T00:00:00.000Z'),
  Transactions: [{ TransactionNumber: 'ch_1', Kind: 'capture', Amount: '100.0000', Fee: '3.2000' }, { TransactionNumber: 'ch_2', Kind: 'refund', Amount: '10.0000', Fee: '0' }],
  ...over
})
/** The batch the payout sink posts for the payout (Dr bank 86.80, Dr fees 3.20, Cr clearing 90.00), as SL keeps it. */
const batchOf = (p: ClarityPayout, BatNbr = `00${p.ID}`): O & { Lines: O[], CtrlTot: number } => {
  const planned = plan(p, mapping)
  if (planned.action !== 'post') throw new Error('nothing to post')
  return { BatNbr, Module: 'GL', Status: 'B', ...planned.batch, Lines: planned.batch.Lines.map((l) => ({ ...l })) }
}
const zero = (ID: number) => payout(ID, { GrossAmount: '0', FeeAmount: '0', RefundAmount: '0', NetAmount: '0', Transactions: [] })

describe('reconcile: the command line', () => {
  const bad = (argv: string[]): string => {
    try { reconcileOptions(argv) } catch (e) { expect(e).toBeInstanceOf(OptionError); return (e as Error).message }
    throw new Error('accepted')
  }
  const range = ['--from', '2026-11-01', '--to', '2026-11-02']

  it('takes two days, inclusive, one day alone, and --prepaid-days 7 by default', () => {
    expect(reconcileOptions(['--from', '2026-11-01', '--to', '2026-11-30'])).toEqual({ from: '2026-11-01', to: '2026-11-30', prepaidDays: 7 })
    expect(reconcileOptions(['--from', '2026-11-05', '--to', '2026-11-05', '--csv', 'r.csv', '--prepaid-days', '0'])).toEqual({ from: '2026-11-05', to: '2026-11-05', prepaidDays: 0, csv: 'r.csv' })
    expect(reconcileOptions(['--to=2024-02-29', '--from=2024-02-29'])).toMatchObject({ from: '2024-02-29', to: '2024-02-29' })
  })

  it.each<[string[], string]>([
    [['--to', '2026-11-30'], 'reconcile needs --from DATE (YYYY-MM-DD, UTC)'],
    [['--from', '2026-11-01'], 'reconcile needs --to DATE (YYYY-MM-DD, UTC)'],
    [[], 'reconcile needs --from DATE (YYYY-MM-DD, UTC)'],
    [['--from', '2026-11-1', '--to', '2026-11-30'], '--from must be a calendar day YYYY-MM-DD (UTC), not "2026-11-1"'],
    [['--from', '2026-11-01', '--to', '2026-02-30'], '--to must be a calendar day YYYY-MM-DD (UTC), not "2026-02-30"'],
    [['--from', '2026-11-01T00:00:00Z', '--to', '2026-11-30'], '--from must be a calendar day YYYY-MM-DD (UTC), not "2026-11-01T00:00:00Z"'],
    [['--from', 'yesterday', '--to', '2026-11-30'], '--from must be a calendar day YYYY-MM-DD (UTC), not "yesterday"'],
    [['--from', '2026-11-02', '--to', '2026-11-01'], '--to 2026-11-01 is before --from 2026-11-02: the range runs from --from to --to'],
    [[...range, '--csv', ''], '--csv needs a file name'],
    ...['-1', '1.5', 'x', '', '7d', '123456'].map((n): [string[], string] => [[...range, `--prepaid-days=${n}`], '--prepaid-days must be a whole number of days, 0 to 99999'])
  ])('refuses %j: %s', (argv, message) => { expect(bad(argv)).toBe(message) })

  it('refuses unknown options, extra words and an option without its value, naming them', () => {
    expect(bad([...range, '--form', 'x'])).toMatch(/^reconcile: .*--form/)
    expect(bad([...range, 'extra'])).toMatch(/^reconcile: .*extra/)
    expect(bad(['--from'])).toMatch(/^reconcile: .*--from/)
  })

  it('knows calendar days', () => {
    expect(['2024-02-29', '2026-12-31', '2026-01-01'].map(isDay)).toEqual([true, true, true])
    expect(['2026-02-29', '2026-13-01', '2026-00-10', '2026-1-01', '26-01-01', ' 2026-01-01'].map(isDay)).toEqual(Array(6).fill(false))
  })
})

describe('reconcile: the range of days', () => {
  const r = rangeOf('2026-11-01', '2026-11-30')

  it('runs from the first day at 00:00 UTC to the end of the last', () => {
    expect(r).toEqual({ startMs: at('2026-11-01T00:00:00.000Z'), endMs: at('2026-12-01T00:00:00.000Z') })
    const one = rangeOf('2026-11-05', '2026-11-05')
    expect(one.endMs - one.startMs).toBe(DAY)
  })

  it('takes captured payments received in it, both edges inclusive, and leaves the rest', () => {
    const ps = [
      pay(1, { ReceivedDate: at('2026-11-01T00:00:00.000Z') }), pay(2, { ReceivedDate: at('2026-11-30T23:59:59.999Z') }), pay(3, { ReceivedDate: at('2026-12-01T00:00:00.000Z') }),
      pay(4, { ReceivedDate: at('2026-10-31T23:59:59.999Z'), UpdatedDate: at('2026-11-02T00:00:00Z') }), pay(5, { StatusKey: 'Authorized', ReceivedDate: null }), pay(6, { StatusKey: 'Voided' }),
      // Captured without a ReceivedDate: dated by its UpdatedDate, as the sink dates its document.
      pay(7, { ReceivedDate: null, UpdatedDate: at('2026-11-15T00:00:00Z') }), pay(8, { ReceivedDate: null, UpdatedDate: at('2026-12-15T00:00:00Z') })
    ]
    expect(paymentsIn(ps.reverse(), r).payments.map((p) => p.ID)).toEqual([1, 2, 7])
  })

  it('takes a refunded payment as a payment of its capture and, dated by its last change, as a refund', () => {
    const { payments, refunds } = paymentsIn([
      pay(1, { StatusKey: 'Refunded', UpdatedDate: at('2026-11-20T00:00:00Z') }), pay(2, { StatusKey: 'Refunded', UpdatedDate: at('2026-12-02T00:00:00Z') }),
      pay(3, { StatusKey: 'Refunded', ReceivedDate: at('2026-10-30T00:00:00Z'), UpdatedDate: at('2026-11-01T00:00:00Z') })
    ], r)
    expect([payments.map((p) => p.ID), refunds.map((p) => p.ID)]).toEqual([[1, 2], [1, 3]])
  })

  it('takes payouts dated in it', () => {
    const ps = ['2026-12-01', '2026-11-30', '2026-11-01', '2026-10-31'].map((d, i) => payout(4 - i, { PayoutDate: at(`${d}T00:00:00.000Z`) }))
    expect(payoutsIn(ps, r).map((p) => p.ID)).toEqual([2, 3])
  })
})

describe('reconcile: money to the cent', () => {
  it('reads Clarity\'s decimals exactly and writes cents as amounts', () => {
    expect(['62.3300', '0.1', '0', '1234567.89', '-5.5', '0.005', '0.0049', '-1.005', '-0.0001', '90071992547.40'].map(centsOf))
      .toEqual([6233, 10, 0, 123456789, -550, 1, 0, -101, 0, 9007199254740])
    expect(() => centsOf('1e3')).toThrow('an amount must be a decimal number')
    expect([123456, -5, 0, 100, -123456789].map((c) => amount(c))).toEqual(['1234.56', '-0.05', '0.00', '1.00', '-1234567.89'])
    expect([amount(123456789, true), amount(NaN)]).toEqual(['1,234,567.89', '?'])
  })
})

describe('reconcile: a payment against SL\'s receivables', () => {
  const p = pay(77)
  const row = (docs: O[], o: { now?: number, days?: number, of?: ClarityPayment } = {}): Row =>
    paymentRow(o.of ?? p, docs, o.now ?? NOW, o.days ?? 7)
  const open = (DocDate: string | number, over: O = {}) =>
    doc(p, { DocType: 'PP', CuryDocBal: 62.33, DocDate: typeof DocDate === 'number' ? iso(DocDate) : DocDate, ...over })

  it('matched: one payment document of its amount and currency, padded as SL keeps it', () => {
    expect(row([doc(p)])).toEqual({ kind: 'payment', clarityId: 77, extRefNbr: 'ch_77', currency: 'USD', clarityCents: 6233, sl: [{ ref: 'PA W000000077', currency: 'USD', cents: 6233 }], status: 'matched', detail: '' })
  })

  it.each([
    ['a prepayment applied', [doc(p, { DocType: 'PP ' })], 'matched', ''],
    ['a payment applied at creation with a balance left (not a prepayment waiting)', [doc(p, { CuryDocBal: 10, DocDate: '2026-01-01T00:00:00Z' })], 'matched', ''],
    ['no document', [], 'missing', 'no PA or PP document with this ExtRefNbr'],
    ['only documents that are not payments', [doc(p, { DocType: 'IN' }), doc(p, { DocType: 'CM' })], 'missing', 'no PA or PP document with this ExtRefNbr'],
    ['two payment documents', [doc(p), doc(p, { RefNbr: 'W000000099', DocType: 'PP' }), doc(p, { DocType: 'IN' })], 'duplicated', '2 PA/PP documents with this ExtRefNbr'],
    ['a cent less', [doc(p, { CuryOrigDocAmt: 62.32 })], 'differs', 'CuryOrigDocAmt 62.32, not the Amount 62.33'],
    ['another currency', [doc(p, { CuryId: 'EUR ' })], 'differs', 'CuryId EUR, not the CurrencyKey USD'],
    ['both', [doc(p, { CuryOrigDocAmt: 1, CuryId: '' })], 'differs', 'CuryOrigDocAmt 1.00, not the Amount 62.33; CuryId (none), not the CurrencyKey USD'],
    ['an amount that is not a number', [doc(p, { CuryOrigDocAmt: '62.33' })], 'differs', 'CuryOrigDocAmt ?, not the Amount 62.33'],
    ['a differing prepayment long open', [open('2026-01-01T00:00:00Z', { CuryOrigDocAmt: 5 })], 'differs', 'CuryOrigDocAmt 5.00, not the Amount 62.33'],
    ['a prepayment open past --prepaid-days', [open('2026-11-20T10:00:00.000Z')], 'unapplied', 'prepayment open 10 days, CuryDocBal 62.33: applied to no invoice within --prepaid-days 7'],
    ['a prepayment open within them', [open('2026-11-25T12:00:00.000Z')], 'matched', 'prepayment open 5 days, CuryDocBal 62.33, within --prepaid-days 7']
  ])('%s: %s', (_, docs, status, detail) => { expect(row(docs)).toMatchObject({ status, detail }) })

  it('keeps every document found, in its own currency', () => {
    expect(row([doc(p), doc(p, { RefNbr: 'W000000099', DocType: 'PP', CuryId: 'EUR' })]).sl).toEqual([{ ref: 'PA W000000077', currency: 'USD', cents: 6233 }, { ref: 'PP W000000099', currency: 'EUR', cents: 6233 }])
  })

  it('the prepaid age: exactly the days is not older than them, a millisecond more is', () => {
    expect(row([open(NOW - 7 * DAY)]).status).toBe('matched')
    expect(row([open(NOW - 7 * DAY - 1)]).status).toBe('unapplied')
    expect(row([open(NOW - 1)], { days: 0 }).status).toBe('unapplied')
    expect(row([open(NOW)], { days: 0 }).status).toBe('matched')
    expect(row([open('2026-11-01T00:00:00.000Z')], { days: 365 }).status).toBe('matched')
  })

  it('SL\'s floats and Clarity\'s decimals meet to the cent; a long processor id is looked for by its hash key', () => {
    const q = pay(78, { Amount: '0.3000' })
    expect(row([doc(q, { CuryOrigDocAmt: 0.1 + 0.2 })], { of: q }).status).toBe('matched')
    const long = pay(79, { TransactionNumber: `pi_${'x'.repeat(40)}` })
    expect(extRefOf(long)).toMatch(/^~.{14}$/)
    expect(row([doc(long)], { of: long })).toMatchObject({ status: 'matched', extRefNbr: extRefOf(long) })
  })

  it('a refund is its own row, not checked', () => {
    expect(refundRow(pay(80, { StatusKey: 'Refunded', CurrencyKey: 'eur ' }))).toEqual({ kind: 'refund', clarityId: 80, extRefNbr: 'ch_80', currency: 'EUR', clarityCents: 6233, sl: [], status: 'not-checked', detail: 'the bridge does not post refunds to SL yet' })
  })
})

describe('reconcile: a payout against SL\'s ledger', () => {
  const p = payout(8842)
  const row = (batches: O[], of: ClarityPayout = p, m = mapping): Row => payoutRow(of, batches, m)
  /** The sink's batch with its lines changed, CtrlTot as given. */
  const changed = (CtrlTot: number, change: (ls: O[]) => void) => {
    const b = batchOf(p)
    change(b.Lines)
    return { ...b, CtrlTot }
  }
  const net = (role: string, acct: string, got: string, want: string) => `${role} account ${acct} nets (Dr +, Cr -) ${got}, not ${want}`

  it('matched: the one balanced batch the sink posts, padded as SL keeps it', () => {
    const b = batchOf(p)
    const padded = { ...b, CuryId: 'USD ', BatNbr: '008842    ', Lines: b.Lines.map((l) => ({ ...l, Acct: `${String(l.Acct)}      `, ExtRefNbr: `${String(l.ExtRefNbr)} ` })) }
    expect(row([padded])).toEqual({ kind: 'payout', clarityId: 8842, extRefNbr: 'payout_8842', currency: 'USD', clarityCents: 8680, sl: [{ ref: '008842', currency: 'USD', cents: 8680 }], status: 'matched', detail: '' })
  })

  it.each([
    ['no batch', [], 'missing', 'no GL batch with this ExtRefNbr'],
    ['two batches', [batchOf(p, '001'), batchOf(p, '002')], 'duplicated', '2 GL batches with this ExtRefNbr'],
    ['CtrlTot off by a cent', [{ ...batchOf(p), CtrlTot: 90.01 }], 'differs', 'not balanced: ΣDrAmt 90.00, ΣCrAmt 90.00, CtrlTot 90.01'],
    ['debits not the credits', [changed(90, (ls) => { ls[2]!.CrAmt = 89.99 })], 'differs', `not balanced: ΣDrAmt 90.00, ΣCrAmt 89.99, CtrlTot 90.00; ${net('clearing', '1205', '-89.99', '-90.00')}`],
    ['another currency', [{ ...batchOf(p), CuryId: 'EUR' }], 'differs', 'CuryId EUR, not the CurrencyKey USD'],
    ['another period', [{ ...batchOf(p), PerPost: '202612' }], 'differs', 'PerPost 202612, not the PayoutDate\'s period 202611'],
    ['the bank line not the NetAmount, balanced', [changed(89.99, (ls) => { ls[0]!.DrAmt = 86.79; ls[2]!.CrAmt = 89.99 })], 'differs', `${net('bank', '1010', '86.79', '86.80')}; ${net('clearing', '1205', '-89.99', '-90.00')}`],
    ['a line on an account the mapping does not post to', [changed(90.01, (ls) => { ls.push({ ...ls[0]!, Acct: '9999', DrAmt: 0, CrAmt: 0.01 }); ls[0]!.DrAmt = 86.81 })], 'differs', `${net('bank', '1010', '86.81', '86.80')}; ${net('other', '9999', '-0.01', '0.00')}`],
    ['the fee line missing', [changed(86.8, (ls) => { ls.splice(1, 1); ls[1]!.CrAmt = 86.8 })], 'differs', `${net('fees', '6110', '0.00', '3.20')}; ${net('clearing', '1205', '-86.80', '-90.00')}`]
  ])('%s: %s', (_, batches, status, detail) => { expect(row(batches as O[])).toMatchObject({ status, detail }) })

  it('a payout of no amounts needs no batch; one for it differs', () => {
    expect(row([], zero(9))).toMatchObject({ status: 'matched', detail: 'nothing to post', sl: [], clarityCents: 0 })
    expect(row([batchOf(p)], zero(9))).toMatchObject({ status: 'differs', detail: 'a batch for no amounts' })
  })

  it('keeps every batch found, with its bank line\'s net', () => {
    expect(row([batchOf(p, '001'), changed(90, (ls) => { ls[0]!.DrAmt = 80; ls[1]!.DrAmt = 10 })]).sl).toEqual([{ ref: '001', currency: 'USD', cents: 8680 }, { ref: '008842', currency: 'USD', cents: 8000 }])
  })

  it('a batch that also carries another payout\'s lines: only this payout\'s lines are its own', () => {
    const other = batchOf(payout(1, { NetAmount: '50.0000', GrossAmount: '53.2000', RefundAmount: '0', Transactions: [{ TransactionNumber: 'ch_9', Kind: 'capture', Amount: '53.2000', Fee: '3.2000' }] }))
    const b = batchOf(p)
    expect(row([{ ...b, CtrlTot: b.CtrlTot + other.CtrlTot, Lines: [...b.Lines, ...other.Lines] }])).toMatchObject({ status: 'matched', sl: [{ cents: 8680 }] })
  })

  it('a payout in a currency the mapping sends to the default bank account', () => {
    const eur = payout(12, { CurrencyKey: 'EUR' })
    expect(row([batchOf(eur)], eur)).toMatchObject({ status: 'matched', currency: 'EUR', sl: [{ currency: 'EUR', cents: 8680 }] })
  })

  it('a payout the sink refuses (its figures do not add up, no bank account for its currency): the sink\'s reason', () => {
    const off = payout(13, { NetAmount: '86.7900' })
    expect(row([], off)).toMatchObject({ status: 'missing', detail: 'the payout sink refuses it: payout 13: GrossAmount - RefundAmount - FeeAmount is 86.8, not its NetAmount 86.79' })
    expect(row([batchOf(p)], off).status).toBe('differs')
    const noDefault = { ...mapping, accounts: { ...mapping.accounts, bank: { USD: '1010' } } }
    const gbp = row([], payout(14, { CurrencyKey: 'GBP' }), noDefault)
    expect(gbp).toMatchObject({ status: 'missing', sl: [] })
    expect(gbp.detail).toMatch(/^the payout sink refuses it: payout 14 is in GBP/)
  })
})

const r = (over: Partial<Row>): Row => ({ kind: 'payment', clarityId: 1, extRefNbr: 'ch_1', currency: 'USD', clarityCents: 0, sl: [], status: 'matched', detail: '', ...over })
const found = (ref: string, cents: number, currency = 'USD') => ({ ref, currency, cents })

describe('reconcile: totals per currency', () => {
  it('adds Clarity\'s amounts and every SL document\'s, each in its own currency, to the cent', () => {
    const s = summaryOf([
      ...[0.1, 0.2, 0.7].map((v, i) => r({ clarityId: i, clarityCents: centsOf(String(v)), sl: [found(`PA ${i}`, Math.round(v * 100))] })),
      r({ clarityId: 5, clarityCents: 6233, status: 'missing' }), r({ clarityId: 6, clarityCents: 1000, status: 'duplicated', sl: [found('a', 1000), found('b', 1000)] }),
      r({ clarityId: 7, clarityCents: 500, status: 'differs', sl: [found('c', 500, 'EUR')] }), r({ clarityId: 8, currency: 'EUR', clarityCents: 199999, sl: [found('d', 199999, 'EUR')] }),
      r({ kind: 'refund', clarityId: 5, clarityCents: 6233, status: 'not-checked' }), r({ kind: 'payout', clarityId: 9, clarityCents: 8680, sl: [found('001', 8679)], status: 'differs' }),
      r({ kind: 'payout', clarityId: 10, currency: 'EUR', clarityCents: 0 })
    ])
    // 0.10 + 0.20 + 0.70 is 1.00 on both sides.
    expect([...s.payments]).toEqual([['USD', { clarity: 7833, sl: 2100 }], ['EUR', { clarity: 199999, sl: 200499 }]])
    expect(Object.fromEntries(s.payouts)).toEqual({ USD: { clarity: 8680, sl: 8679 }, EUR: { clarity: 0, sl: 0 } })
    expect(Object.fromEntries(s.refunds)).toEqual({ USD: { clarity: 6233, sl: 0 } })
    expect(s.counts).toEqual({ matched: 5, missing: 1, duplicated: 1, differs: 2, unapplied: 0, 'not-checked': 1 })
  })
})

describe('reconcile: what the controller reads', () => {
  const rec = (rows: Row[]): Reconciliation => ({ from: '2026-11-01', to: '2026-11-30', asOf: NOW, rows, ok: false })

  it('totals per currency, the difference, the counts; no problem section when all is matched', () => {
    expect(summaryLines(rec([
      r({ clarityCents: 123456789, sl: [found('PA W1', 123456789)] }),
      r({ clarityId: 2, currency: 'EUR', clarityCents: 5000, sl: [found('PP W2', 5000, 'EUR')] }),
      r({ kind: 'payout', clarityId: 3, clarityCents: 8680, sl: [found('001', 8680)] }),
      r({ kind: 'refund', clarityId: 4, clarityCents: 1000, status: 'not-checked' })
    ]), 'out.csv')).toEqual([
      'Clarity against Dynamics SL, 2026-11-01 to 2026-11-30 (UTC), as of 2026-11-30T12:00:00.000Z', '',
      '                        currency         Clarity              SL    SL - Clarity',
      'payments captured       EUR                50.00           50.00            0.00',
      'payments captured       USD         1,234,567.89    1,234,567.89            0.00',
      'payouts net, bank lines USD                86.80           86.80            0.00',
      'refunds (not checked)   USD                10.00', '',
      '4 rows: matched 3, missing 0, duplicated 0, differs 0, unapplied 0, not-checked 1', '', 'every row in out.csv'
    ])
  })

  it('the difference signed (SL less Clarity), "(none)" for a kind without rows, and the problems', () => {
    const lines = summaryLines(rec([
      r({ clarityCents: 6233, status: 'missing', detail: 'no PA or PP document with this ExtRefNbr' }),
      r({ clarityId: 2, clarityCents: 1000, status: 'duplicated', detail: '2 PA/PP documents', sl: [found('PA W1', 1000), found('PP W2', 1000)] })
    ]))
    expect(lines.slice(3, 6)).toEqual(['payments captured       USD                72.33           20.00          -52.33', 'payouts net, bank lines (none)', 'refunds (not checked)   (none)'])
    expect(lines.slice(-3)).toEqual([
      '2 not matched:',
      '  payment 1  ExtRefNbr ch_1  USD 62.33  SL -  missing: no PA or PP document with this ExtRefNbr',
      '  payment 2  ExtRefNbr ch_1  USD 10.00  SL PA W1, PP W2 20.00  duplicated: 2 PA/PP documents'
    ])
    expect(lines.join('\n')).not.toContain('every row in')
  })

  it('shows the first 20 problems only, and says so', () => {
    const rows = Array.from({ length: 25 }, (_, i) => r({ clarityId: i + 1, status: i % 2 === 0 ? 'missing' : 'unapplied' }))
    const lines = summaryLines(rec([r({ clarityId: 100 }), ...rows]))
    expect(lines).toContain('25 not matched, the first 20:')
    expect(lines.filter((l) => l.startsWith('  payment '))).toHaveLength(20)
    expect(lines.some((l) => l.startsWith('  payment 100 '))).toBe(false)
  })
})

describe('reconcile: the CSV', () => {
  it('quotes what needs it, per RFC 4180, and leaves the rest', () => {
    expect(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r', ' edge', 'edge ', '', '-62.33', 'x;y'].map(csvField)).toEqual(['plain', '"a,b"', '"say ""hi"""', '"two\nlines"', '"cr\r"', '" edge"', '"edge "', '', '-62.33', 'x;y'])
  })

  it('one line per row under the header, CRLF ends, every field in its column', () => {
    expect(CSV_HEADER).toBe('kind,clarity_id,ext_ref_nbr,sl_refs,currency,clarity_amount,sl_amount,status,detail')
    expect(csvOf([
      r({ clarityCents: 6233, sl: [found('PA W000000001', 6233)] }),
      r({ clarityId: 2, extRefNbr: 'ch_"2"', clarityCents: 1000, status: 'duplicated', detail: '2 documents, twice', sl: [found('PA W1', 1000), found('PP W2', 1000)] }),
      r({ kind: 'refund', clarityId: 3, currency: 'EUR', clarityCents: -5, status: 'not-checked', detail: 'x' })
    ])).toBe([
      CSV_HEADER, 'payment,1,ch_1,PA W000000001,USD,62.33,62.33,matched,',
      'payment,2,"ch_""2""",PA W1;PP W2,USD,10.00,20.00,duplicated,"2 documents, twice"',
      'refund,3,ch_1,,EUR,-0.05,,not-checked,x'
    ].map((l) => `${l}\r\n`).join(''))
    expect(csvOf([])).toBe(`${CSV_HEADER}\r\n`)
  })
})

// Clarity's listing as the contract has it: changed since (inclusive), in UpdatedDate order, by page.
function lister (rows: O[], onRead: (call: number) => void = () => {}) {
  const calls: string[] = []
  const list = async (since: string, page: number, size: number) => {
    calls.push(`${since}#${page}`)
    onRead(calls.length)
    const all = rows.filter((x) => Date.parse(String(x.UpdatedDate)) >= Date.parse(since))
      .sort((a, b) => String(a.UpdatedDate).localeCompare(String(b.UpdatedDate)) || Number(a.ID) - Number(b.ID))
    const Results = all.slice((page - 1) * size, page * size)
    return { TotalPages: Math.ceil(all.length / size), CurrentPage: page, TotalCount: all.length, Results }
  }
  return { list, calls }
}
const clarityPayment = (ID: number, over: O = {}): O => ({ ID, SalesOrderID: 5000 + ID, Amount: 10.5, CurrencyKey: 'USD', StatusKey: 'Payment Received', TransactionNumber: `ch_${ID}`, CardTypeKey: 'VISA', ReceivedDate: '2026-11-10T10:00:00.000Z', UpdatedDate: `2026-11-10T10:${String(ID % 60).padStart(2, '0')}:00.000Z`, ...over })
const clarityPayout = (ID: number, over: O = {}): O => ({
  ID, PayoutDate: '2026-11-10T00:00:00.000Z', CurrencyKey: 'USD', GrossAmount: 100, FeeAmount: 3.2, RefundAmount: 10, NetAmount: 86.8, UpdatedDate: '2026-11-11T00:00:00.000Z',
  Transactions: [{ TransactionNumber: 'ch_1', Kind: 'capture', Amount: 100, Fee: 3.2 }, { TransactionNumber: 'ch_2', Kind: 'refund', Amount: 10, Fee: 0 }], ...over
})

describe('reconcile: reading Clarity and looking up SL', () => {
  type Lookup = (ext: string) => Promise<O[]>
  interface Fake { payments?: O[], payouts?: O[], docs?: Lookup, batches?: Lookup }
  const run = (o: Fake & Partial<ReconcileRun> = {}) => {
    const steps: string[] = []
    let ended = 0
    const { payments = [], payouts = [], docs = async () => [], batches = async () => [], ...rest } = o
    const p = reconcile({
      clarity: { payments: lister(payments).list, payouts: lister(payouts).list } as never,
      sl: { documentsByExtRef: docs, batchesByExtRef: batches } as never,
      mapping, from: '2026-11-01', to: '2026-11-30', prepaidDays: 7, now: NOW, pageSize: 3,
      progress: { step: (phase, done, total) => steps.push(`${phase} ${done}/${total}`), end: () => { ended++ } },
      ...rest
    })
    return { p, steps, ended: () => ended }
  }

  it('reads every page from the first day, looks each up, and keeps the rows in order: payments, refunds, payouts', async () => {
    const payments = [clarityPayment(1), clarityPayment(2, { StatusKey: 'Refunded' }), clarityPayment(3, { StatusKey: 'Authorized', ReceivedDate: null }), clarityPayment(4, { ReceivedDate: '2026-10-31T23:00:00.000Z' }), ...[5, 6, 7, 8].map((id) => clarityPayment(id))]
    const { p, steps, ended } = run({
      payments, payouts: [clarityPayout(20), clarityPayout(21, { PayoutDate: '2026-12-01T00:00:00.000Z' })],
      docs: async (ext) => ext === 'ch_6' ? [] : [{ RefNbr: `W${ext}`, DocType: 'PA', CuryId: 'USD', CuryOrigDocAmt: 10.5, CuryDocBal: 0 }],
      batches: async (ext) => ext === 'payout_20' ? [batchOf(payout(20))] : []
    })
    const rec = await p
    expect(rec.rows.map((x) => `${x.kind} ${x.clarityId} ${x.status}`)).toEqual(['payment 1 matched', 'payment 2 matched', 'payment 5 matched', 'payment 6 missing', 'payment 7 matched', 'payment 8 matched', 'refund 2 not-checked', 'payout 20 matched'])
    expect(rec).toMatchObject({ from: '2026-11-01', to: '2026-11-30', asOf: NOW, ok: false })
    expect(steps[0]).toMatch(/^reading Clarity \d+\/0$/)
    expect(steps.slice(-8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => `looking up SL ${n}/7`))
    expect(ended()).toBe(1)
  })

  it('asks Clarity for what changed since the first day, 00:00 UTC; all matched holds', async () => {
    const [l, o] = [lister([clarityPayment(1)]), lister([])]
    const rec = await run({ clarity: { payments: l.list, payouts: o.list } as never, docs: async () => [{ RefNbr: 'W1', DocType: 'PA', CuryId: 'USD', CuryOrigDocAmt: 10.5 }] }).p
    expect([l.calls, o.calls]).toEqual([['2026-11-01T00:00:00.000Z#1'], ['2026-11-01T00:00:00.000Z#1']])
    expect(rec).toMatchObject({ ok: true, rows: [{ status: 'matched' }] })
  })

  it('misses no row that moves while the pages are read, and keeps it once', async () => {
    const payments = Array.from({ length: 10 }, (_, i) => clarityPayment(i + 1))
    // While the second page is asked for, the first row changes: it moves to the end, the others one place
    // earlier, and page 2 by number would start at row 5.
    const l = lister(payments, (call) => { if (call === 2) payments[0]!.UpdatedDate = '2026-11-29T00:00:00.000Z' })
    const rec = await run({ clarity: { payments: l.list, payouts: lister([]).list } as never }).p
    expect(l.calls).toEqual(['2026-11-01T00:00:00.000Z#1', ...['03', '05', '07', '09'].map((m) => `2026-11-10T10:${m}:00.000Z#1`)])
    expect(rec.rows.map((x) => x.clarityId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  })

  it('reads pages of one date by page number, and ends', async () => {
    const payments = Array.from({ length: 7 }, (_, i) => clarityPayment(i + 1, { UpdatedDate: '2026-11-10T00:00:00.000Z' }))
    expect((await run({ payments }).p).rows).toHaveLength(7)
  })

  it('looks up at most 8 at once by default, or as told', async () => {
    for (const [concurrency, most] of [[undefined, 8], [3, 3]] as const) {
      let [now, peak] = [0, 0]
      const docs = async (): Promise<O[]> => {
        peak = Math.max(peak, ++now)
        await new Promise((resolve) => setTimeout(resolve, 2))
        now--
        return []
      }
      const payments = Array.from({ length: 40 }, (_, i) => clarityPayment(i + 1))
      const { p } = run({ payments, docs, ...concurrency === undefined ? {} : { concurrency } })
      expect((await p).rows).toHaveLength(40)
      expect(peak).toBe(most)
    }
  })

  it('tries a lookup again while SL is away, and gives up after the tries, or at once on a refusal', async () => {
    let calls = 0
    const again = run({ payments: [clarityPayment(1)], docs: async () => { if (++calls < 3) throw retriable('UPSTREAM_UNAVAILABLE', 'SL answered 503', { retryAfterMs: 1 }); return [] } })
    expect([(await again.p).rows[0]?.status, calls]).toEqual(['missing', 3])
    const away = run({ payments: [clarityPayment(1)], attempts: 2, docs: async () => { throw retriable('UPSTREAM_UNAVAILABLE', 'SL away') } })
    await expect(away.p).rejects.toThrow('SL away')
    expect(away.ended()).toBe(1)
    let tried = 0
    const refused = run({ payments: [clarityPayment(1)], docs: async () => { tried++; throw fatal('UNAUTHORIZED', 'SL refused our credentials') } })
    await expect(refused.p).rejects.toThrow('SL refused our credentials')
    expect(tried).toBe(1)
  })

  it('starts no more lookups after one fails', async () => {
    let started = 0
    const { p } = run({ payments: Array.from({ length: 50 }, (_, i) => clarityPayment(i + 1)), concurrency: 2, docs: async () => { started++; throw fatal('UNAUTHORIZED', 'no') } })
    await expect(p).rejects.toThrow('no')
    expect(started).toBeLessThanOrEqual(2)
  })

  it('a row that is not Clarity\'s entity stops the run, naming its ID and the field, not its values', async () => {
    const { p } = run({ payments: [clarityPayment(1), clarityPayment(2, { Amount: 'lots', CardTypeKey: 7, CurrencyKey: 'ana@example.com' })] })
    const e = await p.then(() => new Error('accepted'), (err: unknown) => err as Error)
    expect(e.message).toMatch(/^Clarity payment 2 cannot be reconciled: .*payment\.Amount must be an amount/)
    expect(e.message).not.toContain('ana@example.com')
    await expect(run({ payouts: [clarityPayout(3, { PayoutDate: 'soon' })] }).p).rejects.toThrow(/^Clarity payout 3 cannot be reconciled: .*payout\.PayoutDate must be an ISO-8601 time/)
  })

  it('nothing in the range: no rows, and it holds', async () => {
    expect(await run({ payments: [clarityPayment(1, { ReceivedDate: '2026-12-05T00:00:00.000Z' })] }).p).toMatchObject({ rows: [], ok: true })
  })
})

describe('reconcile: progress on stderr', () => {
  const bar = (done: number, total: number): string => `[${done}/${total}]`
  const drawn = (tty: boolean, steps: Array<[Phase, number, number]>): string => {
    let text = ''
    const p = progressTo((t) => { text += t }, tty, bar)
    for (const s of steps) p.step(...s)
    p.end()
    return text
  }

  it('on a terminal: one line redrawn, ended by a line break; elsewhere a line per phase', () => {
    const steps: Array<[Phase, number, number]> = [['reading Clarity', 100, 0], ['looking up SL', 1, 2], ['looking up SL', 2, 2]]
    expect(drawn(true, steps)).toBe('\rreading Clarity    [100/0]\rlooking up SL      [1/2]\rlooking up SL      [2/2]\n')
    expect(drawn(false, steps)).toBe('reading Clarity…\nlooking up SL…\n')
    expect(drawn(true, [])).toBe('')
  })
})
