// SL item-site levels → inventory.changes (compacted, key InvtID|SiteID): the topic
// holds the latest level of every item at every site, so any consumer can rebuild the
// whole picture from it. The feed cursor lives in bridge.cursors (lib/feed-source).
import { slClientOf } from '../../../lib/clients/sl.ts'
import { startFeedService } from '../../../lib/feed-service.ts'
import type { ItemSiteLevel } from '../../../domain/records.ts'
import type { Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { toLevel } from './transform.ts'

export async function startSlInventorySource (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const sl = slClientOf(c)
  return await startFeedService<ItemSiteLevel>({
    service: services.slInventorySource, config: c, exit, cursor: 'sl-inventory-source.inventory',
    cursors: topics.cursors, topic: topics.inventoryChanges, intervalMs: c.SL_INVENTORY_POLL_MS, read: sl.inventory,
    slStatus: sl.status, toRecord: toLevel
  })
}
