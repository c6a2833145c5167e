// The Dynamics SL API layer sandbox: the contract's routes over the tables in
// state.ts, Basic auth and the company header, SL's error shape, fault injection,
// the simulated Process Manager, and /sandbox/* to inspect and steer it (a restore and
// a move of the database included).
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { timingSafeEqual } from 'node:crypto'
import { createFaultState, installFaults, type FaultState } from '../common/faults.ts'
import { prng } from '../common/money.ts'
import { snapshotter } from '../common/persist.ts'
import { backupOf, move, newDatabaseId, restored, type Backup } from './database.ts'
import { lengths, pad } from './fields.ts'
import { batchesByExtRef, createCreditMemo, createPayment, documentsByExtRef, postBatch } from './finance.ts'
import { adjust, createCustomer, customer, itemSitesOf, product, since, updateCustomer, updateProduct } from './masters.ts'
import { createOrder, findOrder, ordersByCustOrdNbr, updateOrder } from './orders.ts'
import { tick } from './process-manager.ts'
import { MSG, RuleError, violation } from './rules.ts'
import { defaultSettings, seedState, type Settings, type SlState, type SOHeader, type SOShipHeader } from './state.ts'

export interface SlSandboxOptions {
  user: string
  password: string
  cpnyId: string
  /** JSON snapshot file; undefined keeps state in memory only. */
  dataFile?: string
  settings?: Partial<Settings>
  /** How often the Process Manager looks for due work. */
  tickMs?: number
  /** Synthetic items added to the seed catalogue (volume runs). */
  extraItems?: number
}

export interface SlSandbox {
  app: FastifyInstance
  state: () => SlState
  faults: FaultState
  reset: () => void
}

const viewOrder = ({ stage, dueAt, ...o }: SOHeader) => pad(o, lengths.order, { Lines: lengths.orderLine })
const viewShipper = (sh: SOShipHeader) => pad(sh, lengths.shipper, { Lines: lengths.shipperLine })
const limitOf = (q: Record<string, string | undefined>): number => Math.min(Math.max(Number(q.Limit ?? 500) || 500, 1), 500)
const sinceOf = (q: Record<string, string | undefined>): number => Number(q.SinceTstamp ?? 0) || 0

function slError (reply: FastifyReply, status: number, message: string, key = '', nbr: number = MSG.MALFORMED): FastifyReply {
  return reply.code(status).send({ businessRuleViolations: [violation(key, message, nbr)] })
}

const equal = (a: string, b: string): boolean => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export function buildSlSandbox (o: SlSandboxOptions): SlSandbox {
  const settings = { ...defaultSettings(), ...o.settings }
  let state: SlState = seedState(new Date(), settings, o.extraItems)
  const snap = snapshotter<SlState>(o.dataFile, () => state)
  const loaded = snap.load()
  // A state file from before DatabaseId existed gets its id once, kept from then on.
  const old = loaded as (Omit<SlState, 'DatabaseId'> & { DatabaseId?: string }) | undefined
  if (old?.version === 1) state = { ...old, DatabaseId: old.DatabaseId ?? newDatabaseId(), settings: { ...old.settings, ...o.settings } }
  if (old?.version === 1 && old.DatabaseId === undefined) snap.changed()
  // The backup survives a restart of the sandbox, as a backup file would.
  const backupSnap = snapshotter<Backup | undefined>(o.dataFile?.replace(/(\.json)?$/, '.backup.json'), (): Backup | undefined => backup)
  let backup: Backup | undefined = backupSnap.load()
  const tstamp = (): number => ++state.tstamp
  const faults = createFaultState()
  const rand = prng(99)
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 })

  installFaults(app, faults, ['/api/'], (reply, status, message) => slError(reply, status, message))

  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return
    const auth = req.headers.authorization ?? ''
    const [user, pass] = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(/:(.*)/s) : []
    if (user === undefined || pass === undefined || !equal(user, o.user) || !equal(pass, o.password)) {
      reply.header('WWW-Authenticate', 'Basic realm="Dynamics SL"')
      return slError(reply, 401, 'Invalid user name or password', 'Authorization', 8001)
    }
    const cpny = String(req.headers['x-sl-cpnyid'] ?? '').trimEnd()
    if (cpny === '') return slError(reply, 400, 'The X-SL-CpnyID header is required', 'CpnyID', MSG.REQUIRED)
    if (cpny.length > 10) return slError(reply, 422, `CpnyID is ${cpny.length} characters; SL allows 10 (char(10))`, 'CpnyID', MSG.TOO_LONG)
    if (cpny !== o.cpnyId) return slError(reply, 401, `User ${o.user} has no access to company ${cpny}`, 'CpnyID', 8002)
  })

  app.setErrorHandler((err: Error & { statusCode?: number, code?: string }, _req, reply) => {
    if (err instanceof RuleError) return reply.code(err.status).send({ businessRuleViolations: err.violations })
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) return slError(reply, 400, `Malformed JSON: ${err.message}`)
    if (err.statusCode !== undefined && err.statusCode < 500) return slError(reply, err.statusCode, err.message)
    return slError(reply, 500, `Internal error: ${err.message}`)
  })
  app.setNotFoundHandler((req, reply) => slError(reply, 404, `No route ${req.method} ${req.url.split('?')[0]}`, 'route', MSG.UNKNOWN))

  const body = (b: unknown): Record<string, unknown> => {
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new RuleError(400, [violation('', 'The body must be a JSON object', MSG.MALFORMED)])
    return b as Record<string, unknown>
  }
  const changed = <T>(v: T): T => { snap.changed(); return v }
  type Q = Record<string, string | undefined>
  type P = Record<string, string>

  // System
  app.get('/api/Status', async () => ({ CpnyID: o.cpnyId.padEnd(10), DatabaseId: state.DatabaseId, Tstamp: state.tstamp }))

  // Sales orders
  app.post('/api/SalesOrder', async (req, reply) => reply.code(201).send(viewOrder(changed(createOrder(state, body(req.body), Date.now(), tstamp)))))
  app.get('/api/SalesOrder', async (req) => {
    const q = req.query as Q
    if (q.CustOrdNbr === undefined) throw new RuleError(400, [violation('CustOrdNbr', 'Give CustOrdNbr to search orders', MSG.REQUIRED)])
    return { Items: ordersByCustOrdNbr(state, q.CustOrdNbr).map(viewOrder) }
  })
  app.get('/api/SalesOrder/:ordNbr', async (req) => viewOrder(findOrder(state, (req.params as P).ordNbr!)))
  app.put('/api/SalesOrder/:ordNbr', async (req) => viewOrder(changed(updateOrder(state, (req.params as P).ordNbr!, body(req.body), Date.now(), tstamp))))

  // Shippers, inventory, products: change feeds on tstamp
  app.get('/api/Shipper', async (req) => {
    const page = since(Object.values(state.shippers), sinceOf(req.query as Q), limitOf(req.query as Q))
    return { Items: page.Items.map(viewShipper), NextTstamp: page.NextTstamp }
  })
  app.get('/api/Inventory', async (req) => {
    const page = since(Object.values(state.itemSites), sinceOf(req.query as Q), limitOf(req.query as Q))
    return { Items: page.Items.map((x) => pad(x, lengths.itemSite)), NextTstamp: page.NextTstamp }
  })
  app.get('/api/Inventory/:invtId', async (req) => ({ Items: itemSitesOf(state, (req.params as P).invtId!).map((x) => pad(x, lengths.itemSite)) }))
  app.put('/api/Inventory/:invtId/:siteId', async (req) => {
    const p = req.params as P
    return pad(changed(adjust(state, p.invtId!, p.siteId!, body(req.body), Date.now(), tstamp)), lengths.itemSite)
  })
  app.get('/api/Product', async (req) => {
    const page = since(Object.values(state.items), sinceOf(req.query as Q), limitOf(req.query as Q))
    return { Items: page.Items.map((x) => pad(x, lengths.product)), NextTstamp: page.NextTstamp }
  })
  app.get('/api/Product/:invtId', async (req) => pad(product(state, (req.params as P).invtId!), lengths.product))
  app.put('/api/Product/:invtId', async (req) => pad(changed(updateProduct(state, (req.params as P).invtId!, body(req.body), Date.now(), tstamp)), lengths.product))

  // Customers
  const viewCustomer = (c: SlState['customers'][string]) => pad(c, lengths.customer, { ShipTo: lengths.shipTo })
  app.post('/api/Customer', async (req, reply) => reply.code(201).send(viewCustomer(changed(createCustomer(state, body(req.body), Date.now(), tstamp)))))
  app.get('/api/Customer', async (req) => {
    const q = req.query as Q
    if (q.EMailAddr !== undefined) {
      const email = q.EMailAddr.trim().toLowerCase()
      return { Items: Object.values(state.customers).filter((c) => c.EMailAddr.toLowerCase() === email).map(viewCustomer) }
    }
    const page = since(Object.values(state.customers), sinceOf(q), limitOf(q))
    return { Items: page.Items.map(viewCustomer), NextTstamp: page.NextTstamp }
  })
  app.get('/api/Customer/:custId', async (req) => viewCustomer(customer(state, (req.params as P).custId!)))
  app.put('/api/Customer/:custId', async (req) => viewCustomer(changed(updateCustomer(state, (req.params as P).custId!, body(req.body), Date.now(), tstamp))))

  // General ledger and accounts receivable
  app.post('/api/GeneralLedger/Transactions', async (req, reply) => {
    const b = changed(postBatch(state, body(req.body), Date.now(), tstamp))
    return reply.code(201).send({ BatNbr: b.BatNbr.padEnd(10), Status: b.Status })
  })
  app.get('/api/GeneralLedger/Batches', async (req) => ({
    Items: batchesByExtRef(state, (req.query as Q).ExtRefNbr ?? '').map((b) => pad(b, lengths.batch, { Lines: lengths.glTran }))
  }))
  app.post('/api/AccountsReceivable/Payments', async (req, reply) => {
    const d = changed(createPayment(state, body(req.body), Date.now(), tstamp))
    return reply.code(201).send(pad(d, lengths.arDoc))
  })
  app.post('/api/AccountsReceivable/CreditMemos', async (req, reply) => {
    const d = changed(createCreditMemo(state, body(req.body), Date.now(), tstamp))
    return reply.code(201).send(pad(d, lengths.arDoc))
  })
  app.get('/api/AccountsReceivable/Documents', async (req) => ({
    Items: documentsByExtRef(state, (req.query as Q).ExtRefNbr ?? '').map((d) => pad(d, lengths.arDoc))
  }))

  // /sandbox: inspect and steer (no auth: the sandbox listens on loopback)
  app.get('/sandbox/state', async () => ({
    counts: {
      orders: Object.keys(state.orders).length, shippers: Object.keys(state.shippers).length, items: Object.keys(state.items).length,
      itemSites: Object.keys(state.itemSites).length, customers: Object.keys(state.customers).length,
      batches: Object.keys(state.batches).length, arDocs: Object.keys(state.arDocs).length
    },
    stats: state.stats,
    settings: state.settings,
    DatabaseId: state.DatabaseId,
    tstamp: state.tstamp,
    backup: backup === undefined ? null : { DatabaseId: backup.state.DatabaseId, tstamp: backup.state.tstamp, at: new Date(backup.at).toISOString() },
    openPeriods: state.openPeriods,
    baseCuryId: state.baseCuryId
  }))
  app.get('/sandbox/state/orders', async (req) => {
    const q = req.query as Q
    const since = Number(q.SinceTstamp ?? 0) || 0
    const all = q.CustOrdNbr === undefined ? Object.values(state.orders) : ordersByCustOrdNbr(state, q.CustOrdNbr)
    return { Items: all.filter((x) => x.tstamp > since).map(({ dueAt, ...x }) => x) }
  })
  app.get('/sandbox/state/shippers', async () => ({ Items: Object.values(state.shippers) }))
  app.get('/sandbox/state/batches', async () => ({ Items: Object.values(state.batches) }))
  app.get('/sandbox/state/ar', async () => ({ Items: Object.values(state.arDocs), Adjustments: state.arAdjust }))
  app.get('/sandbox/state/item-sites', async (req) => {
    const q = req.query as Q
    const all = Object.values(state.itemSites)
    return { Items: q.InvtID === undefined ? all : all.filter((x) => x.InvtID === q.InvtID) }
  })
  app.put('/sandbox/settings', async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>
    const next = { ...state.settings }
    for (const [k, v] of Object.entries(b)) {
      if (!(k in next)) return reply.code(400).send({ error: `unknown setting "${k}"; known: ${Object.keys(next).join(', ')}` })
      if (k === 'autoShip' ? typeof v !== 'boolean' : typeof v !== 'number' || v < 0) return reply.code(400).send({ error: `${k} has the wrong type` })
      ;(next as Record<string, unknown>)[k] = v
    }
    state.settings = next
    snap.changed()
    return state.settings
  })
  // The seed again, in the same database: to a client, the same as a restore of the seed.
  const reset = (): void => {
    state = seedState(new Date(), { ...defaultSettings(), ...o.settings }, o.extraItems, state.DatabaseId)
    snap.flush()
  }
  app.post('/sandbox/reset', async () => { reset(); return { reset: true } })
  const where = () => ({ DatabaseId: state.DatabaseId, tstamp: state.tstamp })
  app.post('/sandbox/database/backup', async () => {
    backup = backupOf(state, Date.now())
    backupSnap.flush()
    return { backup: where() }
  })
  app.post('/sandbox/database/restore', async (_req, reply) => {
    if (backup === undefined) return reply.code(409).send({ error: 'no backup to restore; take one first (POST /sandbox/database/backup)' })
    const was = where()
    state = restored(backup, state)
    snap.flush()
    return { restored: where(), was }
  })
  app.post('/sandbox/database/move', async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>
    const unknown = Object.keys(b).filter((k) => k !== 'keepTstamps')
    if (unknown.length > 0) return reply.code(400).send({ error: `unknown option "${unknown[0]}"; known: keepTstamps` })
    if (b.keepTstamps !== undefined && typeof b.keepTstamps !== 'boolean') return reply.code(400).send({ error: 'keepTstamps must be true or false' })
    const was = where()
    move(state, b.keepTstamps === true)
    snap.flush()
    return { moved: where(), was }
  })

  // The Process Manager runs while the app is up.
  let last = Date.now()
  const timer = setInterval(() => {
    const now = Date.now()
    if (tick(state, now, tstamp, rand, now - last)) snap.changed()
    last = now
  }, o.tickMs ?? 200)
  timer.unref()
  app.addHook('onClose', async () => { clearInterval(timer); snap.flush() })

  return { app, state: () => state, faults, reset }
}
