import { join } from 'node:path'
import { clarityConnection, loadConfig, serviceSpec, str } from '../../../lib/config.ts'
import { projectRoot } from '../../../lib/paths.ts'

export const spec = {
  ...serviceSpec(7410),
  ...clarityConnection,
  CATALOGUE_MAPPING_FILE: str('The catalogue mapping file (sites → locations, available-to-sell rule, product fields)',
    join(projectRoot, 'mappings/catalogue.yaml')),
  ORDER_MAPPING_FILE: str('The order mapping file (its SKU table, read backwards: SL InvtID → Clarity SKU)',
    join(projectRoot, 'mappings/orders.yaml'))
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
