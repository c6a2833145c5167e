// The Clarity sandbox's payments against the contract (../shared/contracts/clarity.md); their
// webhooks are tried with the others in contract.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildClaritySandbox, type ClaritySandbox } from '../app.ts'
import { openSandbox, shopper } from './harness.ts'

let sb: ClaritySandbox
let token: string
beforeEach(async () => { ({ sb, token } = await openSandbox()) })
afterEach(async () => { await sb.app.close() })

const api = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
  const r = await sb.app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${token}` } })
  return { status: r.statusCode, body: r.json() as any }
}
const place = async (over: Record<string, unknown> = {}) => sb.app.inject({ method: 'POST', url: '/sandbox/storefront/orders', payload: shopper(over) })

describe('payments', () => {
  const capture = async (id: number, payload?: unknown) =>
    sb.app.inject({ method: 'POST', url: `/sandbox/payments/${id}/capture`, payload: payload as object })
  const cents = (v: number) => Math.round(v * 100)

  it('keeps a placed order\'s payment as an entity, read by ID and listed by ModifiedSince like orders', async () => {
    const o = (await place()).json()
    const p = o.Payments[0]
    const read = await api('GET', `/Payments/Payment/ID/${p.ID}`)
    expect(read.body).toEqual({
      ID: p.ID, CustomKey: null, CreatedDate: o.CreatedDate, UpdatedDate: o.CreatedDate, Active: true, Hash: null,
      SalesOrderID: o.ID, Amount: o.Totals.Total, CurrencyKey: 'USD', StatusKey: 'Payment Received',
      TransactionNumber: p.TransactionNumber, CardTypeKey: 'VISA', ReceivedDate: o.CreatedDate
    })
    await place({ currency: 'EUR' })
    await place()
    const p1 = await api('GET', `/Payments/Payments?ModifiedSince=${o.CreatedDate}&Paging.Size=2&Paging.StartIndex=1`)
    expect(p1.body).toMatchObject({ TotalPages: 2, CurrentPage: 1, TotalCount: 3, CurrentCount: 2 })
    expect(p1.body.Results.map((x: { CurrencyKey: string }) => x.CurrencyKey)).toEqual(['USD', 'EUR'])
    const p2 = await api('GET', `/Payments/Payments?ModifiedSince=${o.CreatedDate}&Paging.Size=2&Paging.StartIndex=2`)
    expect(p2.body.Results.map((x: { ID: number }) => x.ID)).toEqual([p.ID + 2])
    expect((await api('GET', '/Payments/Payments?ModifiedSince=2999-01-01T00:00:00Z')).body.TotalCount).toBe(0)
    expect((await api('GET', '/Payments/Payments?ModifiedSince=yesterday')).status).toBe(400)
    expect((await sb.app.inject('/Payments/Payments')).statusCode).toBe(401)
    expect((await sb.app.inject(`/sandbox/state/payments?order=${o.ID}`)).json().Items).toEqual([read.body])
    expect((await sb.app.inject('/sandbox/state')).json().counts.payments).toBe(3)
  })
  it('answers 404 for a payment it does not have', async () => {
    const r = await api('GET', '/Payments/Payment/ID/1')
    expect(r).toEqual({ status: 404, body: { ActionSucceeded: false, Messages: ['Payment 1 does not exist'] } })
    expect((await capture(1, {})).statusCode).toBe(404)
  })
  it('splits the total over several payments, which must sum to it to the cent', async () => {
    const total = cents((await place()).json().Totals.Total)
    const split = [{ amount: 10, cardType: 'giftcard' }, { amount: (total - 1000) / 100 }]
    const o = (await place({ payments: split })).json()
    expect(o.Payments).toMatchObject([
      { Amount: 10, CardTypeKey: 'GIFTCARD', TransactionNumber: expect.stringMatching(/^gc_/) },
      { Amount: (total - 1000) / 100, CardTypeKey: 'VISA', TransactionNumber: expect.stringMatching(/^ch_/) }
    ])
    const kept = (await sb.app.inject(`/sandbox/state/payments?order=${o.ID}`)).json().Items
    expect(kept.map((p: { ID: number }) => p.ID)).toEqual(o.Payments.map((p: { ID: number }) => p.ID))
    expect(kept.reduce((n: number, p: { Amount: number }) => n + cents(p.Amount), 0)).toBe(total)
    const before = Object.keys(sb.state().payments).length
    for (const [payments, message] of [
      [[{ amount: 10 }, { amount: (total - 999) / 100 }], 'payments: the amounts must sum to the order total, to the cent'],
      [[{ amount: 10.001 }, { amount: (total - 1000) / 100 }], 'payments[0].amount must be a positive amount with at most 2 decimals'],
      [[{ amount: total / 100, cardType: 'GIFT CARD' }], 'payments[0].cardType is 1 to 32 letters, digits, - or _'],
      [[null], 'payments[0].amount must be a positive amount with at most 2 decimals'],
      [[], 'payments is a list of 1 to 10 payments']
    ] as const) {
      const r = await place({ payments })
      expect(r.statusCode).toBe(400)
      expect(r.json().Messages).toEqual([message])
    }
    expect(Object.keys(sb.state().payments)).toHaveLength(before)
    expect(Object.keys(sb.state().orders)).toHaveLength(2)
  })
  it('authorises only, on request, then captures part of it', async () => {
    const o = (await place({ capture: 'later' })).json()
    const p = o.Payments[0]
    expect(p).toMatchObject({ StatusKey: 'Authorized', ReceivedDate: null, Amount: o.Totals.Total })
    expect((await api('GET', `/Payments/Payment/ID/${p.ID}`)).body).toMatchObject({ StatusKey: 'Authorized', ReceivedDate: null })
    for (const amount of [o.Totals.Total + 0.01, 0, 1.005, '5']) {
      const r = await capture(p.ID, { amount })
      expect(r.statusCode).toBe(400)
      expect(r.json().Messages[0]).toMatch(/^amount must/)
    }
    const captured = await capture(p.ID, { amount: 10 })
    expect(captured.json()).toMatchObject({ ID: p.ID, StatusKey: 'Payment Received', Amount: 10, ReceivedDate: expect.any(String) })
    const at = captured.json().UpdatedDate
    const order = (await api('GET', `/Ordering/SalesOrder/ID/${o.ID}`)).body
    expect(order.Payments[0]).toMatchObject({ StatusKey: 'Payment Received', Amount: 10, ReceivedDate: at })
    expect(order.UpdatedDate).toBe(at)
    expect((await api('GET', `/Payments/Payments?ModifiedSince=${at}`)).body.Results.map((x: { ID: number }) => x.ID)).toEqual([p.ID])
    // Captured already: answered as it is.
    expect((await capture(p.ID, { amount: 5 })).json()).toMatchObject({ Amount: 10, UpdatedDate: at })
    expect((await place({ capture: 'now' })).json().Messages).toEqual(["capture is 'later' or absent"])
  })
  it('captures all of an authorisation when no amount is given', async () => {
    const o = (await place({ capture: 'later' })).json()
    expect((await capture(o.Payments[0].ID)).json()).toMatchObject({ StatusKey: 'Payment Received', Amount: o.Totals.Total })
  })
  it('persists payments, and makes them from the orders of a state file written before they were kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clarity-payments-'))
    const dataFile = join(dir, 'clarity.json')
    const build = () => buildClaritySandbox({ clientId: 'bridge', clientSecret: 's3cret', webhookSecrets: ['w'], dataFile })
    try {
      const first = build()
      const o = (await first.app.inject({ method: 'POST', url: '/sandbox/storefront/orders', payload: shopper({ lines: [{ sku: 'WIDGET-RED-L', quantity: 1 }] }) })).json()
      await first.app.close()
      const again = build()
      expect(again.state().payments[o.Payments[0].ID]).toMatchObject({ SalesOrderID: o.ID, StatusKey: 'Payment Received' })
      await again.app.close()
      const saved = JSON.parse(readFileSync(dataFile, 'utf8'))
      delete saved.payments
      writeFileSync(dataFile, JSON.stringify(saved))
      const old = build()
      expect(Object.values(old.state().payments)).toEqual([{
        ID: o.Payments[0].ID, CustomKey: null, CreatedDate: o.CreatedDate, UpdatedDate: o.UpdatedDate, Active: true,
        Hash: null, SalesOrderID: o.ID, Amount: o.Totals.Total, CurrencyKey: 'USD', StatusKey: 'Payment Received',
        TransactionNumber: o.Payments[0].TransactionNumber, CardTypeKey: 'VISA', ReceivedDate: o.Payments[0].ReceivedDate
      }])
      await old.app.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
