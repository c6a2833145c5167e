// The Clarity eCommerce sandbox: OAuth client credentials with expiring tokens,
// the contract's routes, webhooks, the storefront simulator and demo load, fault
// injection, and /sandbox/* to inspect and steer it.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { parse as parseQuery } from 'node:querystring'
import { createFaultState, installFaults, type FaultState } from '../common/faults.ts'
import { prng } from '../common/money.ts'
import { snapshotter } from '../common/persist.ts'
import { createLoad } from './load.ts'
import { defaultClaritySettings, seedClarity, stockKey, type Account, type ClaritySettings, type ClarityState, type Product, type SalesOrder } from './state.ts'
import { displayedStock, placeOrder, productBySku, StorefrontError } from './storefront.ts'
import { createSender, type Sender } from './webhooks.ts'

export interface ClaritySandboxOptions {
  clientId: string
  clientSecret: string
  /** The first signs; a second one is added during a rotation. */
  webhookSecrets: string[]
  webhookUrls?: string[]
  dataFile?: string
  settings?: Partial<ClaritySettings>
  pumpMs?: number
  /** Synthetic items added to the seed catalogue (volume runs). */
  extraItems?: number
}

export interface ClaritySandbox {
  app: FastifyInstance
  state: () => ClarityState
  faults: FaultState
  sender: Sender
}

const API = ['/Ordering/', '/Inventory/', '/Products/', '/Accounts/', '/Returning/']
const MAX_UPDATE_ROWS = 500
const fail = (reply: FastifyReply, status: number, ...messages: string[]): FastifyReply =>
  reply.code(status).send({ ActionSucceeded: false, Messages: messages })
const ok = <T>(Result: T, Messages: string[] = []) => ({ ActionSucceeded: true, Messages, Result })

class ClarityError extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}
const reject = (status: number, message: string): never => { throw new ClarityError(status, message) }

function page<T extends { ID: number, UpdatedDate: string }> (rows: T[], q: Record<string, string | undefined>) {
  let since = 0
  if (q.ModifiedSince !== undefined) {
    since = Date.parse(q.ModifiedSince)
    if (Number.isNaN(since)) reject(400, `ModifiedSince "${q.ModifiedSince}" is not an ISO-8601 time`)
  }
  const size = Number(q['Paging.Size'] ?? 100)
  const index = Number(q['Paging.StartIndex'] ?? 1)
  if (!Number.isInteger(size) || size < 1 || size > 1000) reject(400, 'Paging.Size is a whole number from 1 to 1000')
  if (!Number.isInteger(index) || index < 1) reject(400, 'Paging.StartIndex is a page number starting at 1')
  // Inclusive: a change at exactly ModifiedSince is listed again rather than missed.
  const all = rows.filter((r) => Date.parse(r.UpdatedDate) >= since).sort((a, b) => a.UpdatedDate.localeCompare(b.UpdatedDate) || a.ID - b.ID)
  const results = all.slice((index - 1) * size, index * size)
  return { TotalPages: Math.ceil(all.length / size), CurrentPage: index, TotalCount: all.length, CurrentCount: results.length, Results: results }
}

const hashOf = (v: unknown): string => createHash('sha1').update(JSON.stringify(v)).digest('hex')
const equal = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))
const FINAL = ['Shipped', 'Completed', 'Void']

export function buildClaritySandbox (o: ClaritySandboxOptions): ClaritySandbox {
  const settings = { ...defaultClaritySettings(), ...o.settings }
  let state: ClarityState = seedClarity(new Date(), settings, o.extraItems)
  const snap = snapshotter<ClarityState>(o.dataFile, () => state)
  const loaded = snap.load()
  if (loaded?.version === 1) state = { ...loaded, settings: { ...loaded.settings, ...o.settings } }
  if (o.webhookUrls !== undefined && o.webhookUrls.length > 0) state.webhookUrls = o.webhookUrls
  const tokens = new Map<string, number>()
  const faults = createFaultState()
  const rand = prng(1234)
  const sender = createSender({ state: () => state, secrets: o.webhookSecrets, changed: () => snap.changed(), rand })
  const load = createLoad({ state: () => state, rand, onPlaced: (order) => { sender.emit('order.created', order); snap.changed() } })
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 })

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, parseQuery(body as string)))
  installFaults(app, faults, [...API, '/oauth/'], (reply, status, message) => fail(reply, status, message))

  app.addHook('onRequest', async (req, reply) => {
    if (!API.some((p) => req.url.startsWith(p))) return
    const h = req.headers.authorization ?? ''
    const expires = h.startsWith('Bearer ') ? tokens.get(h.slice(7)) : undefined
    if (expires === undefined || expires <= Date.now()) {
      reply.header('WWW-Authenticate', 'Bearer error="invalid_token"')
      return fail(reply, 401, expires === undefined ? 'Missing or unknown access token' : 'The access token has expired')
    }
  })
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (err instanceof ClarityError || err instanceof StorefrontError) return fail(reply, err.status, err.message)
    if (err instanceof SyntaxError || (err.statusCode !== undefined && err.statusCode < 500)) return fail(reply, err.statusCode ?? 400, err.message)
    return fail(reply, 500, `Internal error: ${err.message}`)
  })
  app.setNotFoundHandler((req, reply) => fail(reply, 404, `No route ${req.method} ${req.url.split('?')[0]}`))

  const now = () => new Date().toISOString()
  const changed = <T>(v: T): T => { snap.changed(); return v }
  type P = Record<string, string>
  type Q = Record<string, string | undefined>
  const obj = (b: unknown): Record<string, unknown> => (typeof b === 'object' && b !== null && !Array.isArray(b) ? b as Record<string, unknown> : reject(400, 'The body must be a JSON object'))

  app.post('/oauth/token', async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>
    if (b.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' })
    if (typeof b.client_id !== 'string' || typeof b.client_secret !== 'string' || !equal(b.client_id, o.clientId) || !equal(b.client_secret, o.clientSecret)) {
      return reply.code(401).send({ error: 'invalid_client' })
    }
    const token = randomBytes(24).toString('base64url')
    tokens.set(token, Date.now() + state.settings.tokenTtlSec * 1000)
    return { access_token: token, token_type: 'Bearer', expires_in: state.settings.tokenTtlSec }
  })

  // Orders
  const order = (id: string | undefined): SalesOrder => state.orders[String(Number(id))] ?? reject(404, `SalesOrder ${id} does not exist`)
  const touch = (x: SalesOrder, type = 'order.updated'): SalesOrder => {
    x.UpdatedDate = now()
    sender.emit(type, x)
    return changed(x)
  }
  const text = (v: unknown, name: string, max = 128): string => {
    if (typeof v !== 'string' || v.trim() === '') reject(400, `${name} is required`)
    if ((v as string).length > max) reject(400, `${name} is longer than ${max} characters`)
    return (v as string).trim()
  }
  app.get('/Ordering/SalesOrders', async (req) => page(Object.values(state.orders), req.query as Q))
  app.get('/Ordering/SalesOrder/ID/:id', async (req) => order((req.params as P).id))
  app.patch('/Ordering/SalesOrder/Confirm/:id', async (req) => {
    const x = order((req.params as P).id)
    const nbr = text(obj(req.body).ErpOrderNumber, 'ErpOrderNumber')
    if (x.StatusKey === 'Confirmed' && x.ErpOrderNumber === nbr) return ok(x, ['Already confirmed'])
    if (FINAL.includes(x.StatusKey) || x.StatusKey === 'Processing') reject(400, `SalesOrder ${x.ID} is ${x.StatusKey} and cannot be confirmed`)
    x.StatusKey = 'Confirmed'
    x.ErpOrderNumber = nbr
    x.HoldReason = null
    return ok(touch(x))
  })
  app.patch('/Ordering/SalesOrder/Hold/:id', async (req) => {
    const x = order((req.params as P).id)
    const reason = text(obj(req.body).Reason, 'Reason', 1000)
    if (FINAL.includes(x.StatusKey)) reject(400, `SalesOrder ${x.ID} is ${x.StatusKey} and cannot be held`)
    if (x.StatusKey === 'On Hold' && x.HoldReason === reason) return ok(x, ['Already on hold'])
    x.StatusKey = 'On Hold'
    x.HoldReason = reason
    return ok(touch(x))
  })
  app.patch('/Ordering/SalesOrder/Ship/:id', async (req) => {
    const x = order((req.params as P).id)
    const b = obj(req.body)
    const key = text(b.ShipmentKey, 'ShipmentKey')
    if (x.Shipments.some((s) => s.ShipmentKey === key)) return ok(x, [`Shipment ${key} was already recorded`])
    if (x.StatusKey === 'Void') reject(400, `SalesOrder ${x.ID} is void and cannot ship`)
    const shipped = (sku: string) => x.Shipments.flatMap((s) => s.Items).filter((i) => i.Sku === sku).reduce((n, i) => n + i.Quantity, 0)
    const ordered = (sku: string) => x.SalesItems.filter((i) => i.Sku === sku).reduce((n, i) => n + i.Quantity, 0)
    let items = Array.isArray(b.Items) ? b.Items as Array<{ Sku: unknown, Quantity: unknown }> : []
    if (items.length === 0) items = x.SalesItems.map((i) => ({ Sku: i.Sku, Quantity: ordered(i.Sku) - shipped(i.Sku) })).filter((i) => (i.Quantity as number) > 0)
    for (const i of items) {
      if (typeof i.Sku !== 'string' || ordered(i.Sku) === 0) reject(400, `SKU ${String(i.Sku)} is not on SalesOrder ${x.ID}`)
      if (typeof i.Quantity !== 'number' || i.Quantity <= 0) reject(400, `Quantity of ${String(i.Sku)} must be positive`)
      if (shipped(i.Sku as string) + (i.Quantity as number) > ordered(i.Sku as string)) reject(400, `Shipping ${String(i.Quantity)} of ${String(i.Sku)} exceeds what was ordered`)
    }
    x.Shipments.push({
      ShipmentKey: key, TrackingNumber: typeof b.TrackingNumber === 'string' ? b.TrackingNumber : '', Carrier: typeof b.Carrier === 'string' ? b.Carrier : '',
      ShipDate: typeof b.ShipDate === 'string' ? b.ShipDate : now(), Items: items.map((i) => ({ Sku: i.Sku as string, Quantity: i.Quantity as number }))
    })
    x.StatusKey = x.SalesItems.every((i) => shipped(i.Sku) >= ordered(i.Sku)) ? 'Shipped' : 'Processing'
    return ok(touch(x))
  })
  app.patch('/Ordering/SalesOrder/Void/:id', async (req) => {
    const x = order((req.params as P).id)
    if (x.StatusKey === 'Void') return ok(x, ['Already void'])
    if (x.StatusKey === 'Shipped' || x.StatusKey === 'Completed') reject(400, `SalesOrder ${x.ID} is ${x.StatusKey} and cannot be voided`)
    x.StatusKey = 'Void'
    return ok(touch(x, 'order.cancelled'))
  })

  // Stock per location
  app.post('/Inventory/ProductInventoryLocationSections/UpdateMany', async (req) => {
    const rows = req.body
    if (!Array.isArray(rows)) reject(400, 'The body must be a list of rows')
    if ((rows as unknown[]).length > MAX_UPDATE_ROWS) reject(400, `At most ${MAX_UPDATE_ROWS} rows per request; got ${(rows as unknown[]).length}`)
    const messages: string[] = []
    let applied = 0
    const touched = new Set<string>()
    for (const [i, r] of (rows as Array<Record<string, unknown>>).entries()) {
      const key = typeof r?.ProductKey === 'string' ? r.ProductKey : ''
      const p = productBySku(state, key)
      if (p === undefined) { messages.push(`row ${i}: unknown ProductKey ${key}`); continue }
      if (typeof r.LocationKey !== 'string' || !state.locations.includes(r.LocationKey)) { messages.push(`row ${i}: unknown LocationKey ${String(r.LocationKey)}`); continue }
      if (typeof r.Quantity !== 'number' || !Number.isFinite(r.Quantity) || r.Quantity < 0) { messages.push(`row ${i}: Quantity must be a number >= 0`); continue }
      const alloc = r.QuantityAllocated === undefined ? 0 : r.QuantityAllocated
      if (typeof alloc !== 'number' || !Number.isFinite(alloc) || alloc < 0) { messages.push(`row ${i}: QuantityAllocated must be a number >= 0`); continue }
      state.stock[stockKey(p.CustomKey, r.LocationKey)] = { ProductKey: p.CustomKey, LocationKey: r.LocationKey, Quantity: r.Quantity, QuantityAllocated: alloc, UpdatedDate: now() }
      touched.add(p.CustomKey)
      applied++
    }
    for (const k of touched) { const p = productBySku(state, k)!; p.StockQuantity = displayedStock(state, k) }
    snap.changed()
    return { ActionSucceeded: messages.length === 0, Messages: messages, Result: applied }
  })

  // Products
  app.get('/Products/Product/Key/:key', async (req) => productBySku(state, decodeURIComponent((req.params as P).key!)) ?? reject(404, `Product ${(req.params as P).key} does not exist`))
  app.post('/Products/Product/Upsert', async (req) => {
    const b = obj(req.body)
    const existing = (typeof b.ID === 'number' ? state.products[String(b.ID)] : undefined) ?? (typeof b.CustomKey === 'string' ? productBySku(state, b.CustomKey) : undefined)
    if (existing === undefined && typeof b.ID === 'number' && b.CustomKey === undefined) reject(404, `Product ${b.ID} does not exist`)
    const p: Product = existing ?? {
      ID: ++state.nextId.product, CustomKey: text(b.CustomKey, 'CustomKey'), CreatedDate: now(), UpdatedDate: now(), Active: true, Hash: null,
      Name: text(b.Name, 'Name', 512), ShortDescription: null, Description: null, PriceBase: 0, PriceSale: null, IsVisible: true, IsDiscontinued: false,
      Weight: null, UnitOfMeasure: null, TaxCode: null, StockQuantity: 0
    }
    if (b.Name !== undefined) p.Name = text(b.Name, 'Name', 512)
    for (const k of ['PriceBase', 'PriceSale', 'Weight'] as const) {
      if (b[k] === undefined) continue
      if (b[k] !== null && (typeof b[k] !== 'number' || (b[k] as number) < 0)) reject(400, `${k} must be a number >= 0`)
      if (k === 'PriceBase' && b[k] === null) reject(400, 'PriceBase cannot be null')
      ;(p as unknown as Record<string, unknown>)[k] = b[k]
    }
    for (const k of ['ShortDescription', 'Description', 'UnitOfMeasure', 'TaxCode'] as const) if (b[k] !== undefined) (p as unknown as Record<string, unknown>)[k] = b[k]
    for (const k of ['IsVisible', 'IsDiscontinued', 'Active'] as const) {
      if (b[k] === undefined) continue
      if (typeof b[k] !== 'boolean') reject(400, `${k} must be true or false`)
      p[k] = b[k] as boolean
    }
    p.UpdatedDate = now()
    p.Hash = hashOf([p.Name, p.PriceBase, p.PriceSale, p.IsVisible, p.IsDiscontinued, p.Weight, p.UnitOfMeasure, p.TaxCode])
    state.products[String(p.ID)] = p
    if (existing === undefined) for (const loc of state.locations) state.stock[stockKey(p.CustomKey, loc)] ??= { ProductKey: p.CustomKey, LocationKey: loc, Quantity: 0, QuantityAllocated: 0, UpdatedDate: now() }
    return ok(changed(p))
  })

  // Accounts
  app.get('/Accounts/Accounts', async (req) => page(Object.values(state.accounts), req.query as Q))
  const upsertAccount = (b: Record<string, unknown>): Account => {
    const byKey = typeof b.CustomKey === 'string' && b.CustomKey !== '' ? Object.values(state.accounts).find((a) => a.CustomKey === b.CustomKey) : undefined
    const existing = (typeof b.ID === 'number' ? state.accounts[String(b.ID)] : undefined) ?? byKey
    if (existing === undefined && typeof b.ID === 'number') reject(404, `Account ${b.ID} does not exist`)
    const a: Account = existing ?? {
      ID: ++state.nextId.account, CustomKey: null, CreatedDate: now(), UpdatedDate: now(), Active: true, Hash: null, Name: text(b.Name, 'Name', 512),
      IsTaxable: true, TaxExemptionNo: null, CreditCurrencyKey: 'USD', PrimaryContact: { FirstName: null, LastName: null, Email1: null, Phone1: null, Address: null }
    }
    if (b.CustomKey !== undefined) a.CustomKey = b.CustomKey === null ? null : text(b.CustomKey, 'CustomKey')
    if (b.Name !== undefined) a.Name = text(b.Name, 'Name', 512)
    if (typeof b.IsTaxable === 'boolean') a.IsTaxable = b.IsTaxable
    if (b.TaxExemptionNo !== undefined) a.TaxExemptionNo = b.TaxExemptionNo as string | null
    if (typeof b.CreditCurrencyKey === 'string') a.CreditCurrencyKey = b.CreditCurrencyKey
    if (b.PrimaryContact !== undefined) a.PrimaryContact = { ...a.PrimaryContact, ...obj(b.PrimaryContact) } as Account['PrimaryContact']
    const hash = hashOf([a.CustomKey, a.Name, a.IsTaxable, a.TaxExemptionNo, a.CreditCurrencyKey, a.PrimaryContact])
    if (existing !== undefined && hash === a.Hash) return a
    a.Hash = hash
    a.UpdatedDate = now()
    state.accounts[String(a.ID)] = a
    sender.emit(existing === undefined ? 'customer.created' : 'customer.updated', a)
    return changed(a)
  }
  app.post('/Accounts/Account/Upsert', async (req) => ok(upsertAccount(obj(req.body))))

  // Returns
  app.get('/Returning/SalesReturns', async (req) => page(Object.values(state.returns), req.query as Q))
  app.patch('/Returning/SalesReturn/Confirm/:id', async (req) => {
    const r = state.returns[String(Number((req.params as P).id))] ?? reject(404, `SalesReturn ${(req.params as P).id} does not exist`)
    if (r.StatusKey === 'Confirmed') return ok(r, ['Already confirmed'])
    r.StatusKey = 'Confirmed'
    r.UpdatedDate = now()
    return ok(changed(r))
  })

  // The storefront, as shoppers use it
  app.post('/sandbox/storefront/orders', async (req, reply) => {
    const placed = placeOrder(state, req.body, Date.now())
    sender.emit('order.created', placed)
    return reply.code(201).send(changed(placed))
  })
  app.post('/sandbox/storefront/orders/:id/cancel', async (req) => {
    const x = order((req.params as P).id)
    if (x.StatusKey !== 'Pending' && x.StatusKey !== 'On Hold') reject(409, `SalesOrder ${x.ID} is ${x.StatusKey}; a shopper can only cancel a pending order`)
    x.StatusKey = 'Void'
    return touch(x, 'order.cancelled')
  })
  app.post('/sandbox/storefront/accounts', async (req, reply) => reply.code(201).send(upsertAccount({ ...obj(req.body), ID: undefined, CustomKey: undefined })))
  app.post('/sandbox/storefront/returns', async (req, reply) => {
    const b = obj(req.body)
    const x = order(String(b.orderId))
    const items = Array.isArray(b.items) ? b.items as Array<{ sku: string, quantity: number, reason?: string }> : reject(400, 'items is required')
    let refund = 0
    const lines = items.map((i) => {
      const line = x.SalesItems.find((s) => s.Sku === i.sku) ?? reject(400, `SKU ${i.sku} is not on SalesOrder ${x.ID}`)
      if (!Number.isInteger(i.quantity) || i.quantity < 1 || i.quantity > line.Quantity) reject(400, `quantity of ${i.sku} must be 1 to ${line.Quantity}`)
      refund += Math.round(line.UnitSoldPrice * 100) * i.quantity
      return { Sku: i.sku, Quantity: i.quantity, ReasonKey: i.reason ?? 'Other', RestockingFeeAmount: 0 }
    })
    const id = ++state.nextId.return
    const ret = { ID: id, CreatedDate: now(), UpdatedDate: now(), SalesOrderID: x.ID, StatusKey: 'Pending', RefundAmount: refund / 100, SalesItems: lines }
    state.returns[String(id)] = ret
    sender.emit('return.created', ret)
    return reply.code(201).send(changed(ret))
  })
  app.get('/sandbox/load', async () => load.stats)
  app.put('/sandbox/load', async (req, reply) => {
    const rate = Number(obj(req.body).rate)
    if (!Number.isFinite(rate) || rate < 0 || rate > 5000) return fail(reply, 400, 'rate is orders per second, 0 to 5000')
    load.set(rate)
    return load.stats
  })

  // Inspection and steering
  app.get('/sandbox/state', async () => ({
    counts: { orders: Object.keys(state.orders).length, products: Object.keys(state.products).length, accounts: Object.keys(state.accounts).length, returns: Object.keys(state.returns).length },
    ordersByStatus: Object.values(state.orders).reduce<Record<string, number>>((m, x) => { m[x.StatusKey] = (m[x.StatusKey] ?? 0) + 1; return m }, {}),
    webhooks: { urls: state.webhookUrls, pending: state.outbox.length, delivered: state.delivered, abandoned: state.abandoned },
    settings: state.settings,
    load: load.stats
  }))
  app.get('/sandbox/state/orders', async (req) => {
    const q = req.query as Q
    return { Items: Object.values(state.orders).filter((x) => q.ID === undefined || String(x.ID) === q.ID) }
  })
  app.get('/sandbox/state/stock', async (req) => {
    const q = req.query as Q
    const since = q.UpdatedSince === undefined ? undefined : Date.parse(q.UpdatedSince)
    return { Items: Object.values(state.stock).filter((r) => (q.ProductKey === undefined || r.ProductKey === q.ProductKey) && (since === undefined || Date.parse(r.UpdatedDate) > since)) }
  })
  app.put('/sandbox/webhooks', async (req, reply) => {
    const b = obj(req.body)
    if (b.urls !== undefined) {
      if (!Array.isArray(b.urls) || !b.urls.every((u) => typeof u === 'string' && /^https?:\/\//.test(u))) return fail(reply, 400, 'urls is a list of http(s) URLs')
      state.webhookUrls = b.urls as string[]
    }
    if (b.duplicateRate !== undefined) {
      if (typeof b.duplicateRate !== 'number' || b.duplicateRate < 0 || b.duplicateRate > 1) return fail(reply, 400, 'duplicateRate is from 0 to 1')
      state.settings.webhookDuplicateRate = b.duplicateRate
    }
    if (b.reorder !== undefined) state.settings.webhookReorder = b.reorder === true
    if (b.secrets !== undefined) {
      if (!Array.isArray(b.secrets) || b.secrets.length === 0 || b.secrets.length > 2) return fail(reply, 400, 'secrets is a list of one or two secrets')
      sender.secrets.splice(0, sender.secrets.length, ...(b.secrets as string[]))
    }
    snap.changed()
    return { urls: state.webhookUrls, duplicateRate: state.settings.webhookDuplicateRate, reorder: state.settings.webhookReorder }
  })
  let tokensExpired = 0
  app.post('/sandbox/tokens/expire', async () => {
    for (const k of tokens.keys()) tokens.set(k, 0)
    tokensExpired += tokens.size
    return { expired: tokens.size, total: tokensExpired }
  })
  app.post('/sandbox/reset', async () => {
    const urls = state.webhookUrls
    state = seedClarity(new Date(), { ...defaultClaritySettings(), ...o.settings }, o.extraItems)
    state.webhookUrls = urls
    tokens.clear()
    snap.flush()
    return { reset: true }
  })

  const timer = setInterval(() => { void sender.pump() }, o.pumpMs ?? 100)
  timer.unref()
  app.addHook('onClose', async () => { clearInterval(timer); load.set(0); snap.flush() })
  return { app, state: () => state, faults, sender }
}
