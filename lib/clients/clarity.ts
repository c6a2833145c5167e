// The Clarity eCommerce API (contracts/clarity.md) as the connectors use it:
// OAuth client credentials, a token kept until it expires, one refresh on 401.
import { fatal } from '../errors.ts'
import { call, Rejected, retryAfterGate, type HttpAnswer } from './http.ts'

export interface ClarityConfig { baseUrl: string, clientId: string, clientSecret: string, timeoutMs?: number }

export class ClarityRejected extends Rejected {
  constructor (status: number, readonly messages: string[]) {
    super('CLARITY', status, `Clarity refused (${status}): ${messages.join('; ') || 'no message'}`)
  }
}

export interface Page<T> {
  TotalPages: number, CurrentPage: number, TotalCount: number, CurrentCount: number, Results: T[]
}
export type ClarityRow = Record<string, unknown>
interface UpdateManyAnswer { ActionSucceeded: boolean, Messages: string[], Result: number }

const pageQuery = (modifiedSince: string, page: number, size: number): string =>
  `ModifiedSince=${encodeURIComponent(modifiedSince)}&Paging.Size=${size}&Paging.StartIndex=${page}`

export function createClarityClient (c: ClarityConfig) {
  const base = c.baseUrl.replace(/\/$/, '')
  const timeoutMs = c.timeoutMs ?? 15000
  let token: { value: string, until: number } | undefined

  async function fetchToken (): Promise<string> {
    const a = await call('Clarity', `${base}/oauth/token`, {
      method: 'POST', timeoutMs,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret
      }).toString()
    })
    if (a.status !== 200) throw fatal('UNAUTHORIZED', `Clarity refused our client credentials (${a.status})`)
    const b = a.body as { access_token: string, expires_in: number }
    // Renew a little early so a token never expires between check and use.
    token = { value: b.access_token, until: Date.now() + Math.max(0, b.expires_in - 15) * 1000 }
    return token.value
  }

  const gated = retryAfterGate('Clarity')
  async function req (method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    for (let attempt = 0; ; attempt++) {
      const bearer = token !== undefined && token.until > Date.now() ? token.value : await fetchToken()
      const a = await gated(method, path, async () => await call('Clarity', `${base}${path}`, {
        method, timeoutMs,
        headers: {
          authorization: `Bearer ${bearer}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' })
        },
        body: body === undefined ? undefined : JSON.stringify(body)
      }))
      if (a.status !== 401) return a
      token = undefined
      if (attempt > 0) throw fatal('UNAUTHORIZED', `Clarity refused a fresh token for ${method} ${path}`)
    }
  }
  async function ok<T> (method: string, path: string, body?: unknown): Promise<T> {
    const a = await req(method, path, body)
    if (a.status >= 400) {
      throw new ClarityRejected(a.status, (a.body as { Messages?: string[] })?.Messages ?? [String(a.body)])
    }
    return a.body as T
  }
  return {
    order: (id: number) => ok<ClarityRow>('GET', `/Ordering/SalesOrder/ID/${id}`),
    orders: (modifiedSince: string, page: number, size = 100) =>
      ok<Page<ClarityRow>>('GET', `/Ordering/SalesOrders?${pageQuery(modifiedSince, page, size)}`),
    confirm: (id: number, erpOrderNumber: string) =>
      ok('PATCH', `/Ordering/SalesOrder/Confirm/${id}`, { ErpOrderNumber: erpOrderNumber }),
    hold: (id: number, reason: string) => ok('PATCH', `/Ordering/SalesOrder/Hold/${id}`, { Reason: reason }),
    ship: (id: number, shipment: ClarityRow) => ok('PATCH', `/Ordering/SalesOrder/Ship/${id}`, shipment),
    void: (id: number) => ok('PATCH', `/Ordering/SalesOrder/Void/${id}`),
    upsertProduct: (p: object) => ok<ClarityRow>('POST', '/Products/Product/Upsert', p),
    upsertAccount: (a: object) => ok<ClarityRow>('POST', '/Accounts/Account/Upsert', a),
    accounts: (modifiedSince: string, page: number, size = 100) =>
      ok<Page<ClarityRow>>('GET', `/Accounts/Accounts?${pageQuery(modifiedSince, page, size)}`),
    payment: (id: number) => ok<ClarityRow>('GET', `/Payments/Payment/ID/${id}`),
    payments: (modifiedSince: string, page: number, size = 100) =>
      ok<Page<ClarityRow>>('GET', `/Payments/Payments?${pageQuery(modifiedSince, page, size)}`),
    payout: (id: number) => ok<ClarityRow>('GET', `/Payments/Payout/ID/${id}`),
    payouts: (modifiedSince: string, page: number, size = 100) =>
      ok<Page<ClarityRow>>('GET', `/Payments/Payouts?${pageQuery(modifiedSince, page, size)}`),
    returns: (modifiedSince: string, page: number, size = 100) =>
      ok<Page<ClarityRow>>('GET', `/Returning/SalesReturns?${pageQuery(modifiedSince, page, size)}`),
    confirmReturn: (id: number, erpReference: string) =>
      ok<ClarityRow>('PATCH', `/Returning/SalesReturn/Confirm/${id}`, { ErpReference: erpReference }),
    receiveReturn: (id: number, erpReference: string) =>
      ok<ClarityRow>('PATCH', `/Returning/SalesReturn/Receive/${id}`, { ErpReference: erpReference }),
    updateStock: (rows: object[]) =>
      ok<UpdateManyAnswer>('POST', '/Inventory/ProductInventoryLocationSections/UpdateMany', rows)
  }
}

export type ClarityClient = ReturnType<typeof createClarityClient>

export interface ClaritySettings {
  CLARITY_BASE_URL?: string
  CLARITY_SANDBOX_URL?: string
  CLARITY_CLIENT_ID: string
  CLARITY_CLIENT_SECRET: string
}

/** The client a service's Clarity settings describe; no CLARITY_BASE_URL: the Clarity sandbox. */
export const clarityClientOf = (c: ClaritySettings): ClarityClient => createClarityClient({
  baseUrl: c.CLARITY_BASE_URL ?? c.CLARITY_SANDBOX_URL ?? 'http://127.0.0.1:7302',
  clientId: c.CLARITY_CLIENT_ID,
  clientSecret: c.CLARITY_CLIENT_SECRET
})
