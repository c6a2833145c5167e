// The whole order flow for one test file: both sandboxes in-process on real sockets,
// every service in-process under a topic prefix of its own, on the shared broker.
import { createHmac } from 'node:crypto'
import { join } from 'node:path'
import { buildClaritySandbox, type ClaritySandbox } from '../sandboxes/clarity/app.ts'
import { buildSlSandbox, type SlSandbox } from '../sandboxes/sl/app.ts'
import { bindRefuse } from '../sandboxes/common/faults.ts'
import { projectRoot } from '../infra/embedded.ts'
import { createKafka } from '../lib/kafka.ts'
import { createRegistry } from '../lib/registry.ts'
import type { Running } from '../lib/service.ts'
import { applyTopology } from '../topology/apply.ts'
import { allTopics, prefixed } from '../topology/topology.ts'
import { startClarityIngest, type IngestRunning } from '../services/clarity-ingest/src/service.ts'
import { startOrderMapper } from '../services/order-mapper/src/service.ts'
import { startSlOrderSink } from '../services/sl-order-sink/src/service.ts'
import { startSlShipperSource } from '../services/sl-shipper-source/src/service.ts'
import { startClarityOrderSink } from '../services/clarity-order-sink/src/service.ts'
import { startSlInventorySource } from '../services/sl-inventory-source/src/service.ts'
import { startClarityInventorySink } from '../services/clarity-inventory-sink/src/service.ts'
import { startSlProductSource } from '../services/sl-product-source/src/service.ts'
import { startSlCustomerSink } from '../services/sl-customer-sink/src/service.ts'
import { startSlCustomerSource } from '../services/sl-customer-source/src/service.ts'
import { startClarityCustomerSink } from '../services/clarity-customer-sink/src/service.ts'
import { startClarityProductSink } from '../services/clarity-product-sink/src/service.ts'
import { startSlPaymentSink } from '../services/sl-payment-sink/src/service.ts'
import { startSlPayoutSink } from '../services/sl-payout-sink/src/service.ts'
import { startSlReturnSink } from '../services/sl-return-sink/src/service.ts'
import { randomBytes } from 'node:crypto'
import { createLogger } from '../lib/logger.ts'

export const WEBHOOK_SECRET = 'whsec_test_flow'
/** The services' ADMIN_TOKEN (POST /feed/rewind). */
export const ADMIN_TOKEN = `admin-${randomBytes(16).toString('hex')}`
const noExit = (() => undefined) as never

export interface Flow {
  prefix: string
  sl: SlSandbox
  clarity: ClaritySandbox
  slUrl: string
  clarityUrl: string
  /** clarity-ingest's webhook address (WEBHOOK_PORT). */
  ingestUrl: string
  /** clarity-ingest's /healthz, /readyz, /metrics (HTTP_PORT). */
  ingestOpsUrl: string
  services: Record<string, Running>
  common: Record<string, unknown>
  stop: () => Promise<void>
}

async function listen (app: SlSandbox['app'] | ClaritySandbox['app'], faults: SlSandbox['faults']): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  bindRefuse(app, faults, port, '127.0.0.1')
  return `http://127.0.0.1:${port}`
}

const quiet = createLogger('flow', 'silent')

/** What startFlow runs unless told otherwise: the order flow. */
export const ORDER_SERVICES = ['clarity-ingest', 'order-mapper', 'sl-order-sink', 'sl-shipper-source', 'clarity-order-sink']

export interface FlowOptions {
  brokers: string[]
  registryUrl: string
  only?: string[]
  pollMs?: number
  logLevel?: string
  slSettings?: Record<string, number | boolean>
}

export async function startFlow (opts: FlowOptions): Promise<Flow> {
  const e = { brokers: opts.brokers, registryUrl: opts.registryUrl }
  const prefix = `test.flow.${Date.now().toString(36)}${randomBytes(3).toString('hex')}.`
  const { topics } = prefixed(prefix)
  const admin = await createKafka({ brokers: e.brokers, clientId: 'flow', logger: quiet }).admin()
  await applyTopology({ admin, registry: createRegistry(e.registryUrl), topics: allTopics.map((t) => Object.values(topics).find((x) => x.name === `${prefix}${t.name}`)!), schemaDir: join(projectRoot, 'schemas') })
  await admin.disconnect()

  const sl = buildSlSandbox({ user: 'bridge', password: 'bridge-dev', cpnyId: 'DEMO', tickMs: 25, settings: { allocateAfterMs: 50, shipAfterMs: 100, confirmAfterMs: 100, invoiceAfterMs: 100, ...opts.slSettings } })
  const clarity = buildClaritySandbox({ clientId: 'bridge', clientSecret: 'bridge-dev', webhookSecrets: [WEBHOOK_SECRET], pumpMs: 20 })
  const slUrl = await listen(sl.app, sl.faults)
  const clarityUrl = await listen(clarity.app, clarity.faults)
  const common = {
    KAFKA_BROKERS: e.brokers, SCHEMA_REGISTRY_URL: e.registryUrl, LOG_LEVEL: opts.logLevel ?? 'silent', KAFKA_SESSION_TIMEOUT_MS: 6000,
    HTTP_PORT: 0, HTTP_HOST: '127.0.0.1', ADMIN_TOKEN, WEBHOOK_HOST: '127.0.0.1', WEBHOOK_PORT: 0, BRIDGE_TOPIC_PREFIX: prefix,
    SL_SANDBOX_URL: slUrl, SL_API_USER: 'bridge', SL_API_PASSWORD: 'bridge-dev', SL_CPNY_ID: 'DEMO', SL_TIMEOUT_MS: 2000, SL_POLL_INTERVAL_MS: 100, SL_IN_FLIGHT: 16, CLARITY_IN_FLIGHT: 16,
    CLARITY_SANDBOX_URL: clarityUrl, CLARITY_CLIENT_ID: 'bridge', CLARITY_CLIENT_SECRET: 'bridge-dev', CLARITY_WEBHOOK_SECRET: [WEBHOOK_SECRET],
    CLARITY_POLL_INTERVAL_MS: opts.pollMs ?? 0, CLARITY_POLL_LOOKBACK_MS: 3600000, WEBHOOK_TOLERANCE_SEC: 300,
    ORDER_MAPPING_FILE: join(projectRoot, 'mappings/orders.yaml'), MAPPER_WORKERS: 1,
    CATALOGUE_MAPPING_FILE: join(projectRoot, 'mappings/catalogue.yaml'), SL_INVENTORY_POLL_MS: 100, INVENTORY_BATCH_SIZE: 500, SL_PRODUCT_POLL_MS: 100, SL_CUSTOMER_POLL_MS: 100,
    CUSTOMER_MAPPING_FILE: join(projectRoot, 'mappings/customers.yaml'), CUSTOMER_WAIT_MS: 60000,
    PAYOUT_MAPPING_FILE: join(projectRoot, 'mappings/payouts.yaml'), RETURN_MAPPING_FILE: join(projectRoot, 'mappings/returns.yaml')
  }
  const starters: Record<string, (c: never, exit: never) => Promise<Running>> = {
    'clarity-ingest': startClarityIngest as never,
    'order-mapper': startOrderMapper as never,
    'sl-order-sink': startSlOrderSink as never,
    'sl-shipper-source': startSlShipperSource as never,
    'clarity-order-sink': startClarityOrderSink as never,
    'sl-inventory-source': startSlInventorySource as never,
    'clarity-inventory-sink': startClarityInventorySink as never,
    'sl-product-source': startSlProductSource as never,
    'clarity-product-sink': startClarityProductSink as never,
    'sl-customer-sink': startSlCustomerSink as never,
    'sl-customer-source': startSlCustomerSource as never,
    'clarity-customer-sink': startClarityCustomerSink as never,
    'sl-payment-sink': startSlPaymentSink as never,
    'sl-payout-sink': startSlPayoutSink as never,
    'sl-return-sink': startSlReturnSink as never
  }
  const services: Record<string, Running> = {}
  for (const [name, start] of Object.entries(starters)) {
    if (!(opts.only ?? ORDER_SERVICES).includes(name)) continue
    services[name] = await start(common as never, noExit)
  }
  const ingest = services['clarity-ingest'] as IngestRunning | undefined
  const ingestUrl = ingest === undefined ? '' : `http://127.0.0.1:${ingest.webhookPort}`
  const ingestOpsUrl = ingest === undefined ? '' : `http://127.0.0.1:${ingest.port}`
  if (ingest !== undefined) await clarity.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { urls: [`${ingestUrl}/webhooks/clarity`] } })
  return {
    prefix, sl, clarity, slUrl, clarityUrl, ingestUrl, ingestOpsUrl, services, common,
    stop: async () => {
      for (const s of Object.values(services).reverse()) await s.stop()
      await clarity.app.close()
      await sl.app.close()
      // A shared broker should not keep every test's topics.
      const a = await createKafka({ brokers: e.brokers, clientId: 'flow', logger: quiet }).admin()
      await a.deleteTopics((await a.listTopics()).filter((n) => n.startsWith(prefix))).catch(() => undefined)
      await a.disconnect()
    }
  }
}

export function signed (
  body: string, secret = WEBHOOK_SECRET, t = Math.floor(Date.now() / 1000)
): Record<string, string> {
  return { 'content-type': 'application/json', 'Clarity-Signature': `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}` }
}

export const address = { Street1: '500 Congress Ave', Street2: 'Suite 210', City: 'Austin', RegionCode: 'TX', CountryCode: 'US', PostalCode: '78701' }
export const shopper = (lines: Array<{ sku: string, quantity: number }>, over: Record<string, unknown> = {}) => ({
  customer: { email: 'ana@example.com', firstName: 'Ana', lastName: 'Núñez' }, shipTo: address, billTo: address, currency: 'USD', lines, ...over
})

/** Places an order through the storefront; answers its Clarity ID. */
export async function place (f: Flow, body: unknown): Promise<number> {
  const r = await f.clarity.app.inject({ method: 'POST', url: '/sandbox/storefront/orders', payload: body as object })
  if (r.statusCode !== 201) throw new Error(`storefront refused: ${r.body}`)
  return r.json().ID as number
}

export const slOrders = (f: Flow, custOrdNbr: string) =>
  Object.values(f.sl.state().orders).filter((o) => o.CustOrdNbr === custOrdNbr)
export const clarityOrder = (f: Flow, id: number) => f.clarity.state().orders[String(id)]!

/** Stocks an item in both systems so the test does not depend on the seed's random levels. */
export function stock (f: Flow, sku: string, qty = 500): void {
  for (const site of ['MAIN', 'EAST', 'WEST']) {
    const s = f.sl.state().itemSites[`${sku}|${site}`]
    if (s !== undefined) { s.QtyOnHand = qty; s.QtyAvail = qty - s.QtyAlloc - s.QtyShipNotInv }
    const c = f.clarity.state().stock[`${sku}|${site}`]
    if (c !== undefined) c.Quantity = qty
  }
}

/** SL's API credentials in the flow (Basic auth and the company header). */
export const SL_AUTH = { authorization: `Basic ${Buffer.from('bridge:bridge-dev').toString('base64')}`, 'x-sl-cpnyid': 'DEMO' }

/** Stock the flow's two sandboxes hold: SL moved as another channel would, levels read on either side. */
export function stockOf (f: Flow) {
  return {
    adjust: async (invtId: string, site: string, qty: number): Promise<void> => {
      const r = await f.sl.app.inject({ method: 'PUT', url: `/api/Inventory/${encodeURIComponent(invtId)}/${site}`, headers: SL_AUTH, payload: { QtyAdjust: qty, ReasonCd: 'COUNT' } })
      if (r.statusCode !== 200) throw new Error(`SL refused the adjustment: ${r.body}`)
    },
    slAvail: (invtId: string, site: string): number => f.sl.state().itemSites[`${invtId}|${site}`]!.QtyAvail,
    clarityQty: (sku: string, loc: string): number | undefined => f.clarity.state().stock[`${sku}|${loc}`]?.Quantity
  }
}
