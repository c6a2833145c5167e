// A read model plugged onto orders.mapped without touching anything else: it keeps its
// totals in memory and rebuilds them at every start by replaying the topic from the
// beginning (its group is moved back first), which is what replay is for.
import { Gauge } from 'prom-client'
import { createKafka } from '../../../lib/kafka.ts'
import { createLogger } from '../../../lib/logger.ts'
import type { MappedOrder } from '../../../domain/records.ts'
import { poison } from '../../../lib/errors.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { emptyTotals, fold, report } from './transform.ts'

const BASE = 'USD'

async function rewind (c: Config, group: string, topic: string): Promise<void> {
  const admin = await createKafka({
    brokers: c.KAFKA_BROKERS, clientId: group, logger: createLogger(group, c.LOG_LEVEL), security: c
  }).admin()
  try {
    if (!(await admin.listTopics()).includes(topic)) return
    const running = async () => !['Empty', 'Dead'].includes((await admin.describeGroup(group)).state)
    if (await running()) return // another instance is running: it holds the totals
    const low = (await admin.watermarks(topic)).map((m) => ({ partition: m.partition, offset: m.low }))
    // Two instances starting together both find the group empty; the broker refuses the
    // second one's move once the first has joined, and that one holds the totals.
    await admin.setGroupOffsets(group, topic, low).catch(async (err: unknown) => {
      if (!(await running())) throw err
    })
  } finally {
    await admin.disconnect()
  }
}

export async function startOrderAnalytics (
  c: Config, exit?: (code: number) => never
): Promise<Running & { totals: () => ReturnType<typeof report> }> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  await rewind(c, services.orderAnalytics.name, topics.ordersMapped.name)
  const totals = emptyTotals()
  const view = () => report(totals, BASE, c.ANALYTICS_TOP_SKUS)
  const running = await startService({
    service: services.orderAnalytics, config: c, exit, fromBeginning: true,
    handler: async (kit) => {
      const input = await kit.serde<MappedOrder>(topics.ordersMapped)
      // Registered on the service's registry; read at each scrape.
      void new Gauge({
        name: 'bridge_analytics_orders',
        help: 'Orders counted by order-analytics',
        registers: [kit.metrics.registry],
        collect () { this.set(totals.orders.size) }
      })
      return async (rec) => {
        if (rec.value === null) throw poison('INVALID_RECORD', 'a tombstone on orders.mapped')
        fold(totals, await input.decode(rec.value))
        return []
      }
    },
    routes: (app) => { app.get('/analytics', async () => view()) }
  })
  return { ...running, totals: view }
}
