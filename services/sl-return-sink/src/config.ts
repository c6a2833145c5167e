import { join } from 'node:path'
import { clarityConnection, loadConfig, serviceSpec, slConnection, str } from '../../../lib/config.ts'
import { projectRoot } from '../../../lib/paths.ts'

export const spec = {
  ...serviceSpec(7416),
  ...slConnection,
  ...clarityConnection,
  ORDER_MAPPING_FILE: str('The order mapping file (the original order\'s CustOrdNbr, SKUs)',
    join(projectRoot, 'mappings/orders.yaml')),
  RETURN_MAPPING_FILE: str('The return mapping file (RMA type and number, restocking item, refund method)',
    join(projectRoot, 'mappings/returns.yaml'))
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
