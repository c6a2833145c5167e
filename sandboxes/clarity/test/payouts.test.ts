// The Clarity sandbox's payouts against the contract (../shared/contracts/clarity.md): one per
// currency per business day, GrossAmount − RefundAmount − FeeAmount = NetAmount to the cent.
import Fastify, { type FastifyInstance } from 'fastify'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { waitFor } from '../../../test/helpers.ts'
import type { Ctx } from '../api.ts'
import { buildClaritySandbox, type ClaritySandbox } from '../app.ts'
import { autoPayouts, feeOf } from '../payouts.ts'
import type { Payment, Payout } from '../state.ts'
import { openSandbox, shopper } from './harness.ts'

let sb: ClaritySandbox
let token: string
// Long enough for the days the clock is moved through.
beforeEach(async () => { ({ sb, token } = await openSandbox({ tokenTtlSec: 10 * 365 * 86400 })) })
afterEach(async () => { vi.useRealTimers(); await sb.app.close() })

const api = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
  const r = await sb.app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${token}` } })
  return { status: r.statusCode, body: r.json() as any }
}
const steer = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
  const r = await sb.app.inject({ method, url, payload: payload as object })
  return { status: r.statusCode, body: r.json() as any }
}
const run = async (body?: unknown) => steer('POST', '/sandbox/payouts/run', body)
const one = { lines: [{ sku: 'WIDGET-RED-L', quantity: 1 }] }
const place = async (over: Record<string, unknown> = {}) =>
  (await steer('POST', '/sandbox/storefront/orders', shopper({ ...one, ...over }))).body
const capture = async (p: { ID: number }) => steer('POST', `/sandbox/payments/${p.ID}/capture`)
/** Only Date is faked: fastify's and the webhook sender's timers keep running. */
const at = (iso: string) => { vi.useFakeTimers({ toFake: ['Date'] }); vi.setSystemTime(new Date(iso)) }
const cents = (v: number) => Math.round(v * 100)
/** The fee on a capture as the schedule reads: percent of it plus the fixed part, half a cent up. */
const fee = (amount: number, percent: number, fixed: number) =>
  Math.floor(cents(amount) * percent / 100 + 0.5 + 1e-9) + cents(fixed)
/** What a card refund leaves behind on the payment (the sandbox takes no refunds of its own yet). */
const refund = (p: { ID: number }) => {
  const payment = sb.state().payments[p.ID]!
  Object.assign(payment, { StatusKey: 'Refunded', UpdatedDate: new Date().toISOString() })
}
const numbers = (x: Payout, kind: 'capture' | 'refund') => x.Transactions.filter((t) => t.Kind === kind).map((t) => t.TransactionNumber)

function expectBalanced (x: Payout) {
  const sum = (kind: string, f: 'Amount' | 'Fee') =>
    x.Transactions.filter((t) => t.Kind === kind).reduce((n, t) => n + cents(t[f]), 0)
  expect(cents(x.GrossAmount) - cents(x.RefundAmount) - cents(x.FeeAmount)).toBe(cents(x.NetAmount))
  expect(sum('capture', 'Amount')).toBe(cents(x.GrossAmount))
  expect(sum('refund', 'Amount')).toBe(cents(x.RefundAmount))
  expect(sum('capture', 'Fee')).toBe(cents(x.FeeAmount))
  expect(sum('refund', 'Fee')).toBe(0)
  for (const v of [x.GrossAmount, x.FeeAmount, x.RefundAmount, x.NetAmount]) expect(cents(v) / 100).toBe(v)
}

describe('the fee on a capture', () => {
  it.each([
    ['2.9 % + 0.30 of 62.33', 6233, { percent: 2.9, fixed: 0.3 }, 211],
    ['1.4 % + 0.25 of 10.00', 1000, { percent: 1.4, fixed: 0.25 }, 39],
    ['a half cent, rounded up', 50, { percent: 1, fixed: 0 }, 1],
    ['below a half cent, rounded down', 49, { percent: 1, fixed: 0 }, 0],
    ['1.15 % of 10.00, exact though 1.15 is not in binary', 1000, { percent: 1.15, fixed: 0 }, 12],
    ['2.5 % of 1.00: a half cent', 100, { percent: 2.5, fixed: 0 }, 3],
    ['no schedule for the currency', 6233, undefined, 0]
  ])('%s', (_n, amount, schedule, expected) => {
    expect(feeOf(amount, schedule)).toBe(expected)
  })
})

describe('POST /sandbox/payouts/run', () => {
  it('pays out each currency\'s captured payments with the fee schedule, leaving authorisations out', async () => {
    at('2026-11-27T10:00:00Z')
    const usd = await place()
    const second = await place()
    const total = cents(second.Totals.Total)
    const split = await place({ payments: [{ amount: 5, cardType: 'GIFTCARD' }, { amount: (total - 500) / 100 }] })
    const eur = await place({ currency: 'EUR' })
    const gbp = await place({ currency: 'GBP' })
    const authorised = await place({ capture: 'later' })
    const r = await run({ date: '2026-11-27' })
    expect(r.status).toBe(200)
    const payouts = r.body.Payouts as Payout[]
    expect(payouts.map((x) => x.CurrencyKey)).toEqual(['USD', 'EUR', 'GBP'])
    const paid = Object.values(sb.state().payments).filter((p) => p.StatusKey === 'Payment Received')
    const schedules: Record<string, [number, number]> = { USD: [2.9, 0.3], EUR: [1.4, 0.25], GBP: [1.5, 0.2] }
    for (const x of payouts) {
      expect(x).toMatchObject({
        ID: expect.any(Number), CustomKey: null, Active: true, Hash: null, PayoutDate: '2026-11-27T00:00:00.000Z',
        CreatedDate: '2026-11-27T10:00:00.000Z', UpdatedDate: '2026-11-27T10:00:00.000Z', RefundAmount: 0
      })
      const schedule = schedules[x.CurrencyKey]!
      const mine = paid.filter((p) => p.CurrencyKey === x.CurrencyKey)
      expect(x.Transactions).toEqual(mine.map((p) => ({
        TransactionNumber: p.TransactionNumber, Kind: 'capture', Amount: p.Amount, Fee: fee(p.Amount, ...schedule) / 100
      })))
      expectBalanced(x)
    }
    const [usdOut, eurOut, gbpOut] = payouts as [Payout, Payout, Payout]
    expect(numbers(usdOut, 'capture')).toEqual([usd, second, split].flatMap((o) => o.Payments.map((p: Payment) => p.TransactionNumber)))
    expect(numbers(usdOut, 'capture')).not.toContain(authorised.Payments[0].TransactionNumber)
    expect(cents(usdOut.GrossAmount)).toBe(cents(usd.Totals.Total) + 2 * total)
    expect(numbers(eurOut, 'capture')).toEqual([eur.Payments[0].TransactionNumber])
    expect(numbers(gbpOut, 'capture')).toEqual([gbp.Payments[0].TransactionNumber])
  })

  it('makes one payout per currency per day: what comes after it waits for a later day', async () => {
    at('2026-11-27T10:00:00Z')
    const first = await place()
    const later = await place({ capture: 'later' })
    const [day1] = (await run({ date: '2026-11-27', currency: 'USD' })).body.Payouts as Payout[]
    expect(numbers(day1!, 'capture')).toEqual([first.Payments[0].TransactionNumber])
    at('2026-11-27T23:59:59.999Z')
    await capture(later.Payments[0])
    expect((await run({ date: '2026-11-27' })).body).toEqual({ Payouts: [] })
    at('2026-11-28T09:00:00Z')
    const eur = await place({ currency: 'EUR' })
    // A payment received after the day's end is not that day's.
    expect((await run({ date: '2026-11-27', currency: 'EUR' })).body).toEqual({ Payouts: [] })
    const day2 = (await run()).body.Payouts as Payout[]
    expect(day2.map((x) => [x.CurrencyKey, x.PayoutDate])).toEqual([['USD', '2026-11-28T00:00:00.000Z'], ['EUR', '2026-11-28T00:00:00.000Z']])
    expect(numbers(day2[0]!, 'capture')).toEqual([later.Payments[0].TransactionNumber])
    expect(numbers(day2[1]!, 'capture')).toEqual([eur.Payments[0].TransactionNumber])
    expect((await run()).body).toEqual({ Payouts: [] })
    expect(Object.keys(sb.state().payouts)).toHaveLength(3)
  })

  it('takes a refund back: a refund of a capture paid out already, and one refunded before it was paid out', async () => {
    at('2026-11-27T10:00:00Z')
    const early = await place()
    const eur = await place({ currency: 'EUR' })
    expect((await run({ date: '2026-11-27' })).body.Payouts).toHaveLength(2)
    at('2026-11-28T08:00:00Z')
    refund(early.Payments[0])
    const late = await place()
    refund(late.Payments[0])
    const kept = await place()
    at('2026-11-29T08:00:00Z')
    refund(kept.Payments[0])
    refund(eur.Payments[0])
    // Refunds made after the day's end are not that day's: kept's is not, and EUR has nothing that day.
    const [x, none] = (await run({ date: '2026-11-28' })).body.Payouts as [Payout, undefined]
    const [e, l, k, r] = [early, late, kept, eur].map((o) => o.Payments[0]) as [Payment, Payment, Payment, Payment]
    expect(none).toBeUndefined()
    expect(x.Transactions).toEqual([
      { TransactionNumber: l.TransactionNumber, Kind: 'capture', Amount: l.Amount, Fee: fee(l.Amount, 2.9, 0.3) / 100 },
      { TransactionNumber: k.TransactionNumber, Kind: 'capture', Amount: k.Amount, Fee: fee(k.Amount, 2.9, 0.3) / 100 },
      { TransactionNumber: e.TransactionNumber, Kind: 'refund', Amount: e.Amount, Fee: 0 },
      { TransactionNumber: l.TransactionNumber, Kind: 'refund', Amount: l.Amount, Fee: 0 }
    ])
    expect(cents(x.RefundAmount)).toBe(cents(e.Amount) + cents(l.Amount))
    expectBalanced(x)
    // None is taken back twice.
    const [y, z] = (await run({ date: '2026-11-29' })).body.Payouts as [Payout, Payout]
    expect(y).toMatchObject({ CurrencyKey: 'USD', GrossAmount: 0, FeeAmount: 0, RefundAmount: k.Amount, NetAmount: -k.Amount })
    expect(y.Transactions).toEqual([{ TransactionNumber: k.TransactionNumber, Kind: 'refund', Amount: k.Amount, Fee: 0 }])
    expect(z).toMatchObject({ CurrencyKey: 'EUR', RefundAmount: r.Amount, NetAmount: -r.Amount })
    expect(numbers(z, 'refund')).toEqual([r.TransactionNumber])
    for (const p of [y, z]) expectBalanced(p)
  })

  it('charges the schedule as changed, and no fee in a currency it does not list', async () => {
    const r = await steer('PUT', '/sandbox/payouts', { fees: { USD: { percent: 0, fixed: 1 } } })
    expect(r.body).toEqual({ auto: false, hourUtc: 2, fees: { USD: { percent: 0, fixed: 1 } } })
    await place()
    await place({ currency: 'CAD' })
    const [usd, cad] = (await run()).body.Payouts as [Payout, Payout]
    expect(usd.Transactions[0]!.Fee).toBe(1)
    expect(usd.FeeAmount).toBe(1)
    expect(cad).toMatchObject({ CurrencyKey: 'CAD', FeeAmount: 0, NetAmount: cad.GrossAmount })
    expect((await steer('GET', '/sandbox/state')).body.settings).toMatchObject({ payoutFees: { USD: { percent: 0, fixed: 1 } } })
  })

  it('creates nothing when there is nothing to pay out', async () => {
    await place({ capture: 'later' })
    expect((await run({})).body).toEqual({ Payouts: [] })
    expect(sb.state().payouts).toEqual({})
  })

  it.each([
    [{ when: '2026-11-27' }, 'when is not a field of a payout run; it takes date and currency'],
    [{ date: '2026-13-01' }, 'date must be a calendar day as YYYY-MM-DD, not "2026-13-01"'],
    [{ date: '2026-02-30' }, 'date must be a calendar day as YYYY-MM-DD, not "2026-02-30"'],
    [{ date: '27/11/2026' }, 'date must be a calendar day as YYYY-MM-DD, not "27/11/2026"'],
    [{ date: 20261127 }, 'date must be a calendar day as YYYY-MM-DD, not 20261127'],
    [{ currency: 'JPY' }, 'currency must be one of USD, EUR, GBP, CAD, not "JPY"'],
    [{ currency: 'usd' }, 'currency must be one of USD, EUR, GBP, CAD, not "usd"'],
    [[], 'The body must be a JSON object']
  ])('refuses %j with 400', async (body, message) => {
    await place()
    expect(await run(body)).toEqual({ status: 400, body: { ActionSucceeded: false, Messages: [message] } })
    expect(sb.state().payouts).toEqual({})
  })
})

describe('payouts on the API', () => {
  it('lists payouts by ModifiedSince with 1-based pages, reads one by ID, and keeps them in /sandbox/state', async () => {
    at('2026-11-27T10:00:00Z')
    await place()
    await place({ currency: 'EUR' })
    const made = (await run()).body.Payouts as Payout[]
    at('2026-11-28T10:00:00Z')
    await place()
    made.push(...(await run()).body.Payouts)
    expect(made.map((x) => x.ID)).toEqual([1101, 1102, 1103])
    const p1 = await api('GET', '/Payments/Payouts?ModifiedSince=2026-11-27T00:00:00Z&Paging.Size=2&Paging.StartIndex=1')
    expect(p1.body).toMatchObject({ TotalPages: 2, CurrentPage: 1, TotalCount: 3, CurrentCount: 2 })
    expect(p1.body.Results).toEqual(made.slice(0, 2))
    const p2 = await api('GET', '/Payments/Payouts?ModifiedSince=2026-11-27T00:00:00Z&Paging.Size=2&Paging.StartIndex=2')
    expect(p2.body.Results).toEqual(made.slice(2))
    expect((await api('GET', '/Payments/Payouts?ModifiedSince=2026-11-28T10:00:00Z')).body.Results).toEqual(made.slice(2))
    expect((await api('GET', '/Payments/Payouts?ModifiedSince=yesterday')).status).toBe(400)
    for (const x of made) expect((await api('GET', `/Payments/Payout/ID/${x.ID}`)).body).toEqual(x)
    expect(await api('GET', '/Payments/Payout/ID/1')).toEqual({ status: 404, body: { ActionSucceeded: false, Messages: ['Payout 1 does not exist'] } })
    expect((await sb.app.inject('/Payments/Payouts')).statusCode).toBe(401)
    expect((await sb.app.inject('/Payments/Payout/ID/1101')).statusCode).toBe(401)
    expect((await steer('GET', '/sandbox/state/payouts?currency=EUR')).body).toEqual({ Items: [made[1]] })
    expect((await steer('GET', '/sandbox/state/payouts')).body.Items).toHaveLength(3)
    expect((await steer('GET', '/sandbox/state')).body.counts.payouts).toBe(3)
  })

  it('sends payout.paid with the Payout, once', async () => {
    const got: Array<{ type: string, data: any }> = []
    const receiver: FastifyInstance = Fastify()
    receiver.post('/hook', async (req) => { got.push(req.body as { type: string, data: any }); return {} })
    await receiver.listen({ port: 0, host: '127.0.0.1' })
    try {
      const port = (receiver.server.address() as { port: number }).port
      await steer('PUT', '/sandbox/webhooks', { urls: [`http://127.0.0.1:${port}/hook`] })
      await place()
      const [x] = (await run()).body.Payouts as [Payout]
      const paid = await waitFor('payout.paid', () => got.find((g) => g.type === 'payout.paid'))
      expect(paid.data).toEqual(x)
      expect(paid.data).toEqual((await api('GET', `/Payments/Payout/ID/${x.ID}`)).body)
      await run()
      await waitFor('the outbox emptied', () => sb.state().outbox.length === 0)
      expect(got.filter((g) => g.type === 'payout.paid')).toHaveLength(1)
    } finally {
      await receiver.close()
    }
  })
})

describe('automatic payouts', () => {
  it('pay out the previous UTC day once a day after payoutsHourUtc, while on', async () => {
    const c: Ctx = { state: sb.state, sender: sb.sender, changed: (v) => v }
    const auto = autoPayouts(c, 3600000)
    try {
      at('2026-11-27T10:00:00Z')
      await place()
      expect(auto.check(new Date('2026-11-28T05:00:00Z'))).toEqual([])
      expect((await steer('PUT', '/sandbox/payouts', { auto: true, hourUtc: 3 })).body).toMatchObject({ auto: true, hourUtc: 3 })
      expect(auto.check(new Date('2026-11-28T02:59:59Z'))).toEqual([])
      const made = auto.check(new Date('2026-11-28T03:00:00Z'))
      expect(made.map((x) => [x.CurrencyKey, x.PayoutDate])).toEqual([['USD', '2026-11-27T00:00:00.000Z']])
      await place()
      expect(auto.check(new Date('2026-11-28T23:00:00Z'))).toEqual([])
      await steer('PUT', '/sandbox/payouts', { auto: false })
      expect(auto.check(new Date('2026-11-29T05:00:00Z'))).toEqual([])
      expect(Object.keys(sb.state().payouts)).toHaveLength(1)
    } finally {
      auto.stop()
    }
  })

  it.each([
    [{ auto: 'yes' }, 'auto is true or false'],
    [{ hourUtc: 24 }, 'hourUtc is a whole hour from 0 to 23'],
    [{ hourUtc: 1.5 }, 'hourUtc is a whole hour from 0 to 23'],
    [{ fees: [] }, 'fees is an object of currency code → { percent, fixed }'],
    [{ fees: { usd: { percent: 1, fixed: 0 } } }, 'fees: "usd" is not a currency code (three capitals)'],
    [{ fees: { USD: { percent: 2.9 } } }, 'fees.USD.fixed is an amount from 0 to 1000 with at most 2 decimals'],
    [{ fees: { USD: { percent: 101, fixed: 0 } } }, 'fees.USD.percent is from 0 to 100 with at most 4 decimals'],
    [{ fees: { USD: { percent: 1.23456, fixed: 0 } } }, 'fees.USD.percent is from 0 to 100 with at most 4 decimals'],
    [{ fees: { USD: { percent: 1, fixed: 0.001 } } }, 'fees.USD.fixed is an amount from 0 to 1000 with at most 2 decimals'],
    [{ fees: { USD: { percent: 1, fixed: 0, cap: 5 } } }, 'fees.USD has only percent and fixed'],
    [{ hour: 3 }, 'hour is not a payout setting; they are auto, hourUtc and fees']
  ])('PUT /sandbox/payouts refuses %j with 400', async (body, message) => {
    expect(await steer('PUT', '/sandbox/payouts', body)).toEqual({ status: 400, body: { ActionSucceeded: false, Messages: [message] } })
    expect(sb.state().settings)
      .toMatchObject({ payoutsAuto: false, payoutsHourUtc: 2, payoutFees: { USD: { percent: 2.9, fixed: 0.3 } } })
  })
})

describe('saved state', () => {
  it('keeps payouts over a restart, and loads a state file from before payouts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clarity-payouts-'))
    const dataFile = join(dir, 'clarity.json')
    const build = () => buildClaritySandbox({ clientId: 'bridge', clientSecret: 's3cret', webhookSecrets: ['w'], dataFile })
    const inject = async (s: ClaritySandbox, url: string, payload: object) => (await s.app.inject({ method: 'POST', url, payload })).json()
    try {
      at('2026-11-27T10:00:00Z')
      const first = build()
      await inject(first, '/sandbox/storefront/orders', shopper(one))
      const [x] = (await inject(first, '/sandbox/payouts/run', {})).Payouts
      await first.app.close()
      at('2026-11-28T10:00:00Z')
      const again = build()
      expect(Object.values(again.state().payouts)).toEqual([x])
      const o = await inject(again, '/sandbox/storefront/orders', shopper(one))
      // The first day's payment was paid out before the restart: not again.
      const [y] = (await inject(again, '/sandbox/payouts/run', {})).Payouts
      expect(y).toMatchObject({ ID: 1102, Transactions: [{ TransactionNumber: o.Payments[0].TransactionNumber }] })
      expect(y.Transactions).toHaveLength(1)
      await again.app.close()
      const saved = JSON.parse(readFileSync(dataFile, 'utf8'))
      for (const k of ['payouts', 'paidOut']) delete saved[k]
      delete saved.nextId.payout
      for (const k of ['payoutFees', 'payoutsAuto', 'payoutsHourUtc']) delete saved.settings[k]
      writeFileSync(dataFile, JSON.stringify(saved))
      const old = build()
      expect(old.state().settings)
        .toMatchObject({ payoutsAuto: false, payoutsHourUtc: 2, payoutFees: { EUR: { percent: 1.4, fixed: 0.25 } } })
      const made = (await inject(old, '/sandbox/payouts/run', {})).Payouts
      expect(made).toMatchObject([{ ID: 1101, CurrencyKey: 'USD', PayoutDate: '2026-11-28T00:00:00.000Z' }])
      expect(made[0].Transactions).toHaveLength(2)
      await old.app.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
