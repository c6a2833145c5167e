// The mapper's record handler, built where it runs: on worker threads (MAPPER_WORKERS)
// or on the main one. Key: the Clarity order ID, kept.
import { loadCustomerMapping } from '../../../domain/customers.ts'
import { poison } from '../../../lib/errors.ts'
import { loadOrderMapping } from '../../../domain/mapping.ts'
import type { HandlerFactory } from '../../../lib/workers.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { mapOrder, UNREAD, type MappedOrder, type OrderEvent } from './transform.ts'

export const createMapperHandler: HandlerFactory<Config> = async ({ config: c, serde }) => {
  const { topics } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const mapping = loadOrderMapping(c.ORDER_MAPPING_FILE)
  const customers = loadCustomerMapping(c.CUSTOMER_MAPPING_FILE)
  const raw = await serde<OrderEvent>(topics.ordersRaw, UNREAD)
  const mapped = await serde<MappedOrder>(topics.ordersMapped)
  return async (rec) => {
    if (rec.value === null) throw poison('INVALID_RECORD', 'a tombstone on orders.raw')
    const out = mapOrder(await raw.decode(rec.value), mapping, customers)
    if (out === undefined) return []
    // The mapping version is in the record (mappingVersion): no header to encode per record.
    return [{ topic: topics.ordersMapped.name, key: rec.key, value: mapped.encode(out) }]
  }
}
