import { join } from 'node:path'
import { clarityConnection, int, loadConfig, serviceSpec, slConnection, str } from '../../../lib/config.ts'
import { projectRoot } from '../../../lib/paths.ts'

export const spec = {
  ...serviceSpec(7414),
  ...slConnection,
  ...clarityConnection,
  SL_IN_FLIGHT: int('Orders of one partition in SL calls at once (one order\'s records stay in order)', 16, 1),
  ORDER_MAPPING_FILE: str('The order mapping file (for CustOrdNbr)', join(projectRoot, 'mappings/orders.yaml'))
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
