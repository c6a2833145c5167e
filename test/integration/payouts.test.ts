// Payouts into SL's general ledger, end to end: storefront payments → the Clarity sandbox's
// payout run → payout.paid webhook (and the Payouts poller) → payouts.raw → sl-payout-sink
// → one balanced GL batch per payout, in the period of its date; a closed period holds the
// payout as a dead letter until the period is opened and the record is sent on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { payoutExtRefOf } from '../../domain/payouts.ts'
import { DLQ_HEADERS } from '../../lib/consumer-loop.ts'
import { startSlPayoutSink } from '../../services/sl-payout-sink/src/service.ts'
import { prefixed } from '../../topology/topology.ts'
import { place, shopper, startFlow, stock, type Flow } from '../orders-harness.ts'
import { env, readRecords, recordCount, useBroker, waitFor } from '../helpers.ts'

const b = useBroker()
let f: Flow
const noExit = (() => undefined) as never

beforeAll(async () => {
  f = await startFlow({ ...env(), logLevel: process.env.TEST_LOG_LEVEL, pollMs: 500, only: ['clarity-ingest', 'sl-payout-sink'] })
  stock(f, 'WIDGET-RED-L', 5000)
})
afterAll(async () => { await f.stop() })

interface Payout {
  ID: number, PayoutDate: string, CurrencyKey: string, GrossAmount: number, FeeAmount: number, RefundAmount: number
  NetAmount: number
}
const runPayouts = async (body: object = {}): Promise<Payout[]> => {
  const r = await f.clarity.app.inject({ method: 'POST', url: '/sandbox/payouts/run', payload: body })
  expect(r.statusCode).toBe(200)
  return r.json().Payouts as Payout[]
}
const batchesOf = (p: Pick<Payout, 'ID'>) =>
  Object.values(f.sl.state().batches).filter((x) => x.Lines.some((l) => l.ExtRefNbr === payoutExtRefOf(p)))
const cents = (v: number): number => Math.round(v * 100)
const outcome = async (name: string): Promise<number> => {
  const m = await f.services['sl-payout-sink']!.kit.metrics.registry.getSingleMetric('bridge_payout_outcomes_total')!.get()
  return m.values.find((v) => v.labels.outcome === name)?.value ?? 0
}
const periods = async (body: object): Promise<{ Current: string, Open: string[] }> => {
  const r = await f.sl.app.inject({ method: 'PUT', url: '/sandbox/periods', payload: body })
  expect(r.statusCode).toBe(200)
  return r.json()
}
const thisMonth = (): string => new Date().toISOString().slice(0, 7).replace('-', '')
const batchWrites = (): number => f.sl.faults.writes['POST /api/GeneralLedger/Transactions'] ?? 0

describe('payouts into SL\'s general ledger', () => {
  it('each currency\'s payout of the day is one batch: Dr bank the net, Dr fees, Cr clearing, balanced, in the period of its date, once', async () => {
    const ids: number[] = []
    for (const currency of ['USD', 'USD', 'EUR']) ids.push(await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 2 }], { currency })))
    // One of the USD orders refunded the same day: its payout settles the capture and the refund.
    const refunded = Object.values(f.clarity.state().payments).find((x) => x.SalesOrderID === ids[0])!
    Object.assign(refunded, { StatusKey: 'Refunded', UpdatedDate: new Date().toISOString() })
    const payouts = await runPayouts()
    expect(payouts.find((p) => p.CurrencyKey === 'USD')!.RefundAmount).toBe(refunded.Amount)
    expect(payouts.map((p) => p.CurrencyKey).sort()).toEqual(['EUR', 'USD'])
    for (const p of payouts) {
      await waitFor(`payout ${p.ID}'s batch in SL`, () => batchesOf(p).length === 1)
      const [batch] = batchesOf(p)
      const line = (acct: string) => batch!.Lines.find((l) => l.Acct === acct)!
      expect(batch).toMatchObject({ Module: 'GL', JrnlType: 'ECM', PerPost: thisMonth(), CuryId: p.CurrencyKey, Status: 'B' })
      expect(cents(line('1010').DrAmt)).toBe(cents(p.NetAmount))
      expect(cents(line('6110').DrAmt)).toBe(cents(p.FeeAmount))
      expect(cents(line('1205').CrAmt)).toBe(cents(p.GrossAmount) - cents(p.RefundAmount))
      const dr = batch!.Lines.reduce((s, l) => s + cents(l.DrAmt), 0)
      const cr = batch!.Lines.reduce((s, l) => s + cents(l.CrAmt), 0)
      expect([dr, cr]).toEqual([cents(batch!.CtrlTot), cents(batch!.CtrlTot)])
      expect(batch!.Lines.every((l) => l.TranDate.startsWith(p.PayoutDate.slice(0, 10)))).toBe(true)
    }
    // The poller finds each payout too: looked up, and not posted again.
    await waitFor('the polled payouts found in SL', async () => await outcome('exists') >= payouts.length)
    expect(await outcome('posted')).toBe(payouts.length)
    for (const p of payouts) expect(batchesOf(p)).toHaveLength(1)
  })

  it('SL saves the batch and its answer is lost: no second batch', async () => {
    await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }], { currency: 'GBP' }))
    const before = batchWrites()
    const found = await outcome('exists')
    await f.sl.app.inject({ method: 'PUT', url: '/sandbox/faults', payload: { dropAnswerRate: 1 } })
    let p: Payout | undefined
    try {
      ;[p] = await runPayouts({ currency: 'GBP' })
      await waitFor('the batch written and its answer lost', () => batchWrites() > before && f.sl.faults.counters.droppedAnswers > 0)
    } finally {
      await f.sl.app.inject({ method: 'DELETE', url: '/sandbox/faults' })
    }
    // Its retry finds the batch: one batch, and no second write.
    await waitFor('the lost post looked up', async () => await outcome('exists') > found && batchesOf(p!).length === 1)
    expect(batchesOf(p!)).toHaveLength(1)
    expect(batchWrites()).toBe(before + 1)
  })

  it('a payout in a period SL has closed waits as a dead letter with the reason, and is posted once the period is open and it is sent on', async () => {
    const { topics } = prefixed(f.prefix)
    // Today's payouts are made: a payment of today goes into tomorrow's.
    const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10)
    const month = tomorrow.slice(0, 7).replace('-', '')
    const before = await periods({})
    await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }]))
    await periods({ close: [month] })
    const [p, ...others] = await runPayouts({ date: tomorrow })
    expect(others).toEqual([])
    const dlq = `${topics.payoutsRaw.name}.dlq`
    const letters = await waitFor('the payout dead-lettered', async () => {
      const n = await recordCount(b.admin, dlq)
      const rs = n === 0 ? [] : await readRecords(b.kafka, dlq, n)
      return rs.length > 0 ? rs : undefined
    })
    const letter = letters[0]!
    expect(letter.headers[DLQ_HEADERS.code]).toBe('PERIOD_CLOSED')
    expect(letter.headers[DLQ_HEADERS.message]).toContain(`payout ${p!.ID} is dated in period ${month}, which SL does not have open`)
    expect(letter.headers[DLQ_HEADERS.message]).toContain('it is never moved to another period')
    expect(batchesOf(p!)).toEqual([])

    // Someone opens the period again, and sends the record on from where it was dead-lettered.
    await periods({ open: [month], current: before.Current })
    await f.services['sl-payout-sink']!.stop()
    const group = `${f.prefix.replace(/\./g, '-')}sl-payout-sink`
    await b.admin.setGroupOffsets(group, topics.payoutsRaw.name, [{
      partition: Number(letter.headers[DLQ_HEADERS.partition]), offset: String(letter.headers[DLQ_HEADERS.offset])
    }])
    f.services['sl-payout-sink'] = await startSlPayoutSink(f.common as never, noExit)
    await waitFor(`payout ${p!.ID}'s batch in SL`, () => batchesOf(p!).length === 1)
    expect(batchesOf(p!)[0]).toMatchObject({ PerPost: month })
  })
})
