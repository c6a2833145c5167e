// Bad input to a sandbox gets the contract's error shape and a clear message; it never crashes.
import { afterAll, describe, expect, it } from 'vitest'
import { buildClaritySandbox } from '../../clarity/app.ts'
import { buildSlSandbox } from '../../sl/app.ts'

const bodies: unknown[] = [null, [], 'text', 42, {}, { Lines: [null, 'x', 7] }, { Lines: 'many' }, { QtyAdjust: null }, { ApplyTo: [null] },
  { customer: null, lines: [null] }, { Items: 'all' }, { ErpOrderNumber: 12 }, [{ ProductKey: null }], { PrimaryContact: 'x' }, { urls: 'x' }]

const sl = buildSlSandbox({ user: 'u', password: 'p', cpnyId: 'DEMO' })
const clarity = buildClaritySandbox({ clientId: 'c', clientSecret: 's', webhookSecrets: ['w'] })
afterAll(async () => { await sl.app.close(); await clarity.app.close() })

describe('robustness', () => {
  it.each([
    ['POST', '/api/SalesOrder'], ['PUT', '/api/SalesOrder/SO0000001'], ['PUT', '/api/Inventory/WIDGET-RED-L/MAIN'], ['PUT', '/api/Product/WIDGET-RED-L'],
    ['POST', '/api/Customer'], ['PUT', '/api/Customer/C000123'], ['POST', '/api/GeneralLedger/Transactions'],
    ['POST', '/api/AccountsReceivable/Payments'], ['POST', '/api/AccountsReceivable/CreditMemos'], ['PUT', '/sandbox/settings']
  ] as const)('SL %s %s answers every malformed body with a 4xx in SL\'s error shape', async (method, url) => {
    const headers = { authorization: `Basic ${Buffer.from('u:p').toString('base64')}`, 'x-sl-cpnyid': 'DEMO', 'content-type': 'application/json' }
    for (const b of bodies) {
      const r = await sl.app.inject({ method, url, headers, payload: JSON.stringify(b) })
      expect(r.statusCode, `${JSON.stringify(b)} → ${r.body}`).toBeLessThan(500)
      if (r.statusCode >= 400 && url.startsWith('/api/')) expect(r.json().businessRuleViolations[0].message.length).toBeGreaterThan(0)
    }
  })

  it.each([
    ['PATCH', '/Ordering/SalesOrder/Confirm/1'], ['PATCH', '/Ordering/SalesOrder/Hold/1'], ['PATCH', '/Ordering/SalesOrder/Ship/1'],
    ['POST', '/Inventory/ProductInventoryLocationSections/UpdateMany'], ['POST', '/Products/Product/Upsert'], ['POST', '/Accounts/Account/Upsert'],
    ['POST', '/sandbox/storefront/orders'], ['POST', '/sandbox/storefront/returns'], ['POST', '/sandbox/storefront/accounts'],
    ['PUT', '/sandbox/webhooks'], ['PUT', '/sandbox/load'], ['PUT', '/sandbox/faults']
  ] as const)('Clarity %s %s answers every malformed body with a 4xx in Clarity\'s error shape', async (method, url) => {
    const token = (await clarity.app.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials&client_id=c&client_secret=s', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json().access_token
    for (const b of bodies) {
      const r = await clarity.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(b) })
      expect(r.statusCode, `${JSON.stringify(b)} → ${r.body}`).toBeLessThan(500)
      if (r.statusCode >= 400 && !url.startsWith('/sandbox/faults')) expect(r.json().Messages[0].length, r.body).toBeGreaterThan(0)
    }
  })
})
