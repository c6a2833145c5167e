// What the sandboxes let in: the API's credentials are asked of every route the router
// matches, however its path is written, and /sandbox/* takes what this machine's programs
// send (JSON or nothing, no Origin) and refuses what a web page can send.
import { afterAll, describe, expect, it } from 'vitest'
import { buildClaritySandbox } from '../../clarity/app.ts'
import { buildSlSandbox } from '../../sl/app.ts'

const sl = buildSlSandbox({ user: 'u', password: 'p', cpnyId: 'DEMO' })
const clarity = buildClaritySandbox({ clientId: 'c', clientSecret: 's', webhookSecrets: ['w'] })
afterAll(async () => { await sl.app.close(); await clarity.app.close() })

const apps = { sl: sl.app, clarity: clarity.app }

describe('the API asks for credentials on the route as the router decodes it', () => {
  it.each([
    ['sl', 'GET', '/%61pi/Customer'],
    ['sl', 'GET', '/%61%70%69/Customer/C000123'],
    ['sl', 'GET', '/api/%43ustomer'],
    ['sl', 'GET', '/%61pi/Status'],
    ['sl', 'GET', '/%61pi/SalesOrder?CustOrdNbr=x'],
    ['sl', 'POST', '/%61pi/Customer'],
    ['sl', 'PUT', '/%61pi/Inventory/WIDGET-RED-L/MAIN'],
    ['clarity', 'GET', '/%4Frdering/SalesOrders'],
    ['clarity', 'GET', '/%41ccounts/Accounts'],
    ['clarity', 'GET', '/%50roducts/Product/Key/WIDGET-RED-L'],
    ['clarity', 'POST', '/%49nventory/ProductInventoryLocationSections/UpdateMany']
  ] as const)('%s %s %s without credentials: 401', async (which, method, url) => {
    const r = await apps[which].inject({ method, url, payload: method === 'GET' ? undefined : {} })
    expect(r.statusCode, r.body).toBe(401)
  })
})

describe('/sandbox/* refuses what a web page can send', () => {
  const refused = [
    ['a text/plain POST', 'POST', '/sandbox/reset', { 'content-type': 'text/plain' }, 'x'],
    ['a form POST', 'PUT', '/sandbox/faults', { 'content-type': 'application/x-www-form-urlencoded' }, 'latencyMs=100'],
    ['a body with no content-type', 'POST', '/sandbox/reset', {}, 'x'],
    ['the path written another way', 'POST', '/%73andbox/reset', { 'content-type': 'text/plain' }, 'x'],
    ['JSON from another site', 'PUT', '/sandbox/faults', { origin: 'http://evil.example', 'content-type': 'application/json' }, '{"latencyMs":100}'],
    ['JSON from another port of this machine', 'PUT', '/sandbox/faults', { origin: 'http://localhost:3000', host: 'localhost:7301', 'content-type': 'application/json' }, '{"latencyMs":100}'],
    ['JSON from a name pointed at this machine', 'PUT', '/sandbox/faults', { origin: 'http://rebound.example:7301', host: 'rebound.example:7301', 'content-type': 'application/json' }, '{"latencyMs":100}'],
    ['a page of no origin (a file)', 'POST', '/sandbox/reset', { origin: 'null' }, undefined]
  ] as const
  it.each(refused)('SL: %s, 403 and nothing changed', async (_name, method, url, headers, payload) => {
    const r = await sl.app.inject({ method, url, headers: { ...headers }, payload })
    expect(r.statusCode, r.body).toBe(403)
    expect(r.json().error).toMatch(/^(Origin must be the sandbox itself|content-type must be application\/json)/)
    expect(sl.faults.faults.latencyMs).toBe(0)
  })
  it.each(refused)('Clarity: %s, 403 in Clarity\'s shape and nothing changed', async (_name, method, url, headers, payload) => {
    const r = await clarity.app.inject({ method, url, headers: { ...headers }, payload })
    expect(r.statusCode, r.body).toBe(403)
    expect(r.json()).toMatchObject({ ActionSucceeded: false })
    expect(r.json().Messages[0]).toMatch(/^(Origin must be the sandbox itself|content-type must be application\/json)/)
    expect(clarity.faults.faults.latencyMs).toBe(0)
  })

  it.each([
    ['JSON with no Origin (the CLI, a test)', { 'content-type': 'application/json' }],
    ['JSON from the sandbox\'s own page', { origin: 'http://localhost:7301', host: 'localhost:7301', 'content-type': 'application/json' }],
    ['JSON from its own page by address', { origin: 'http://127.0.0.1:7301', host: '127.0.0.1:7301', 'content-type': 'application/json; charset=utf-8' }]
  ])('takes %s', async (_name, headers) => {
    for (const app of [sl.app, clarity.app]) {
      const r = await app.inject({ method: 'PUT', url: '/sandbox/faults', headers, payload: '{"latencyMs":0}' })
      expect(r.statusCode, r.body).toBe(200)
    }
  })

  it('takes a POST with no body and no content-type, as the CLI sends a reset', async () => {
    expect((await sl.app.inject({ method: 'POST', url: '/sandbox/reset' })).statusCode).toBe(200)
    expect((await clarity.app.inject({ method: 'POST', url: '/sandbox/tokens/expire' })).statusCode).toBe(200)
  })

  it('still answers the state to a GET from anywhere without a body', async () => {
    expect((await sl.app.inject({ method: 'GET', url: '/sandbox/state' })).statusCode).toBe(200)
  })
})
