import { join } from 'node:path'
import { loadConfig, serviceSpec, str } from '../../../lib/config.ts'
import { projectRoot } from '../../../infra/embedded.ts'

export const spec = {
  ...serviceSpec(7402),
  ORDER_MAPPING_FILE: str('The order mapping file', join(projectRoot, 'mappings/orders.yaml')),
  CUSTOMER_MAPPING_FILE: str('The customer mapping file (CustId policy, duplicate detection, defaults)', join(projectRoot, 'mappings/customers.yaml'))
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
