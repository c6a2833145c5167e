// The SL item master → products.changes (compacted by InvtID). SL is the catalogue's
// master: the topic always holds every item's latest record (lib/feed-source).
import { slClientOf } from '../../../lib/clients/sl.ts'
import { startFeedService } from '../../../lib/feed-service.ts'
import type { Item } from '../../../domain/records.ts'
import type { Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { toItem } from './transform.ts'

export async function startSlProductSource (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const sl = slClientOf(c)
  return await startFeedService<Item>({
    service: services.slProductSource, config: c, exit, cursor: 'sl-product-source.products', cursors: topics.cursors,
    topic: topics.productsChanges, intervalMs: c.SL_PRODUCT_POLL_MS, read: sl.products, slStatus: sl.status,
    toRecord: toItem
  })
}
