// The Dynamics SL API layer (contracts/dynamics-sl.md) as the connectors use it.
import { fatal } from '../errors.ts'
import { call, Rejected, retryAfterGate, type HttpAnswer } from './http.ts'

export interface SlConfig { baseUrl: string, user: string, password: string, cpnyId: string, timeoutMs?: number }
export interface Violation { key: string, message: string, messageNbr: number }
export type SlRow = Record<string, unknown>
/** A page of a change feed: the rows after a rowversion, and where the next page starts. */
interface FeedPage { Items: SlRow[], NextTstamp: number }
/** GET /api/Status: the company, the database, and its current rowversion (@@DBTS). */
export interface SlStatus { CpnyID: string, DatabaseId: string, Tstamp: number }

/**
 * SL pads char(n) fields with spaces; the bridge compares and forwards them trimmed. In
 * place: for answers just parsed.
 */
export function trimRow<T> (v: T): T {
  if (typeof v === 'string') return v.trimEnd() as T
  if (typeof v !== 'object' || v === null) return v
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = trimRow(v[i])
    return v
  }
  const o = v as Record<string, unknown>
  for (const k in o) o[k] = trimRow(o[k])
  return v
}

export const violationsOf = (body: unknown): Violation[] =>
  ((body as { businessRuleViolations?: Violation[] })?.businessRuleViolations ?? [])

export const describeViolations = (vs: Violation[]): string =>
  vs.map((v) => `${v.key}: ${v.message} (messageNbr ${v.messageNbr})`).join('; ')

export class SlRejected extends Rejected {
  constructor (status: number, readonly violations: Violation[]) {
    super('SL', status, `SL refused (${status}): ${describeViolations(violations)}`)
  }
}

export interface SlSettings {
  SL_BASE_URL?: string, SL_SANDBOX_URL?: string, SL_API_USER: string, SL_API_PASSWORD: string, SL_CPNY_ID: string
  SL_TIMEOUT_MS?: number
}

/** The client a service's SL settings describe; no SL_BASE_URL: the SL sandbox. */
export const slClientOf = (c: SlSettings) =>
  createSlClient({
    baseUrl: c.SL_BASE_URL ?? c.SL_SANDBOX_URL ?? 'http://127.0.0.1:7301',
    user: c.SL_API_USER,
    password: c.SL_API_PASSWORD,
    cpnyId: c.SL_CPNY_ID,
    timeoutMs: c.SL_TIMEOUT_MS
  })

export function createSlClient (c: SlConfig) {
  const auth = `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`
  const base = c.baseUrl.replace(/\/$/, '')
  // Two records of one order read it at once in the payment sink, and SL's rows change only by our writes.
  const gated = retryAfterGate('SL', { twins: true })
  async function req (method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    const a = await gated(method, path, async () => await call('SL', `${base}${path}`, {
      method,
      timeoutMs: c.timeoutMs ?? 15000,
      headers: {
        authorization: auth,
        'x-sl-cpnyid': c.cpnyId,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' })
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    }))
    if (a.status === 401) {
      const why = describeViolations(violationsOf(a.body))
      throw fatal('UNAUTHORIZED', `SL refused our credentials for company ${c.cpnyId}: ${why}`)
    }
    return a
  }
  /** 2xx → the trimmed body; 4xx → SlRejected (the caller decides whether that is poison). */
  async function ok<T> (method: string, path: string, body?: unknown): Promise<T> {
    const a = await req(method, path, body)
    if (a.status >= 400) throw new SlRejected(a.status, violationsOf(a.body))
    return trimRow(a.body) as T
  }
  const q = encodeURIComponent
  // The change feeds' cursors are only meaningful with this answer; a server without it
  // does not honour the contract, and a source cannot tell a restored SL from a quiet one.
  async function status (): Promise<SlStatus> {
    const s = await ok<SlRow>('GET', '/api/Status').catch((err: unknown) => {
      if (err instanceof SlRejected) {
        const why = describeViolations(err.violations)
        throw fatal('CONTRACT_MISMATCH', `SL GET /api/Status answered ${err.status}; the contract requires it (${why})`)
      }
      throw err
    })
    const bad = [
      typeof s.CpnyID === 'string' && s.CpnyID !== '' ? undefined : 'CpnyID must be non-empty text',
      typeof s.DatabaseId === 'string' && s.DatabaseId !== '' ? undefined : 'DatabaseId must be non-empty text',
      Number.isSafeInteger(s.Tstamp) && (s.Tstamp as number) >= 0 ? undefined : 'Tstamp must be a whole number >= 0'
    ].filter((x) => x !== undefined)
    if (bad.length > 0) throw fatal('CONTRACT_MISMATCH', `SL GET /api/Status: ${bad.join('; ')}`)
    return { CpnyID: s.CpnyID as string, DatabaseId: s.DatabaseId as string, Tstamp: s.Tstamp as number }
  }
  return {
    status,
    findOrders: async (custOrdNbr: string) =>
      (await ok<{ Items: SlRow[] }>('GET', `/api/SalesOrder?CustOrdNbr=${q(custOrdNbr)}`)).Items,
    createOrder: (order: SlRow) => ok<SlRow>('POST', '/api/SalesOrder', order),
    order: (ordNbr: string) => ok<SlRow>('GET', `/api/SalesOrder/${q(ordNbr)}`),
    updateOrder: (ordNbr: string, change: SlRow) => ok<SlRow>('PUT', `/api/SalesOrder/${q(ordNbr)}`, change),
    shippers: (since: number, limit = 500) =>
      ok<FeedPage>('GET', `/api/Shipper?SinceTstamp=${since}&Limit=${limit}`),
    inventory: (since: number, limit = 500) =>
      ok<FeedPage>('GET', `/api/Inventory?SinceTstamp=${since}&Limit=${limit}`),
    products: (since: number, limit = 500) =>
      ok<FeedPage>('GET', `/api/Product?SinceTstamp=${since}&Limit=${limit}`),
    customers: (since: number, limit = 500) =>
      ok<FeedPage>('GET', `/api/Customer?SinceTstamp=${since}&Limit=${limit}`),
    customersByEmail: async (email: string) =>
      (await ok<{ Items: SlRow[] }>('GET', `/api/Customer?EMailAddr=${q(email)}`)).Items,
    customer: (custId: string) => ok<SlRow>('GET', `/api/Customer/${q(custId)}`),
    createCustomer: (c: SlRow) => ok<SlRow>('POST', '/api/Customer', c),
    updateCustomer: (custId: string, c: SlRow) => ok<SlRow>('PUT', `/api/Customer/${q(custId)}`, c),
    documentsByExtRef: async (extRefNbr: string) =>
      (await ok<{ Items: SlRow[] }>('GET', `/api/AccountsReceivable/Documents?ExtRefNbr=${q(extRefNbr)}`)).Items,
    openDocuments: async (custId: string) =>
      (await ok<{ Items: SlRow[] }>('GET', `/api/AccountsReceivable/Documents?CustId=${q(custId)}&OpenOnly=1`)).Items,
    createPayment: (p: SlRow) => ok<SlRow>('POST', '/api/AccountsReceivable/Payments', p),
    applyDocument: (a: SlRow) => ok<SlRow>('POST', '/api/AccountsReceivable/Applications', a),
    createRefund: (r: SlRow) => ok<SlRow>('POST', '/api/AccountsReceivable/Refunds', r),
    batchesByExtRef: async (extRefNbr: string) =>
      (await ok<{ Items: SlRow[] }>('GET', `/api/GeneralLedger/Batches?ExtRefNbr=${q(extRefNbr)}`)).Items,
    postBatch: (b: SlRow) => ok<SlRow>('POST', '/api/GeneralLedger/Transactions', b)
  }
}

export type SlClient = ReturnType<typeof createSlClient>
