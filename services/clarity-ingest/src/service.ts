// Clarity → orders.raw, customers.raw, payments.raw, payouts.raw and returns.raw. Two ways in, one result per
// state: the webhook
// (webhook.ts), and the ModifiedSince pollers (pollers.ts), the safety net for events
// never pushed. Each event taken leaves its id in bridge.webhooks-seen once its record is
// written, so a redelivery to any instance, or after a restart, has no second effect.
// The webhook has an address of its own, the one to expose (WEBHOOK_HOST, WEBHOOK_PORT),
// with nothing else on it; health, metrics and admin stay on HTTP_HOST and HTTP_PORT.
import type { FastifyInstance } from 'fastify'
import { clarityClientOf } from '../../../lib/clients/clarity.ts'
import { buildPublicServer } from '../../../lib/http.ts'
import { startService, type Kit, type Running } from '../../../lib/service.ts'
import { dlqName, prefixed, type Topic } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { webhookLimit } from './limit.ts'
import { startListingPoller } from './pollers.ts'
import { ingestRecords } from './records.ts'
import { seenIds, type WebhookSeen } from './seen.ts'
import { webhookRoutes, type Taking } from './webhook.ts'

/** Seen webhook ids in memory at most: well over the signature tolerance at 500 events/s. */
const SEEN_MAX = 250000

export type IngestRunning = Running & { webhook: FastifyInstance, webhookPort: number }

/** The webhook's own server, listening; it stops with the service, before the producer. */
async function serveWebhook (c: Config, kit: Kit, routes: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = buildPublicServer()
  routes(app)
  try {
    await app.listen({ host: c.WEBHOOK_HOST, port: c.WEBHOOK_PORT })
  } catch (err) {
    const reason = `cannot listen on WEBHOOK_HOST:WEBHOOK_PORT ${c.WEBHOOK_HOST}:${c.WEBHOOK_PORT}`
    await kit.lifecycle.stop(1, `${reason}: ${(err as Error).message}`)
    throw err
  }
  kit.lifecycle.onStop('webhook http', () => app.close())
  return app
}

const portOf = (app: FastifyInstance): number => (app.server.address() as { port: number }).port

export async function startClarityIngest (c: Config, exit?: (code: number) => never): Promise<IngestRunning> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const service = services.clarityIngest
  const clarity = clarityClientOf(c)
  const running = await startService({ service, config: c, exit, inputs: [] })
  const { kit } = running

  const written: Topic[] = [
    topics.ordersRaw, topics.customersRaw, topics.paymentsRaw, topics.payoutsRaw, topics.returnsRaw
  ]
  const admin = await kit.kafka.admin()
  const maxBytes = await webhookLimit(c.WEBHOOK_MAX_BYTES, admin,
    written.flatMap((t) => [t.name, dlqName(t)]), kit.logger).finally(() => admin.disconnect())
  // Served from the start; webhooks wait for this.
  let markReady!: (t: Taking) => void
  const ready = new Promise<Taking>((resolve) => { markReady = resolve })
  const webhook = await serveWebhook(c, kit, (app) => {
    webhookRoutes(app, {
      config: { ...c, WEBHOOK_MAX_BYTES: maxBytes }, service: service.name, logger: kit.logger, metrics: kit.metrics,
      clarity, take: async (out) => { await kit.producer.send(out) }, ready
    })
  })
  kit.logger.info({ webhook: `${c.WEBHOOK_HOST}:${portOf(webhook)}`, maxBytes, maxInFlight: c.WEBHOOK_MAX_IN_FLIGHT },
    'webhook listening')

  const records = ingestRecords({
    topics: {
      orders: topics.ordersRaw.name, customers: topics.customersRaw.name, payments: topics.paymentsRaw.name,
      payouts: topics.payoutsRaw.name, returns: topics.returnsRaw.name
    },
    orders: await kit.serde(topics.ordersRaw),
    accounts: await kit.serde(topics.customersRaw),
    payments: await kit.serde(topics.paymentsRaw),
    payouts: await kit.serde(topics.payoutsRaw),
    returns: await kit.serde(topics.returnsRaw),
    logger: kit.logger
  })
  const seen = seenIds({
    kafka: kit.kafka, topic: topics.webhooksSeen.name, serde: await kit.serde<WebhookSeen>(topics.webhooksSeen),
    group: `${service.name}-seen`, windowMs: topics.webhooksSeen.retentionMs, max: SEEN_MAX, logger: kit.logger
  })
  kit.lifecycle.onStop('seen ids', await seen.follow((err) => {
    void kit.lifecycle.stop(1, `following ${topics.webhooksSeen.name}: ${err.message}`)
  }))
  markReady({ seen, records })

  if (c.CLARITY_POLL_INTERVAL_MS > 0) {
    const common = { kit, service: service.name, cursors: topics.cursors, intervalMs: c.CLARITY_POLL_INTERVAL_MS }
    await startListingPoller({
      ...common, name: 'clarity-orders', cursor: 'clarity-ingest.orders', topic: topics.ordersRaw.name,
      list: clarity.orders,
      from: new Date(Date.now() - c.CLARITY_POLL_LOOKBACK_MS).toISOString(),
      take: (row, id) => records.order({ id, type: 'order.polled', source: 'POLL' }, row)
    })
    await startListingPoller({
      ...common, name: 'clarity-payments', cursor: 'clarity-ingest.payments', topic: topics.paymentsRaw.name,
      list: clarity.payments,
      from: new Date(Date.now() - c.CLARITY_POLL_LOOKBACK_MS).toISOString(),
      take: (row, id) => records.payment({ id, type: 'payment.polled', source: 'POLL' }, row)
    })
    await startListingPoller({
      ...common, name: 'clarity-payouts', cursor: 'clarity-ingest.payouts', topic: topics.payoutsRaw.name,
      list: clarity.payouts,
      from: new Date(Date.now() - c.CLARITY_POLL_LOOKBACK_MS).toISOString(),
      take: (row, id) => records.payout({ id, type: 'payout.polled', source: 'POLL' }, row)
    })
    await startListingPoller({
      ...common, name: 'clarity-returns', cursor: 'clarity-ingest.returns', topic: topics.returnsRaw.name,
      list: clarity.returns,
      from: new Date(Date.now() - c.CLARITY_POLL_LOOKBACK_MS).toISOString(),
      take: (row, id) => records.salesReturn({ id, type: 'return.polled', source: 'POLL' }, row)
    })
    // Every account on a first start: an account nobody edits would otherwise never reach
    // SL, and its orders would wait for a customer that is not coming.
    await startListingPoller({
      ...common, name: 'clarity-accounts', cursor: 'clarity-ingest.accounts', topic: topics.customersRaw.name,
      list: clarity.accounts,
      from: new Date(0).toISOString(),
      take: (row, id) => records.account({ id, type: 'customer.polled', source: 'POLL' }, row)
    })
  }
  return { ...running, webhook, webhookPort: portOf(webhook) }
}
