// SL customers → customers.changes (compacted by CustId), from SL's tstamp change feed
// (lib/feed-source). Every change is published, ours included: the Clarity side decides
// what is news to Clarity.
import { slClientOf } from '../../../lib/clients/sl.ts'
import type { SlCustomer } from '../../../domain/customers.ts'
import { startFeedService } from '../../../lib/feed-service.ts'
import type { Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { toCustomer } from './transform.ts'

export async function startSlCustomerSource (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const sl = slClientOf(c)
  return await startFeedService<SlCustomer>({
    service: services.slCustomerSource, config: c, exit, cursor: 'sl-customer-source.customers',
    cursors: topics.cursors, topic: topics.customersChanges, intervalMs: c.SL_CUSTOMER_POLL_MS, read: sl.customers,
    slStatus: sl.status, toRecord: toCustomer
  })
}
