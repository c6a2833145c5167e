// What the Clarity sandbox's test files share: a sandbox with a token, and a shopper's order.
import { buildClaritySandbox, type ClaritySandbox } from '../app.ts'
import type { ClaritySettings } from '../state.ts'

export const address = { Street1: '500 Congress Ave', Street2: 'Suite 210', City: 'Austin', RegionCode: 'TX', CountryCode: 'US', PostalCode: '78701' }
export const shopper = (over: Record<string, unknown> = {}) => ({
  customer: { email: 'ana@example.com', firstName: 'Ana', lastName: 'Núñez' }, shipTo: address, billTo: address, currency: 'USD',
  lines: [{ sku: 'WIDGET-RED-L', quantity: 2 }], ...over
})

/** A fresh sandbox whose WIDGET-RED-L has 10 at each location, and a token of its API. */
export async function openSandbox (
  settings?: Partial<ClaritySettings>
): Promise<{ sb: ClaritySandbox, token: string }> {
  const sb = buildClaritySandbox({ clientId: 'bridge', clientSecret: 's3cret', webhookSecrets: ['whsec_test'], pumpMs: 20, settings })
  for (const loc of ['MAIN', 'EAST', 'WEST']) sb.state().stock[`WIDGET-RED-L|${loc}`]!.Quantity = 10
  const token = (await sb.app.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials&client_id=bridge&client_secret=s3cret', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json().access_token as string
  return { sb, token }
}
