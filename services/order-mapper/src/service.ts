// orders.raw → orders.mapped, by the mapping file (the handler is in handler.ts).
import { loadCustomerMapping } from '../../../domain/customers.ts'
import { loadOrderMapping } from '../../../domain/mapping.ts'
import { besideUrl } from '../../../lib/paths.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'

export async function startOrderMapper (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  // Here first: a mistake in a mapping file stops the start with every problem listed.
  loadOrderMapping(c.ORDER_MAPPING_FILE)
  loadCustomerMapping(c.CUSTOMER_MAPPING_FILE)
  return await startService({
    service: services.orderMapper, config: c, exit,
    workerHandler: {
      module: besideUrl(import.meta.url, './handler.ts'),
      exportName: 'createMapperHandler',
      workers: c.MAPPER_WORKERS
    }
  })
}
