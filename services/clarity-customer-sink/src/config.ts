import { join } from 'node:path'
import { clarityConnection, loadConfig, serviceSpec, str } from '../../../lib/config.ts'
import { projectRoot } from '../../../lib/paths.ts'

export const spec = {
  ...serviceSpec(7412),
  ...clarityConnection,
  CUSTOMER_MAPPING_FILE: str('The customer mapping file (CustId policy, duplicate detection, defaults)',
    join(projectRoot, 'mappings/customers.yaml'))
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
