// `bridge reconcile`: the money Clarity took in a range of days against what SL's
// receivables and ledger hold, over the contracts' routes only (a real store and a real SL
// have no /sandbox/* routes). Pure: selecting, classifying, totalling and rendering rows;
// reconcile() does the reading. The keys and the expected batch are the sinks' own
// (extRefOf, payoutExtRefOf, the payout sink's plan), so the check looks where the bridge
// writes. Details name fields, rules, amounts and keys, never a customer's values.
import { parseArgs } from 'node:util'
import { extRefOf, isCaptured } from '../domain/payments.ts'
import { loadPayoutMapping, payoutExtRefOf, type PayoutMapping } from '../domain/payouts.ts'
import type { ClarityPayment, ClarityPayout } from '../domain/records.ts'
import { clarityClientOf, type ClarityClient, type ClarityRow } from '../lib/clients/clarity.ts'
import { slClientOf, type SlClient, type SlRow } from '../lib/clients/sl.ts'
import { loadConfig } from '../lib/config.ts'
import { backoffMs } from '../lib/consumer-loop.ts'
import { classify } from '../lib/errors.ts'
import { toPaymentRecord, toPayoutRecord } from '../services/clarity-ingest/src/transform.ts'
import { spec as payoutSinkSpec } from '../services/sl-payout-sink/src/config.ts'
import { plan, type GlBatch, type Plan } from '../services/sl-payout-sink/src/transform.ts'
import type { CliConfig } from './config.ts'
import { sandboxes, sandboxUrl } from './sandbox.ts'

export const STATUSES = ['matched', 'missing', 'duplicated', 'differs', 'unapplied', 'not-checked'] as const
export type Status = typeof STATUSES[number]
export type Kind = 'payment' | 'refund' | 'payout'
/** One SL document (`PA W000000077`) or batch found for a row, with its currency and amount in cents. */
export interface SlFound { ref: string, currency: string, cents: number }
export interface Row {
  kind: Kind, clarityId: number, extRefNbr: string, currency: string, clarityCents: number
  sl: SlFound[], status: Status, detail: string
}
export interface ReconcileOptions { from: string, to: string, prepaidDays: number, csv?: string }
/** The days as instants: `startMs` inclusive, `endMs` (the day after `to`, 00:00 UTC) exclusive. */
export interface Range { startMs: number, endMs: number }
export interface Reconciliation { from: string, to: string, asOf: number, rows: Row[], ok: boolean }

/** A command line that cannot be run: `bridge` shows it with the usage, exit 2. */
export class OptionError extends Error {}

const DAY_MS = 24 * 3600 * 1000
const midnight = (day: string): number => Date.parse(`${day}T00:00:00.000Z`)

/** 'YYYY-MM-DD' of a real calendar day (2026-02-30 parses as another day, or not at all). */
export const isDay = (v: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(midnight(v)) && new Date(midnight(v)).toISOString().startsWith(v)

export function reconcileOptions (argv: string[]): ReconcileOptions {
  const s = { type: 'string' } as const
  const options = { from: s, to: s, csv: s, 'prepaid-days': s }
  let v: { from?: string, to?: string, csv?: string, 'prepaid-days'?: string }
  try { v = parseArgs({ args: argv, options, allowPositionals: false }).values } catch (err) {
    throw new OptionError(`reconcile: ${(err as Error).message}`)
  }
  const day = (name: 'from' | 'to'): string => {
    const d = v[name]
    if (d === undefined) throw new OptionError(`reconcile needs --${name} DATE (YYYY-MM-DD, UTC)`)
    if (!isDay(d)) throw new OptionError(`--${name} must be a calendar day YYYY-MM-DD (UTC), not ${JSON.stringify(d)}`)
    return d
  }
  const [from, to] = [day('from'), day('to')]
  if (to < from) throw new OptionError(`--to ${to} is before --from ${from}: the range runs from --from to --to`)
  const days = v['prepaid-days'] ?? '7'
  if (!/^\d{1,5}$/.test(days)) throw new OptionError('--prepaid-days must be a whole number of days, 0 to 99999')
  if (v.csv === '') throw new OptionError('--csv needs a file name')
  return { from, to, prepaidDays: Number(days), ...v.csv === undefined ? {} : { csv: v.csv } }
}

export const rangeOf = (from: string, to: string): Range => ({ startMs: midnight(from), endMs: midnight(to) + DAY_MS })
const within = (ms: number, r: Range): boolean => ms >= r.startMs && ms < r.endMs

/**
 * The captured payments received in the range (one captured without a ReceivedDate by its
 * UpdatedDate, as the payment sink dates its document), and the refunds made in it: Clarity
 * keeps no refund date, so a refund is dated by its payment's last change, as Clarity's
 * payouts date it.
 */
export function paymentsIn (all: ClarityPayment[], r: Range) {
  const byId = [...all].sort((a, b) => a.ID - b.ID)
  return {
    payments: byId.filter((p) => isCaptured(p) && within(p.ReceivedDate ?? p.UpdatedDate, r)),
    refunds: byId.filter((p) => p.StatusKey === 'Refunded' && within(p.UpdatedDate, r))
  }
}

export const payoutsIn = (all: ClarityPayout[], r: Range): ClarityPayout[] =>
  all.filter((p) => within(p.PayoutDate, r)).sort((a, b) => a.ID - b.ID)

/** Clarity's decimal(18,4) as whole cents, exactly; a half cent or more rounds away from zero. */
export function centsOf (d: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,4}))?$/.exec(d.trim())
  if (m === null) throw new Error('an amount must be a decimal number')
  const cents = Math.floor((Number(m[2]) * 10000 + Number((m[3] ?? '').padEnd(4, '0')) + 50) / 100)
  return m[1] === '-' && cents !== 0 ? -cents : cents
}

/** Cents as 1234.50 (`grouped`: 1,234.50); what SL sent that is not an amount: '?'. */
export function amount (cents: number, grouped = false): string {
  if (!Number.isFinite(cents)) return '?'
  const [abs, sign] = [Math.abs(cents), cents < 0 ? '-' : '']
  const whole = Math.floor(abs / 100)
  return `${sign}${grouped ? whole.toLocaleString('en-US') : whole}.${String(abs % 100).padStart(2, '0')}`
}

// SL keeps money as floats rounded to the currency's decimals: the nearest cent is exact.
const slCents = (v: unknown): number => typeof v === 'number' ? Math.round(v * 100) : NaN
const text = (v: unknown): string => typeof v === 'string' ? v.trim() : ''
const cury = (v: unknown): string => text(v).toUpperCase()
const listOf = (v: unknown): SlRow[] => Array.isArray(v) ? v as SlRow[] : []
const done = (r: Omit<Row, 'status' | 'detail'>, status: Status, detail = ''): Row => ({ ...r, status, detail })
const rowOf = (kind: Kind, id: number, ext: string, currency: string, cents: number, sl: SlFound[]) =>
  ({ kind, clarityId: id, extRefNbr: ext, currency: cury(currency), clarityCents: cents, sl })
const unlike = (what: string, got: string, want: string, of = ''): string =>
  got === want ? '' : `${what} ${got}, not ${of}${want}`

/** A captured payment against SL's PA and PP documents of its ExtRefNbr (other types are not payments). */
export function paymentRow (p: ClarityPayment, docs: SlRow[], now: number, prepaidDays: number): Row {
  const mine = docs.filter((d) => text(d.DocType) === 'PA' || text(d.DocType) === 'PP')
  const sl = mine.map((d) =>
    ({ ref: `${text(d.DocType)} ${text(d.RefNbr)}`, currency: cury(d.CuryId), cents: slCents(d.CuryOrigDocAmt) }))
  const r = rowOf('payment', p.ID, extRefOf(p), p.CurrencyKey, centsOf(p.Amount), sl)
  if (mine.length === 0) return done(r, 'missing', 'no PA or PP document with this ExtRefNbr')
  if (mine.length > 1) return done(r, 'duplicated', `${mine.length} PA/PP documents with this ExtRefNbr`)
  const [doc, found] = [mine[0]!, sl[0]!]
  const differ = [
    unlike('CuryOrigDocAmt', amount(found.cents), amount(r.clarityCents), 'the Amount '),
    unlike('CuryId', found.currency || '(none)', r.currency, 'the CurrencyKey ')
  ].filter((x) => x !== '')
  if (differ.length > 0) return done(r, 'differs', differ.join('; '))
  const open = slCents(doc.CuryDocBal)
  if (text(doc.DocType) !== 'PP' || !(open > 0)) return done(r, 'matched')
  const days = (now - Date.parse(text(doc.DocDate))) / DAY_MS
  const age = `prepayment open ${Number.isNaN(days) ? '?' : Math.floor(days)} days, CuryDocBal ${amount(open)}`
  return days > prepaidDays
    ? done(r, 'unapplied', `${age}: applied to no invoice within --prepaid-days ${prepaidDays}`)
    : done(r, 'matched', `${age}, within --prepaid-days ${prepaidDays}`)
}

export const refundRow = (p: ClarityPayment): Row => done(rowOf('refund', p.ID, extRefOf(p), p.CurrencyKey,
  centsOf(p.Amount), []), 'not-checked', 'the bridge does not post refunds to SL yet')

/** Per account, Σ DrAmt − CrAmt of the lines, in cents. */
function signedByAccount (lines: Array<SlRow | GlBatch['Lines'][number]>): Map<string, number> {
  const by = new Map<string, number>()
  for (const l of lines) by.set(text(l.Acct), (by.get(text(l.Acct)) ?? 0) + slCents(l.DrAmt) - slCents(l.CrAmt))
  return by
}

/** How the batch SL holds differs from the one the payout sink posts for the payout: balance, header, accounts. */
function batchDiff (b: SlRow, mine: SlRow[], want: GlBatch, m: PayoutMapping): string[] {
  const all = listOf(b.Lines)
  const [dr, cr, ctl] = [all.reduce((s, l) => s + slCents(l.DrAmt), 0), all.reduce((s, l) => s + slCents(l.CrAmt), 0),
    slCents(b.CtrlTot)]
  const problems = [
    dr === cr && dr === ctl ? '' : `not balanced: ΣDrAmt ${amount(dr)}, ΣCrAmt ${amount(cr)}, CtrlTot ${amount(ctl)}`,
    unlike('CuryId', cury(b.CuryId) || '(none)', want.CuryId, 'the CurrencyKey '),
    unlike('PerPost', text(b.PerPost) || '(none)', want.PerPost, 'the PayoutDate\'s period ')
  ]
  const [got, expected, a] = [signedByAccount(mine), signedByAccount(want.Lines), m.accounts]
  const bank = a.bank[want.CuryId] ?? a.bank.default
  for (const acct of new Set([...expected.keys(), ...got.keys()])) {
    const role = acct === bank ? 'bank' : acct === a.fees ? 'fees' : acct === a.clearing ? 'clearing' : 'other'
    problems.push(unlike(`${role} account ${acct} nets (Dr +, Cr -)`, amount(got.get(acct) ?? 0),
      amount(expected.get(acct) ?? 0)))
  }
  return problems.filter((x) => x !== '')
}

/** A payout against SL's GL batches of its ExtRefNbr; its lines are the ones that carry that ExtRefNbr. */
export function payoutRow (p: ClarityPayout, batches: SlRow[], m: PayoutMapping): Row {
  const [ext, currency] = [payoutExtRefOf(p), cury(p.CurrencyKey)]
  const bank = m.accounts.bank[currency] ?? m.accounts.bank.default ?? ''
  const linesOf = (b: SlRow): SlRow[] => listOf(b.Lines).filter((l) => text(l.ExtRefNbr) === ext)
  const sl = batches.map((b) =>
    ({ ref: text(b.BatNbr), currency: cury(b.CuryId), cents: signedByAccount(linesOf(b)).get(bank) ?? 0 }))
  const r = rowOf('payout', p.ID, ext, currency, centsOf(p.NetAmount), sl)
  if (batches.length > 1) return done(r, 'duplicated', `${batches.length} GL batches with this ExtRefNbr`)
  let want: Plan
  try { want = plan(p, m) } catch (err) {
    return done(r, batches.length > 0 ? 'differs' : 'missing', `the payout sink refuses it: ${(err as Error).message}`)
  }
  if (want.action === 'none') {
    return batches.length === 0 ? done(r, 'matched', 'nothing to post') : done(r, 'differs', 'a batch for no amounts')
  }
  if (batches.length === 0) return done(r, 'missing', 'no GL batch with this ExtRefNbr')
  const problems = batchDiff(batches[0]!, linesOf(batches[0]!), want.batch, m)
  return done(r, problems.length === 0 ? 'matched' : 'differs', problems.join('; '))
}

export interface Totals { clarity: number, sl: number }
export interface Summary { payments: Map<string, Totals>, payouts: Map<string, Totals>, refunds: Map<string, Totals> }

/** Per kind and currency in cents: Clarity's amounts, and every SL document's found for them, in its own currency. */
export function summaryOf (rows: Row[]): Summary & { counts: Record<Status, number> } {
  const s: Summary = { payments: new Map(), payouts: new Map(), refunds: new Map() }
  const counts = Object.fromEntries(STATUSES.map((x) => [x, 0])) as Record<Status, number>
  const add = (by: Map<string, Totals>, k: string, side: keyof Totals, cents: number): void => {
    by.set(k, { clarity: 0, sl: 0, ...by.get(k), [side]: (by.get(k)?.[side] ?? 0) + cents })
  }
  for (const row of rows) {
    const by = s[row.kind === 'payment' ? 'payments' : row.kind === 'payout' ? 'payouts' : 'refunds']
    add(by, row.currency, 'clarity', row.clarityCents)
    for (const f of row.sl) add(by, f.currency, 'sl', f.cents)
    counts[row.status]++
  }
  return { ...s, counts }
}

/** Anything but matched and not-checked: the reconciliation does not hold. */
export const isProblem = (r: Row): boolean => r.status !== 'matched' && r.status !== 'not-checked'
const slAmount = (r: Row): string => r.sl.length === 0 ? '' : amount(r.sl.reduce((s, f) => s + f.cents, 0))

/** What a controller reads: totals per currency, counts per status, then the first problems. */
export function summaryLines (r: Reconciliation, csvFile?: string, shown = 20): string[] {
  const s = summaryOf(r.rows)
  const col = (v: string): string => v.padStart(16)
  const lines = [`Clarity against Dynamics SL, ${r.from} to ${r.to} (UTC), as of ${new Date(r.asOf).toISOString()}`]
  lines.push('', `${''.padEnd(24)}currency${col('Clarity')}${col('SL')}${col('SL - Clarity')}`)
  const table = (title: string, by: Map<string, Totals>, checked = true): void => {
    if (by.size === 0) lines.push(`${title.padEnd(24)}(none)`)
    for (const [k, t] of [...by].sort(([a], [b]) => a.localeCompare(b))) {
      const sl = checked ? col(amount(t.sl, true)) + col(amount(t.sl - t.clarity, true)) : ''
      lines.push(`${title.padEnd(24)}${k.padEnd(8)}${col(amount(t.clarity, true))}${sl}`)
    }
  }
  table('payments captured', s.payments)
  table('payouts net, bank lines', s.payouts)
  table('refunds (not checked)', s.refunds, false)
  lines.push('', `${r.rows.length} rows: ${STATUSES.map((x) => `${x} ${s.counts[x]}`).join(', ')}`)
  const problems = r.rows.filter(isProblem)
  const first = problems.length > shown ? `, the first ${shown}` : ''
  if (problems.length > 0) lines.push('', `${problems.length} not matched${first}:`)
  for (const p of problems.slice(0, shown)) {
    const sl = [p.sl.map((f) => f.ref).join(', ') || '-', slAmount(p)].filter((x) => x !== '').join(' ')
    lines.push(`  ${p.kind} ${p.clarityId}  ExtRefNbr ${p.extRefNbr}  ${p.currency} ${amount(p.clarityCents)}  ` +
      `SL ${sl}  ${p.status}: ${p.detail}`)
  }
  if (csvFile !== undefined) lines.push('', `every row in ${csvFile}`)
  return lines
}

export const CSV_HEADER = 'kind,clarity_id,ext_ref_nbr,sl_refs,currency,clarity_amount,sl_amount,status,detail'
/** RFC 4180: a field with a comma, a quote, a line break or a space at an end is quoted, its quotes doubled. */
export const csvField = (v: string): string => /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v

export const csvOf = (rows: Row[]): string => [CSV_HEADER, ...rows.map((r) => [
  r.kind, String(r.clarityId), r.extRefNbr, r.sl.map((f) => f.ref).join(';'), r.currency, amount(r.clarityCents),
  slAmount(r), r.status, r.detail
].map(csvField).join(','))].map((l) => `${l}\r\n`).join('')

export type Phase = 'reading Clarity' | 'looking up SL'
export interface Progress { step: (phase: Phase, done: number, total: number) => void, end: () => void }

export interface ReconcileRun extends Omit<ReconcileOptions, 'csv'> {
  clarity: Pick<ClarityClient, 'payments' | 'payouts'>
  sl: Pick<SlClient, 'documentsByExtRef' | 'batchesByExtRef'>
  mapping: PayoutMapping
  now?: number
  /** SL lookups at once (8). */
  concurrency?: number
  pageSize?: number
  progress?: Progress
  /** Tries per call while the server is away or asks to wait (429, 5xx, no answer in time). */
  attempts?: number
}

async function retrying<T> (call: () => Promise<T>, attempts: number): Promise<T> {
  for (let i = 0; ; i++) {
    try { return await call() } catch (raw) {
      const e = classify(raw)
      if (e.kind !== 'retriable' || i + 1 >= attempts) throw raw
      const ms = backoffMs(i, { initialMs: 250, maxMs: 10000 }, e.retryAfterMs)
      await new Promise((resolve) => setTimeout(resolve, ms))
    }
  }
}

/**
 * Every row changed since `since`. Clarity lists in UpdatedDate order, so a row changed
 * between two page reads moves to the end and those after it one place earlier: reading on
 * by page number would miss one. Read on from the page's last date instead (page 1 again,
 * inclusive; by number only while a page is all one date), each row kept once, as last seen.
 */
async function listAll (list: ClarityClient['payments'], since: string, size: number, attempts: number,
  seen: (n: number) => void): Promise<ClarityRow[]> {
  const rows = new Map<unknown, ClarityRow>()
  for (let page = 1; ;) {
    const p = await retrying(() => list(since, page, size), attempts)
    for (const row of p.Results) rows.set(row.ID, row)
    seen(p.Results.length)
    if (page >= p.TotalPages) return [...rows.values()]
    const t = p.Results.map((row) => Date.parse(String(row.UpdatedDate)))
    const ordered = t.length > 0 && t.every((x, i) => i === 0 ? !Number.isNaN(x) : x >= t[i - 1]!)
    if (ordered && t.at(-1)! > Date.parse(since)) [since, page] = [new Date(t.at(-1)!).toISOString(), 1]
    else page++
  }
}

/** A listed row as the bridge reads it; one that is not Clarity's entity stops the run, naming the field. */
const entity = <T>(what: string, read: (row: unknown) => T) => (row: ClarityRow): T => {
  try { return read(row) } catch (err) {
    throw new Error(`Clarity ${what} ${String(row.ID)} cannot be reconciled: ${(err as Error).message}`)
  }
}

/** The tasks' results in order, at most `n` running at once; after a failure no more start. */
async function limited<T> (tasks: Array<() => Promise<T>>, n: number, finished: (count: number) => void): Promise<T[]> {
  const results: T[] = []
  let [next, count, failed] = [0, 0, false]
  const worker = async (): Promise<void> => {
    while (!failed && next < tasks.length) {
      const i = next++
      results[i] = await tasks[i]!().catch((err: unknown) => { failed = true; throw err })
      finished(++count)
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker))
  return results
}

export async function reconcile (o: ReconcileRun): Promise<Reconciliation> {
  const [now, attempts, size, range] = [o.now ?? Date.now(), o.attempts ?? 6, o.pageSize ?? 100, rangeOf(o.from, o.to)]
  // What was received, or paid out, in the range was last changed in it or later.
  const since = new Date(range.startMs).toISOString()
  let read = 0
  const seen = (n: number): void => { read += n; o.progress?.step('reading Clarity', read, 0) }
  try {
    const [paymentRows, payoutRows] = await Promise.all([listAll(o.clarity.payments, since, size, attempts, seen),
      listAll(o.clarity.payouts, since, size, attempts, seen)])
    const { payments, refunds } = paymentsIn(paymentRows.map(entity('payment', toPaymentRecord)), range)
    const payouts = payoutsIn(payoutRows.map(entity('payout', toPayoutRecord)), range)
    const tasks = [
      ...payments.map((p) => async () =>
        paymentRow(p, await retrying(() => o.sl.documentsByExtRef(extRefOf(p)), attempts), now, o.prepaidDays)),
      ...payouts.map((p) => async () =>
        payoutRow(p, await retrying(() => o.sl.batchesByExtRef(payoutExtRefOf(p)), attempts), o.mapping))
    ]
    o.progress?.step('looking up SL', 0, tasks.length)
    const checked = await limited(tasks, o.concurrency ?? 8, (n) => o.progress?.step('looking up SL', n, tasks.length))
    const rows = [...checked.slice(0, payments.length), ...refunds.map(refundRow), ...checked.slice(payments.length)]
    return { from: o.from, to: o.to, asOf: now, rows, ok: !rows.some(isProblem) }
  } finally {
    o.progress?.end()
  }
}

/** Progress on stderr: one line updated in place on a terminal, a line per phase otherwise. */
export function progressTo (write: (t: string) => void, tty: boolean, bar: (done: number, total: number) => string) {
  let last = ''
  return {
    step: (phase: Phase, done: number, total: number): void => {
      if (tty) write(`\r${phase.padEnd(18)} ${bar(done, total)}`)
      else if (phase !== last) write(`${phase}…\n`)
      last = phase
    },
    end: (): void => { if (tty && last !== '') write('\n') }
  }
}

/**
 * The clients as the services build them (a *_BASE_URL names a real system; without one,
 * the local sandbox, where `bridge start` puts it), and the payout sink's mapping.
 */
export function reconcileSources (c: CliConfig, env: NodeJS.ProcessEnv = process.env) {
  const url = (name: 'sl' | 'clarity'): string => sandboxUrl(sandboxes(c).find((s) => s.name === name)!)
  return {
    sl: slClientOf({ ...c, SL_SANDBOX_URL: url('sl') }),
    clarity: clarityClientOf({ ...c, CLARITY_SANDBOX_URL: url('clarity') }),
    mapping: loadPayoutMapping(loadConfig({ PAYOUT_MAPPING_FILE: payoutSinkSpec.PAYOUT_MAPPING_FILE }, env)
      .PAYOUT_MAPPING_FILE)
  }
}
