// The Clarity eCommerce sandbox: OAuth client credentials with expiring tokens,
// the contract's routes, webhooks, the storefront simulator and demo load, fault
// injection, and /sandbox/* to inspect and steer it.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { parse as parseQuery } from 'node:querystring'
import { createFaultState, installFaults, type FaultState } from '../common/faults.ts'
import { guardSteering, routeOf } from '../common/guard.ts'
import { prng } from '../common/money.ts'
import { snapshotter } from '../common/persist.ts'
import { signUp, upsertAccount } from './accounts.ts'
import { ClarityError, fail, obj, ok, page, type Ctx, type P, type Q } from './api.ts'
import { createTokens } from './auth.ts'
import { createLoad } from './load.ts'
import { announcePlaced, capturePayment, findPayment, paymentsOfOrders } from './payments.ts'
import { autoPayouts, findPayout, runPayouts } from './payouts.ts'
import { cancelByShopper, confirmOrder, findOrder, holdOrder, placeByShopper, shipOrder, voidOrder } from './orders.ts'
import { productByKey, updateStock, upsertProduct } from './products.ts'
import {
  approveReturn, confirmReturn, createReturn, receiveReturn, refundReturn, rejectReturn, restoredReturns
} from './returns.ts'
import {
  defaultClaritySettings, seedClarity, seedNextId, type ClaritySettings, type ClarityState
} from './state.ts'
import {
  sandboxState, setLoadRate, setPayouts, setReturns, setWebhooks, stateOrders, statePayments, statePayouts,
  stateReturns, stateStock
} from './steering.ts'
import { StorefrontError } from './storefront.ts'
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

const API = ['/Ordering/', '/Inventory/', '/Products/', '/Accounts/', '/Returning/', '/Payments/']
const id = (req: FastifyRequest): string | undefined => (req.params as P).id

/** A state file from before a setting, counter or collection existed, with their defaults. */
function restored (loaded: ClarityState, settings: Partial<ClaritySettings> | undefined): ClarityState {
  return {
    ...loaded,
    nextId: { ...seedNextId, ...loaded.nextId },
    dropped: loaded.dropped ?? 0,
    payments: loaded.payments ?? paymentsOfOrders(loaded),
    payouts: loaded.payouts ?? {},
    paidOut: loaded.paidOut ?? { capture: {}, refund: {} },
    returns: restoredReturns(loaded.returns),
    settings: { ...defaultClaritySettings(), ...loaded.settings, ...settings }
  }
}

export function buildClaritySandbox (o: ClaritySandboxOptions): ClaritySandbox {
  const settings = { ...defaultClaritySettings(), ...o.settings }
  let state: ClarityState = seedClarity(new Date(), settings, o.extraItems)
  const snap = snapshotter<ClarityState>(o.dataFile, () => state)
  const loaded = snap.load()
  if (loaded?.version === 1) state = restored(loaded, o.settings)
  if (o.webhookUrls !== undefined && o.webhookUrls.length > 0) state.webhookUrls = o.webhookUrls
  const tokens = createTokens(o.clientId, o.clientSecret)
  const faults = createFaultState()
  const rand = prng(1234)
  const sender = createSender({ state: () => state, secrets: o.webhookSecrets, changed: () => snap.changed(), rand })
  const c: Ctx = { state: () => state, sender, changed: <T>(v: T): T => { snap.changed(); return v } }
  const load = createLoad({
    state: () => state, rand, onPlaced: (order) => { announcePlaced(c, order); snap.changed() },
    onReturn: (asked) => { createReturn(c, asked) }
  })
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 })

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' },
    (_req, body, done) => done(null, parseQuery(body as string)))
  installFaults(app, faults, [...API, '/oauth/'], (reply, status, message) => fail(reply, status, message))
  guardSteering(app, (reply, status, message) => fail(reply, status, message))

  app.addHook('onRequest', async (req, reply) => {
    if (API.some((p) => routeOf(req).startsWith(p))) return tokens.check(req.headers.authorization, reply)
  })
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (err instanceof ClarityError || err instanceof StorefrontError) return fail(reply, err.status, err.message)
    if (err instanceof SyntaxError || (err.statusCode !== undefined && err.statusCode < 500)) {
      return fail(reply, err.statusCode ?? 400, err.message)
    }
    return fail(reply, 500, `Internal error: ${err.message}`)
  })
  app.setNotFoundHandler((req, reply) => fail(reply, 404, `No route ${req.method} ${req.url.split('?')[0]}`))

  app.post('/oauth/token', async (req, reply) => tokens.issue(req.body, state.settings.tokenTtlSec, reply))

  // Orders
  app.get('/Ordering/SalesOrders', async (req) => page(Object.values(state.orders), req.query as Q))
  app.get('/Ordering/SalesOrder/ID/:id', async (req) => findOrder(c, id(req)))
  app.patch('/Ordering/SalesOrder/Confirm/:id', async (req) => confirmOrder(c, id(req), req.body))
  app.patch('/Ordering/SalesOrder/Hold/:id', async (req) => holdOrder(c, id(req), req.body))
  app.patch('/Ordering/SalesOrder/Ship/:id', async (req) => shipOrder(c, id(req), req.body))
  app.patch('/Ordering/SalesOrder/Void/:id', async (req) => voidOrder(c, id(req)))

  // Stock per location, and products
  app.post('/Inventory/ProductInventoryLocationSections/UpdateMany', async (req) => updateStock(c, req.body))
  app.get('/Products/Product/Key/:key', async (req) => productByKey(c, (req.params as P).key))
  app.post('/Products/Product/Upsert', async (req) => ok(upsertProduct(c, req.body)))

  // Accounts
  app.get('/Accounts/Accounts', async (req) => page(Object.values(state.accounts), req.query as Q))
  app.post('/Accounts/Account/Upsert', async (req) => ok(upsertAccount(c, obj(req.body))))

  // Returns
  app.get('/Returning/SalesReturns', async (req) => page(Object.values(state.returns), req.query as Q))
  app.patch('/Returning/SalesReturn/Confirm/:id', async (req) => confirmReturn(c, id(req), req.body))
  app.patch('/Returning/SalesReturn/Receive/:id', async (req) => receiveReturn(c, id(req), req.body))

  // Payments
  app.get('/Payments/Payments', async (req) => page(Object.values(state.payments), req.query as Q))
  app.get('/Payments/Payment/ID/:id', async (req) => findPayment(c, id(req)))
  app.get('/Payments/Payouts', async (req) => page(Object.values(state.payouts), req.query as Q))
  app.get('/Payments/Payout/ID/:id', async (req) => findPayout(c, id(req)))

  // The storefront, as shoppers use it
  app.post('/sandbox/storefront/orders', async (req, reply) => reply.code(201).send(placeByShopper(c, req.body)))
  app.post('/sandbox/storefront/orders/:id/cancel', async (req) => cancelByShopper(c, id(req)))
  app.post('/sandbox/storefront/accounts', async (req, reply) => reply.code(201).send(signUp(c, req.body)))
  app.post('/sandbox/storefront/returns', async (req, reply) => reply.code(201).send(createReturn(c, req.body)))
  app.post('/sandbox/returns/:id/approve', async (req) => approveReturn(c, id(req)))
  app.post('/sandbox/returns/:id/reject', async (req) => rejectReturn(c, id(req)))
  app.post('/sandbox/returns/:id/refund', async (req) => refundReturn(c, id(req)))
  app.put('/sandbox/returns', async (req) => setReturns(c, req.body))
  app.post('/sandbox/payments/:id/capture', async (req) => capturePayment(c, id(req), req.body))
  app.post('/sandbox/payouts/run', async (req) => runPayouts(c, req.body))
  app.put('/sandbox/payouts', async (req) => setPayouts(c, req.body))
  app.get('/sandbox/load', async () => load.stats)
  app.put('/sandbox/load', async (req, reply) => setLoadRate(load, req.body, reply))

  // Inspection and steering
  app.get('/sandbox/state', async () => sandboxState(c, load))
  app.get('/sandbox/state/orders', async (req) => stateOrders(c, req.query as Q))
  app.get('/sandbox/state/payments', async (req) => statePayments(c, req.query as Q))
  app.get('/sandbox/state/payouts', async (req) => statePayouts(c, req.query as Q))
  app.get('/sandbox/state/returns', async (req) => stateReturns(c, req.query as Q))
  app.get('/sandbox/state/stock', async (req) => stateStock(c, req.query as Q))
  app.put('/sandbox/webhooks', async (req, reply) => setWebhooks(c, req.body, reply))
  app.post('/sandbox/tokens/expire', async () => tokens.expireAll())
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
  const payouts = autoPayouts(c)
  app.addHook('onClose', async () => { clearInterval(timer); payouts.stop(); load.set(0); snap.flush() })
  return { app, state: () => state, faults, sender }
}
