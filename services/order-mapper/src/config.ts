import { join } from 'node:path'
import { availableParallelism } from 'node:os'
import { int, loadConfig, serviceSpec, str } from '../../../lib/config.ts'
import { projectRoot } from '../../../lib/paths.ts'

export const spec = {
  ...serviceSpec(7402),
  ORDER_MAPPING_FILE: str('The order mapping file', join(projectRoot, 'mappings/orders.yaml')),
  MAPPER_WORKERS: int(
    'Worker threads that decode, map and encode orders beside the Kafka thread (0: all on one thread)',
    availableParallelism() > 1 ? 2 : 0, 0
  ),
  CUSTOMER_MAPPING_FILE: str('The customer mapping file (CustId policy, duplicate detection, defaults)',
    join(projectRoot, 'mappings/customers.yaml'))
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
