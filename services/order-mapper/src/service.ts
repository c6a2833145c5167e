// orders.raw → orders.mapped, by the mapping file. Key: the Clarity order ID, kept.
import { loadOrderMapping } from '../../../lib/mapping.ts'
import { loadCustomerMapping } from '../../../lib/customers.ts'
import { poison } from '../../../lib/errors.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { mapOrder, type MappedOrder, type OrderEvent } from './transform.ts'

export async function startOrderMapper (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const mapping = loadOrderMapping(c.ORDER_MAPPING_FILE)
  const customers = loadCustomerMapping(c.CUSTOMER_MAPPING_FILE)
  return await startService({
    service: services.orderMapper, config: c, exit,
    handler: async (kit) => {
      const raw = await kit.serde<OrderEvent>(topics.ordersRaw)
      const mapped = await kit.serde<MappedOrder>(topics.ordersMapped)
      return async (rec) => {
        if (rec.value === null) throw poison('INVALID_RECORD', 'a tombstone on orders.raw')
        const out = mapOrder(await raw.decode(rec.value), mapping, customers)
        if (out === undefined) return []
        return [{ topic: topics.ordersMapped.name, key: rec.key, value: mapped.encode(out), headers: { 'mapping.version': mapping.version } }]
      }
    }
  })
}
