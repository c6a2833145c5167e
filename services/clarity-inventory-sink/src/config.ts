import { join } from 'node:path'
import { clarityConnection, int, loadConfig, serviceSpec, str } from '../../../lib/config.ts'
import { projectRoot } from '../../../lib/paths.ts'

export const spec = {
  ...serviceSpec(7408),
  ...clarityConnection,
  CATALOGUE_MAPPING_FILE: str('The catalogue mapping file (sites → locations, available-to-sell rule, product fields)',
    join(projectRoot, 'mappings/catalogue.yaml')),
  ORDER_MAPPING_FILE: str('The order mapping file (its SKU table, read backwards: SL InvtID → Clarity SKU)',
    join(projectRoot, 'mappings/orders.yaml')),
  INVENTORY_BATCH_SIZE: int('Changes read per UpdateMany call, at most 500 (Clarity\'s limit)', 500, 1),
  INVENTORY_SWEEP_MS: int('How often every published item site is pushed again from the table, setting right ' +
    'a location the store lowered for an order SL changed no level for; 0 never', 300000, 0)
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
