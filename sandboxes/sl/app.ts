// The Dynamics SL API layer sandbox: the contract's routes over the tables in
// state.ts, Basic auth and the company header, SL's error shape, fault injection,
// the simulated Process Manager, and /sandbox/* to inspect and steer it (a restore and
// a move of the database included).
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { timingSafeEqual } from 'node:crypto'
import { createFaultState, installFaults, type FaultState } from '../common/faults.ts'
import { guardSteering, routeOf } from '../common/guard.ts'
import { prng } from '../common/money.ts'
import { snapshotter } from '../common/persist.ts'
import { newDatabaseId, type Backup } from './database.ts'
import { lengths, pad } from './fields.ts'
import { batchesByExtRef, periodsOf, postBatch } from './finance.ts'
import {
  adjust, createCustomer, customer, itemSitesOf, product, since, updateCustomer, updateProduct
} from './masters.ts'
import { createOrder, findOrder, ordersByCustOrdNbr, updateOrder } from './orders.ts'
import { tick } from './process-manager.ts'
import {
  createApplication, createCreditMemo, createPayment, createRefund, findDocuments
} from './receivables.ts'
import { MSG, RuleError, violation } from './rules.ts'
import {
  defaultSettings, seedState, type ARAdjust, type ARDoc, type Settings, type SlState, type SOHeader, type SOShipHeader
} from './state.ts'
import { steeringRoutes, type Sandbox } from './steering.ts'
import { upgrade } from './upgrade.ts'

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
// A shipper saved before SOTypeID existed is a sales order's (receivers came with SOTypeID).
const viewShipper = ({ ShipperID, SOTypeID, ...sh }: SOShipHeader) =>
  pad({ ShipperID, SOTypeID: SOTypeID ?? 'SO', ...sh }, lengths.shipper, { Lines: lengths.shipperLine })
const viewCustomer = (c: SlState['customers'][string]) => pad(c, lengths.customer, { ShipTo: lengths.shipTo })
const viewDoc = (d: ARDoc) => pad(d, lengths.arDoc)
const viewApplication = ({ CustId, AdjgRefNbr, AdjgDocType, AdjdRefNbr, AdjdDocType, CuryAdjgAmt }: ARAdjust) =>
  pad({ CustId, AdjgRefNbr, AdjgDocType, AdjdRefNbr, AdjdDocType, CuryAdjgAmt }, lengths.arAdjust)
type Q = Record<string, string | undefined>
type P = Record<string, string>
const limitOf = (q: Q): number => Math.min(Math.max(Number(q.Limit ?? 500) || 500, 1), 500)
const sinceOf = (q: Q): number => Number(q.SinceTstamp ?? 0) || 0
const param = (req: FastifyRequest, name: string): string => (req.params as P)[name]!

function slError (
  reply: FastifyReply, status: number, message: string, key = '', nbr: number = MSG.MALFORMED
): FastifyReply {
  return reply.code(status).send({ businessRuleViolations: [violation(key, message, nbr)] })
}

const equal = (a: string, b: string): boolean => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

const body = (b: unknown): Record<string, unknown> => {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) {
    throw new RuleError(400, [violation('', 'The body must be a JSON object', MSG.MALFORMED)])
  }
  return b as Record<string, unknown>
}

/** What the API's route groups work on. */
interface Ctx extends Sandbox {
  o: SlSandboxOptions
  tstamp: () => number
  changed: <T>(v: T) => T
}

export function buildSlSandbox (o: SlSandboxOptions): SlSandbox {
  const settings = { ...defaultSettings(), ...o.settings }
  const db: Sandbox['db'] = { state: seedState(new Date(), settings, o.extraItems), backup: undefined }
  const snap = snapshotter<SlState>(o.dataFile, () => db.state)
  const loaded = snap.load()
  // A state file from before DatabaseId existed gets its id once, kept from then on.
  const old = loaded as (Omit<SlState, 'DatabaseId'> & { DatabaseId?: string }) | undefined
  if (old?.version === 1) {
    // A setting added since the file was written takes its default.
    const kept = { ...defaultSettings(), ...old.settings, ...o.settings }
    db.state = { ...old, DatabaseId: old.DatabaseId ?? newDatabaseId(), settings: kept }
  }
  if (old?.version === 1 && old.DatabaseId === undefined) snap.changed()
  // The backup survives a restart of the sandbox, as a backup file would.
  const backupSnap = snapshotter<Backup | undefined>(o.dataFile?.replace(/(\.json)?$/, '.backup.json'), () => db.backup)
  db.backup = backupSnap.load()
  if (upgrade(db.state)) snap.changed()
  if (db.backup !== undefined && upgrade(db.backup.state)) backupSnap.changed()
  // The seed again, in the same database: to a client, the same as a restore of the seed.
  const reset = (): void => {
    db.state = seedState(new Date(), { ...defaultSettings(), ...o.settings }, o.extraItems, db.state.DatabaseId)
    snap.flush()
  }
  const c: Ctx = {
    o, db, snap, backupSnap, reset,
    tstamp: () => ++db.state.tstamp,
    changed: <T>(v: T): T => { snap.changed(); return v }
  }
  const faults = createFaultState()
  const rand = prng(99)
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 })

  installFaults(app, faults, ['/api/'], (reply, status, message) => slError(reply, status, message))
  guardSteering(app, (reply, status, message) => reply.code(status).send({ error: message }))
  app.addHook('onRequest', async (req, reply) => {
    if (!routeOf(req).startsWith('/api/')) return
    const auth = req.headers.authorization ?? ''
    const [user, pass] = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(/:(.*)/s) : []
    if (user === undefined || pass === undefined || !equal(user, o.user) || !equal(pass, o.password)) {
      reply.header('WWW-Authenticate', 'Basic realm="Dynamics SL"')
      return slError(reply, 401, 'Invalid user name or password', 'Authorization', 8001)
    }
    const cpny = String(req.headers['x-sl-cpnyid'] ?? '').trimEnd()
    if (cpny === '') return slError(reply, 400, 'The X-SL-CpnyID header is required', 'CpnyID', MSG.REQUIRED)
    if (cpny.length > 10) {
      return slError(reply, 422, `CpnyID is ${cpny.length} characters; SL allows 10 (char(10))`, 'CpnyID', MSG.TOO_LONG)
    }
    if (cpny !== o.cpnyId) return slError(reply, 401, `User ${o.user} has no access to company ${cpny}`, 'CpnyID', 8002)
  })
  app.setErrorHandler((err: Error & { statusCode?: number, code?: string }, _req, reply) => {
    if (err instanceof RuleError) return reply.code(err.status).send({ businessRuleViolations: err.violations })
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
      return slError(reply, 400, `Malformed JSON: ${err.message}`)
    }
    if (err.statusCode !== undefined && err.statusCode < 500) return slError(reply, err.statusCode, err.message)
    return slError(reply, 500, `Internal error: ${err.message}`)
  })
  app.setNotFoundHandler((req, reply) =>
    slError(reply, 404, `No route ${req.method} ${req.url.split('?')[0]}`, 'route', MSG.UNKNOWN))

  orderRoutes(app, c)
  feedRoutes(app, c)
  customerRoutes(app, c)
  financeRoutes(app, c)
  steeringRoutes(app, c)

  // The Process Manager runs while the app is up.
  let last = Date.now()
  const timer = setInterval(() => {
    const now = Date.now()
    if (tick(db.state, now, c.tstamp, rand, now - last)) snap.changed()
    last = now
  }, o.tickMs ?? 200)
  timer.unref()
  app.addHook('onClose', async () => { clearInterval(timer); snap.flush() })

  return { app, state: () => db.state, faults, reset }
}

// System, and sales orders
function orderRoutes (app: FastifyInstance, c: Ctx): void {
  app.get('/api/Status', async () =>
    ({ CpnyID: c.o.cpnyId.padEnd(10), DatabaseId: c.db.state.DatabaseId, Tstamp: c.db.state.tstamp }))
  app.post('/api/SalesOrder', async (req, reply) =>
    reply.code(201).send(viewOrder(c.changed(createOrder(c.db.state, body(req.body), Date.now(), c.tstamp)))))
  app.get('/api/SalesOrder', async (req) => {
    const q = req.query as Q
    if (q.CustOrdNbr === undefined) {
      throw new RuleError(400, [violation('CustOrdNbr', 'Give CustOrdNbr to search orders', MSG.REQUIRED)])
    }
    return { Items: ordersByCustOrdNbr(c.db.state, q.CustOrdNbr).map(viewOrder) }
  })
  app.get('/api/SalesOrder/:ordNbr', async (req) => viewOrder(findOrder(c.db.state, param(req, 'ordNbr'))))
  app.put('/api/SalesOrder/:ordNbr', async (req) =>
    viewOrder(c.changed(updateOrder(c.db.state, param(req, 'ordNbr'), body(req.body), Date.now(), c.tstamp))))
}

// Shippers, inventory, products: change feeds on tstamp
function feedRoutes (app: FastifyInstance, c: Ctx): void {
  app.get('/api/Shipper', async (req) => {
    const page = since(Object.values(c.db.state.shippers), sinceOf(req.query as Q), limitOf(req.query as Q))
    return { Items: page.Items.map(viewShipper), NextTstamp: page.NextTstamp }
  })
  app.get('/api/Inventory', async (req) => {
    const page = since(Object.values(c.db.state.itemSites), sinceOf(req.query as Q), limitOf(req.query as Q))
    return { Items: page.Items.map((x) => pad(x, lengths.itemSite)), NextTstamp: page.NextTstamp }
  })
  app.get('/api/Inventory/:invtId', async (req) =>
    ({ Items: itemSitesOf(c.db.state, param(req, 'invtId')).map((x) => pad(x, lengths.itemSite)) }))
  app.put('/api/Inventory/:invtId/:siteId', async (req) => {
    const site = adjust(c.db.state, param(req, 'invtId'), param(req, 'siteId'), body(req.body), Date.now(), c.tstamp)
    return pad(c.changed(site), lengths.itemSite)
  })
  app.get('/api/Product', async (req) => {
    const page = since(Object.values(c.db.state.items), sinceOf(req.query as Q), limitOf(req.query as Q))
    return { Items: page.Items.map((x) => pad(x, lengths.product)), NextTstamp: page.NextTstamp }
  })
  app.get('/api/Product/:invtId', async (req) => pad(product(c.db.state, param(req, 'invtId')), lengths.product))
  app.put('/api/Product/:invtId', async (req) => {
    const item = updateProduct(c.db.state, param(req, 'invtId'), body(req.body), Date.now(), c.tstamp)
    return pad(c.changed(item), lengths.product)
  })
}

function customerRoutes (app: FastifyInstance, c: Ctx): void {
  app.post('/api/Customer', async (req, reply) =>
    reply.code(201).send(viewCustomer(c.changed(createCustomer(c.db.state, body(req.body), Date.now(), c.tstamp)))))
  app.get('/api/Customer', async (req) => {
    const q = req.query as Q
    if (q.EMailAddr !== undefined) {
      const email = q.EMailAddr.trim().toLowerCase()
      const found = Object.values(c.db.state.customers).filter((x) => x.EMailAddr.toLowerCase() === email)
      return { Items: found.map(viewCustomer) }
    }
    const page = since(Object.values(c.db.state.customers), sinceOf(q), limitOf(q))
    return { Items: page.Items.map(viewCustomer), NextTstamp: page.NextTstamp }
  })
  app.get('/api/Customer/:custId', async (req) => viewCustomer(customer(c.db.state, param(req, 'custId'))))
  app.put('/api/Customer/:custId', async (req) =>
    viewCustomer(c.changed(updateCustomer(c.db.state, param(req, 'custId'), body(req.body), Date.now(), c.tstamp))))
}

// General ledger and accounts receivable
function financeRoutes (app: FastifyInstance, c: Ctx): void {
  app.post('/api/GeneralLedger/Transactions', async (req, reply) => {
    const b = c.changed(postBatch(c.db.state, body(req.body), Date.now(), c.tstamp))
    return reply.code(201).send({ BatNbr: b.BatNbr.padEnd(10), Status: b.Status })
  })
  app.get('/api/GeneralLedger/Periods', async () => periodsOf(c.db.state))
  app.get('/api/GeneralLedger/Batches', async (req) => ({
    Items: batchesByExtRef(c.db.state, (req.query as Q).ExtRefNbr ?? '')
      .map((b) => pad(b, lengths.batch, { Lines: lengths.glTran }))
  }))
  const document = (create: typeof createPayment) => async (req: FastifyRequest, reply: FastifyReply) =>
    reply.code(201).send(viewDoc(c.changed(create(c.db.state, body(req.body), Date.now(), c.tstamp))))
  app.post('/api/AccountsReceivable/Payments', document(createPayment))
  app.post('/api/AccountsReceivable/CreditMemos', document(createCreditMemo))
  app.post('/api/AccountsReceivable/Refunds', document(createRefund))
  app.post('/api/AccountsReceivable/Applications', async (req, reply) => {
    const a = c.changed(createApplication(c.db.state, body(req.body), Date.now(), c.tstamp))
    return reply.code(201).send(viewApplication(a))
  })
  app.get('/api/AccountsReceivable/Documents', async (req) =>
    ({ Items: findDocuments(c.db.state, req.query as Q).map(viewDoc) }))
}
