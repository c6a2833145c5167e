// The shared faults a chaos run leans on: writes that happen and then lose their answer,
// and the count of clients that came back before a Retry-After said they could.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildClaritySandbox } from '../../clarity/app.ts'
import { buildSlSandbox } from '../../sl/app.ts'
import { createRetryLedger, retryAt } from '../retry-after.ts'

const sl = buildSlSandbox({ user: 'u', password: 'p', cpnyId: 'DEMO' })
const clarity = buildClaritySandbox({ clientId: 'c', clientSecret: 's', webhookSecrets: ['w'] })
const slAuth = { authorization: `Basic ${Buffer.from('u:p').toString('base64')}`, 'x-sl-cpnyid': 'DEMO', 'content-type': 'application/json' }
let clarityAuth: Record<string, string>
const base: Record<'sl' | 'clarity', string> = { sl: '', clarity: '' }

beforeAll(async () => {
  for (const [name, app] of [['sl', sl.app], ['clarity', clarity.app]] as const) {
    await app.listen({ port: 0, host: '127.0.0.1' })
    base[name] = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  }
  const token = (await clarity.app.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials&client_id=c&client_secret=s', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json().access_token
  clarityAuth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
})
afterAll(async () => { await sl.app.close(); await clarity.app.close() })
beforeEach(async () => {
  for (const app of [sl.app, clarity.app]) await app.inject({ method: 'DELETE', url: '/sandbox/faults' })
})

const faults = (which: 'sl' | 'clarity', payload?: object) =>
  (which === 'sl' ? sl : clarity).app.inject({ method: payload === undefined ? 'GET' : 'PUT', url: '/sandbox/faults', payload })

describe('dropAnswerRate', () => {
  it('SL: the write is saved, then the connection is cut without an answer', async () => {
    await faults('sl', { dropAnswerRate: 1 })
    const before = sl.state().itemSites['WIDGET-RED-L|MAIN']!.QtyOnHand
    const put = fetch(`${base.sl}/api/Inventory/WIDGET-RED-L/MAIN`, { method: 'PUT', headers: slAuth, body: JSON.stringify({ QtyAdjust: 5, ReasonCd: 'COUNT' }) })
    await expect(put).rejects.toThrow()
    expect(sl.state().itemSites['WIDGET-RED-L|MAIN']!.QtyOnHand).toBe(before + 5)
    // Reads keep their answers: that is how a client finds out what happened.
    const read = await fetch(`${base.sl}/api/Inventory/WIDGET-RED-L`, { headers: slAuth })
    expect(read.status).toBe(200)
    const { counters, faults: set } = (await faults('sl')).json()
    expect(set.dropAnswerRate).toBe(1)
    expect(counters.droppedAnswers).toBe(1)
    expect(sl.faults.writes['PUT /api/Inventory/:invtId/:siteId']).toBe(1)
  })

  it('Clarity: the same, and a refused write keeps its answer', async () => {
    await faults('clarity', { dropAnswerRate: 1 })
    const upsert = (body: object) => fetch(`${base.clarity}/Products/Product/Upsert`, { method: 'POST', headers: clarityAuth, body: JSON.stringify(body) })
    await expect(upsert({ CustomKey: 'DROPPED-1', Name: 'Saved, never answered', PriceBase: 3 })).rejects.toThrow()
    expect(Object.values(clarity.state().products).some((p) => p.CustomKey === 'DROPPED-1')).toBe(true)
    expect((await upsert({ CustomKey: 'DROPPED-2' })).status).toBe(400)
    expect((await faults('clarity')).json().counters.droppedAnswers).toBe(1)
  })

  it('is a fraction from 0 to 1, and a reset clears it', async () => {
    for (const which of ['sl', 'clarity'] as const) {
      for (const bad of [-0.1, 1.5, 'half']) expect((await faults(which, { dropAnswerRate: bad })).statusCode).toBe(400)
      expect((await faults(which, { dropAnswerRate: 0.25 })).json().faults.dropAnswerRate).toBe(0.25)
      const cleared = await (which === 'sl' ? sl : clarity).app.inject({ method: 'DELETE', url: '/sandbox/faults' })
      expect(cleared.json().faults.dropAnswerRate).toBe(0)
    }
  })
})

describe('Retry-After compliance', () => {
  const slCall = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    sl.app.inject({ method, url, headers: slAuth, payload: payload && JSON.stringify(payload) })
  const customer = (name: string) => ({ CustId: 'RETRY-1', Name: name, Addr1: 'secret street 1' })

  it('counts the same request coming back before its Retry-After, and only that', async () => {
    const was = sl.faults.counters.earlyRetries
    await faults('sl', { rate429: 1, retryAfterSec: 30 })
    expect((await slCall('POST', '/api/Customer', customer('Ana'))).statusCode).toBe(429)
    expect((await slCall('GET', '/api/Customer/C000123?x=1')).statusCode).toBe(429)
    // Another body, another query: other requests, not retries.
    await slCall('POST', '/api/Customer', customer('Bea'))
    await slCall('GET', '/api/Customer/C000123?x=2')
    expect(sl.faults.counters.earlyRetries).toBe(was)
    await faults('sl', { rate429: 0 })
    // Served this time, but still too early; the body is hashed as the parser reads it.
    expect((await slCall('POST', '/api/Customer', customer('Ana'))).statusCode).toBe(201)
    expect((await slCall('GET', '/api/Customer/C000123?x=1')).statusCode).toBe(200)
    const got = (await faults('sl')).json()
    expect(got.counters.earlyRetries).toBe(was + 2)
    const last = got.earlyRetrySamples.slice(-2)
    expect(last.map((x: object) => Object.keys(x).sort())).toEqual([['earlyByMs', 'method', 'route'], ['earlyByMs', 'method', 'route']])
    expect(last.map((x: { route: string, method: string }) => `${x.method} ${x.route}`)).toEqual(['POST /api/Customer', 'GET /api/Customer/:custId'])
    expect(last[0].earlyByMs).toBeGreaterThan(25000)
    expect(JSON.stringify(got)).not.toMatch(/Ana|secret|C000123/)
  })

  it('tells clients apart by User-Agent: the same request from another instance is not a retry', async () => {
    const was = sl.faults.counters.earlyRetries
    const as = (agent: string) => sl.app.inject({ method: 'GET', url: '/api/Customer/C000124', headers: { ...slAuth, 'user-agent': agent } })
    await faults('sl', { rate429: 1, retryAfterSec: 30 })
    expect((await as('clarity-sl-bridge (pid 1)')).statusCode).toBe(429)
    await faults('sl', { rate429: 0 })
    await as('clarity-sl-bridge (pid 2)')
    expect(sl.faults.counters.earlyRetries).toBe(was)
    await as('clarity-sl-bridge (pid 1)')
    expect(sl.faults.counters.earlyRetries).toBe(was + 1)
  })

  it('lets a request come back once its time has come', async () => {
    const was = sl.faults.counters.earlyRetries
    await faults('sl', { rate429: 1, retryAfterSec: 1 })
    expect((await slCall('PUT', '/api/Inventory/WIDGET-RED-L/MAIN', { QtyAdjust: 1, ReasonCd: 'COUNT' })).headers['retry-after']).toBe('1')
    await faults('sl', { rate429: 0 })
    await new Promise((resolve) => setTimeout(resolve, 950))
    expect((await slCall('PUT', '/api/Inventory/WIDGET-RED-L/MAIN', { QtyAdjust: 1, ReasonCd: 'COUNT' })).statusCode).toBe(200)
    expect(sl.faults.counters.earlyRetries).toBe(was)
  })

  it('counts early retries of an outage\'s 503 and a rate limit\'s 429 in Clarity, over real connections', async () => {
    const was = clarity.faults.counters.earlyRetries
    await faults('clarity', { outageSec: 30 })
    const list = () => fetch(`${base.clarity}/Ordering/SalesOrders?Paging.Size=5`, { headers: clarityAuth })
    const down = await list()
    expect(down.status).toBe(503)
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0)
    await list()
    await faults('clarity', { outageSec: 0, rateLimitPerSec: 1 })
    const stock = () => fetch(`${base.clarity}/Inventory/ProductInventoryLocationSections/UpdateMany`, { method: 'POST', headers: clarityAuth, body: JSON.stringify([{ ProductKey: 'WIDGET-RED-L', LocationKey: 'MAIN', Quantity: 4, QuantityAllocated: 0 }]) })
    const codes = [(await stock()).status, (await stock()).status, (await stock()).status]
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(1)
    const got = (await faults('clarity')).json()
    expect(got.counters.earlyRetries - was).toBeGreaterThanOrEqual(2)
    expect(got.earlyRetrySamples.map((x: { route: string }) => x.route)).toContain('/Ordering/SalesOrders')
    expect(got.earlyRetrySamples.map((x: { route: string }) => x.route)).toContain('/Inventory/ProductInventoryLocationSections/UpdateMany')
  })

  it('keeps the last 20 samples and a bounded set of deadlines', () => {
    let early = 0
    const ledger = createRetryLedger(() => { early++ }, 50)
    const t = 1_000_000
    for (let i = 0; i < 200; i++) ledger.answered(`k${i}`, t + 5000, t)
    expect(ledger.size()).toBe(50)
    for (let i = 0; i < 25; i++) ledger.arrived('k199', t + i, () => ({ route: '/r', method: 'POST' }))
    expect(early).toBe(25)
    expect(ledger.samples).toHaveLength(20)
    expect(ledger.samples.at(-1)).toEqual({ route: '/r', method: 'POST', earlyByMs: 5000 - 24 })
    // Within the grace of its time: on time, and forgotten.
    ledger.arrived('k199', t + 4950, () => ({ route: '/r', method: 'POST' }))
    expect(early).toBe(25)
    expect(ledger.size()).toBe(49)
    // Deadlines that have passed make room as new ones come.
    ledger.answered('late', t + 20000, t + 10000)
    expect(ledger.size()).toBe(1)
    ledger.answered('zero', t + 10000, t + 10000)
    expect(ledger.size()).toBe(1)
  })

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAt('3', 1000)).toBe(4000)
    expect(retryAt('Wed, 21 Oct 2015 07:28:00 GMT', 0)).toBe(Date.parse('2015-10-21T07:28:00Z'))
    expect(retryAt('soon', 0)).toBeUndefined()
    expect(retryAt(undefined, 0)).toBeUndefined()
  })
})
