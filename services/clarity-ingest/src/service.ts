// Clarity → orders.raw and customers.raw. Two ways in, one result per state: the webhook
// (webhook.ts), and the ModifiedSince pollers (pollers.ts), the safety net for events
// never pushed. Each event taken leaves its id in bridge.webhooks-seen, in the same send
// as its record, so a redelivery to any instance, or after a restart, has no second effect.
import { clarityClientOf } from '../../../lib/clients/clarity.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { startListingPoller } from './pollers.ts'
import { ingestRecords } from './records.ts'
import { seenIds, type WebhookSeen } from './seen.ts'
import { webhookRoutes, type Taking } from './webhook.ts'

/** Seen webhook ids in memory at most: well over the signature tolerance at 500 events/s. */
const SEEN_MAX = 250000

export async function startClarityIngest (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const service = services.clarityIngest
  const clarity = clarityClientOf(c)
  // The routes are served from the start; webhooks wait for this.
  let markReady!: (t: Taking) => void
  const ready = new Promise<Taking>((resolve) => { markReady = resolve })
  const running = await startService({
    service, config: c, exit, inputs: [],
    routes: (app, kit) => {
      webhookRoutes(app, {
        config: c, service: service.name, logger: kit.logger, metrics: kit.metrics, clarity,
        take: async (out) => { await kit.producer.send(out) }, ready
      })
    }
  })

  const { kit } = running
  const records = ingestRecords({
    topics: { orders: topics.ordersRaw.name, customers: topics.customersRaw.name },
    orders: await kit.serde(topics.ordersRaw), accounts: await kit.serde(topics.customersRaw), logger: kit.logger
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
    // Every account on a first start: an account nobody edits would otherwise never reach
    // SL, and its orders would wait for a customer that is not coming.
    await startListingPoller({
      ...common, name: 'clarity-accounts', cursor: 'clarity-ingest.accounts', topic: topics.customersRaw.name,
      list: clarity.accounts,
      from: new Date(0).toISOString(),
      take: (row, id) => records.account({ id, type: 'customer.polled', source: 'POLL' }, row)
    })
  }
  return running
}
