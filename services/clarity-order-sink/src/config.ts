import { join } from 'node:path'
import { clarityConnection, int, loadConfig, serviceSpec, str } from '../../../lib/config.ts'
import { projectRoot } from '../../../lib/paths.ts'

export const spec = {
  ...serviceSpec(7405),
  ...clarityConnection,
  CLARITY_IN_FLIGHT: int(
    'Orders of one partition in Clarity calls at once (different orders; one order\'s records stay in order)',
    16, 1
  ),
  ORDER_MAPPING_FILE: str('The order mapping file (for CustOrdNbr and SKUs back to Clarity)',
    join(projectRoot, 'mappings/orders.yaml'))
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
