// `bridge reconcile` against the flow's two sandboxes, over the contracts' routes only:
// storefront orders paid in USD and EUR, their payments in SL's receivables and the day's
// payouts in its ledger reconcile to the cent (exit 0); then a document SL holds with
// another amount, one SL holds twice, a payment SL never got (its sink stopped), an old
// open prepayment and an unbalanced batch each show as what they are (exit 1).
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../cli/main.ts'
import { reconcile, summaryLines, type Reconciliation } from '../../cli/reconcile.ts'
import { extRefOf } from '../../domain/payments.ts'
import { loadPayoutMapping, payoutExtRefOf } from '../../domain/payouts.ts'
import { clarityClientOf } from '../../lib/clients/clarity.ts'
import { slClientOf } from '../../lib/clients/sl.ts'
import { projectRoot } from '../../lib/paths.ts'
import { place, shopper, SL_AUTH, startFlow, stock, type Flow } from '../orders-harness.ts'
import { env, useBroker, waitFor } from '../helpers.ts'

useBroker()
let f: Flow
const SKU = 'WIDGET-RED-L'
const DAY = 86400000
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
// A range around today, so a run across midnight (UTC) still holds every payment and payout.
const [from, to] = [day(Date.now() - DAY), day(Date.now() + DAY)]

beforeAll(async () => {
  f = await startFlow({
    ...env(), logLevel: process.env.TEST_LOG_LEVEL, pollMs: 500,
    only: ['clarity-ingest', 'order-mapper', 'sl-order-sink', 'sl-shipper-source', 'clarity-order-sink', 'sl-payment-sink', 'sl-payout-sink']
  })
  stock(f, SKU, 5000)
})
afterAll(async () => { await f.stop() })

interface Payout { ID: number, CurrencyKey: string, NetAmount: number }
const paymentOf = (order: number) => Object.values(f.clarity.state().payments).find((p) => p.SalesOrderID === order)!
const docsOf = (p: { ID: number, TransactionNumber: string | null }) =>
  Object.values(f.sl.state().arDocs).filter((d) => d.ExtRefNbr === extRefOf(p) && (d.DocType === 'PA' || d.DocType === 'PP'))
const batchesOf = (p: { ID: number }) =>
  Object.values(f.sl.state().batches).filter((b) => b.Lines.some((l) => l.ExtRefNbr === payoutExtRefOf(p)))
const statusOf = (rec: Reconciliation) => Object.fromEntries(rec.rows.map((r) => [`${r.kind} ${r.clarityId}`, r.status]))

/** The exported reconciliation, with the clients the services build from the flow's settings. */
const run = async (): Promise<Reconciliation> => await reconcile({
  sl: slClientOf(f.common as never), clarity: clarityClientOf(f.common as never),
  mapping: loadPayoutMapping(join(projectRoot, 'mappings/payouts.yaml')), from, to, prepaidDays: 7
})

/** `bridge reconcile …` as typed, with the local sandboxes where the flow's are: exit code, stdout and stderr. */
async function bridge (...args: string[]): Promise<{ code: number, out: string, err: string }> {
  const vars = {
    SL_SANDBOX_PORT: new URL(f.slUrl).port, CLARITY_SANDBOX_PORT: new URL(f.clarityUrl).port,
    SL_BASE_URL: undefined, CLARITY_BASE_URL: undefined
  }
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  const set = (v: Record<string, string | undefined>): void => {
    for (const [k, x] of Object.entries(v)) { if (x === undefined) delete process.env[k]; else process.env[k] = x }
  }
  const text = { out: '', err: '' }
  const spy = (stream: 'out' | 'err') => vi.spyOn(process[stream === 'out' ? 'stdout' : 'stderr'], 'write')
    .mockImplementation((chunk: string | Uint8Array) => { text[stream] += String(chunk); return true })
  set(vars)
  const spies = [spy('out'), spy('err')]
  try {
    return { code: await main(['reconcile', ...args]), ...text }
  } finally {
    for (const s of spies) s.mockRestore()
    set(before)
  }
}

/** Creates an AR payment document through SL's API, as someone keying it by hand would. */
async function keyInSl (body: Record<string, unknown>): Promise<void> {
  const r = await f.sl.app.inject({ method: 'POST', url: '/api/AccountsReceivable/Payments', headers: SL_AUTH, payload: { PmtMethod: 'VISA', ApplyTo: [], ...body } })
  expect(r.statusCode, r.body).toBe(201)
}

describe('bridge reconcile against the sandboxes', () => {
  const ids: number[] = []
  let payouts: Payout[] = []

  it('the payments of the day in SL\'s receivables and its payouts in the ledger: every row matched, exit 0', async () => {
    for (const currency of ['USD', 'USD', 'EUR']) ids.push(await place(f, shopper([{ sku: SKU, quantity: 2 }], { currency })))
    for (const id of ids) await waitFor(`order ${id}'s payment in SL`, () => docsOf(paymentOf(id)).length === 1, 60000)
    const r = await f.clarity.app.inject({ method: 'POST', url: '/sandbox/payouts/run', payload: { date: day(Date.now()) } })
    expect(r.statusCode).toBe(200)
    payouts = r.json().Payouts as Payout[]
    expect(payouts.map((p) => p.CurrencyKey).sort()).toEqual(['EUR', 'USD'])
    for (const p of payouts) await waitFor(`payout ${p.ID}'s batch in SL`, () => batchesOf(p).length === 1, 60000)

    const rec = await run()
    expect(rec.rows.filter((x) => x.status !== 'matched')).toEqual([])
    expect(rec.rows.map((x) => `${x.kind} ${x.clarityId}`).sort())
      .toEqual([...ids.map((id) => `payment ${paymentOf(id).ID}`), ...payouts.map((p) => `payout ${p.ID}`)].sort())
    expect(rec.ok).toBe(true)
    const cents = (v: number): number => Math.round(v * 100)
    for (const p of payouts) {
      expect(rec.rows.find((x) => x.kind === 'payout' && x.clarityId === p.ID)).toMatchObject({ clarityCents: cents(p.NetAmount), sl: [{ cents: cents(p.NetAmount) }] })
    }

    const b = await bridge('--from', from, '--to', to)
    expect(b.code, b.err).toBe(0)
    expect(b.out).toContain('5 rows: matched 5, missing 0, duplicated 0, differs 0, unapplied 0, not-checked 0')
    for (const currency of ['EUR', 'USD']) {
      expect(b.out).toMatch(new RegExp(`^payments captured +${currency} +[\\d,.]+ +[\\d,.]+ +0\\.00$`, 'm'))
      expect(b.out).toMatch(new RegExp(`^payouts net, bank lines ${currency} +[\\d,.]+ +[\\d,.]+ +0\\.00$`, 'm'))
    }
    expect(b.out).not.toContain('not matched')
    expect(b.err).toContain('looking up SL')
  })

  it('what SL holds otherwise shows row by row, in the summary and the CSV: exit 1', async () => {
    expect(ids).toHaveLength(3)
    const [a, b] = [paymentOf(ids[0]!), paymentOf(ids[1]!)]
    // SL's document of the first payment a cent short.
    const docA = docsOf(a)[0]!
    docA.CuryOrigDocAmt = Math.round(docA.CuryOrigDocAmt * 100 - 1) / 100
    // The second one keyed into SL again by hand.
    const docB = docsOf(b)[0]!
    const { CustId, CuryId, CuryOrigDocAmt, ExtRefNbr } = docB
    await keyInSl({ CustId, CuryId, CuryOrigDocAmt, ExtRefNbr })
    // Two payments the sink never takes: one SL never gets, one keyed in as a prepayment a month old, never applied.
    await f.services['sl-payment-sink']!.stop()
    delete f.services['sl-payment-sink']
    const c = paymentOf(await place(f, shopper([{ sku: SKU, quantity: 1 }])))
    const d = paymentOf(await place(f, shopper([{ sku: SKU, quantity: 1 }])))
    await keyInSl({ CustId: docB.CustId, CuryId: 'USD', CuryOrigDocAmt: d.Amount, ExtRefNbr: extRefOf(d), DocDate: new Date(Date.now() - 30 * DAY).toISOString() })
    // The USD payout's bank line a cent more: the batch no longer balances.
    const usd = payouts.find((p) => p.CurrencyKey === 'USD')!
    const bank = batchesOf(usd)[0]!.Lines.find((l) => l.Acct === '1010')!
    bank.DrAmt = Math.round(bank.DrAmt * 100 + 1) / 100

    const rec = await run()
    expect(rec.ok).toBe(false)
    const eur = payouts.find((p) => p.CurrencyKey === 'EUR')!
    expect(statusOf(rec)).toEqual({
      [`payment ${a.ID}`]: 'differs', [`payment ${b.ID}`]: 'duplicated', [`payment ${paymentOf(ids[2]!).ID}`]: 'matched',
      [`payment ${c.ID}`]: 'missing', [`payment ${d.ID}`]: 'unapplied', [`payout ${usd.ID}`]: 'differs', [`payout ${eur.ID}`]: 'matched'
    })
    const row = (kind: string, id: number) => rec.rows.find((x) => x.kind === kind && x.clarityId === id)!
    expect(row('payment', a.ID).detail).toMatch(/^CuryOrigDocAmt [\d.]+, not the Amount [\d.]+$/)
    expect(row('payment', b.ID).sl).toHaveLength(2)
    expect(row('payment', c.ID)).toMatchObject({ sl: [], detail: 'no PA or PP document with this ExtRefNbr' })
    expect(row('payment', d.ID).detail).toMatch(/^prepayment open 30 days, CuryDocBal [\d.]+: applied to no invoice within --prepaid-days 7$/)
    expect(row('payout', usd.ID).detail).toMatch(/not balanced: .*bank account 1010 nets/)
    expect(summaryLines(rec)).toContain('5 not matched:')

    const csv = join(mkdtempSync(join(tmpdir(), 'reconcile-')), 'rows.csv')
    const out = await bridge('--from', from, '--to', to, '--csv', csv)
    expect(out.code, out.err).toBe(1)
    expect(out.out).toContain('7 rows: matched 2, missing 1, duplicated 1, differs 2, unapplied 1, not-checked 0')
    expect(out.out).toContain(`every row in ${csv}`)
    // No customer's values, whatever the rows say.
    expect(out.out).not.toMatch(/ana@example\.com|Núñez/)
    const lines = readFileSync(csv, 'utf8').split('\r\n')
    expect(lines[0]).toBe('kind,clarity_id,ext_ref_nbr,sl_refs,currency,clarity_amount,sl_amount,status,detail')
    expect(lines).toHaveLength(7 + 2)
    expect(lines.at(-1)).toBe('')
    expect(lines.find((l) => l.startsWith(`payment,${c.ID},`))).toMatch(/,USD,[\d.]+,,missing,no PA or PP document with this ExtRefNbr$/)
    expect(lines.find((l) => l.startsWith(`payment,${b.ID},`))).toMatch(/^payment,\d+,[^,]+,P[AP] \w+;PP \w+,USD,/)
  })

  it('a usage error is exit 2, naming the option', async () => {
    const b = await bridge('--from', to, '--to', from)
    expect(b.code).toBe(2)
    expect(b.err).toContain(`bridge: --to ${from} is before --from ${to}`)
  })
})
