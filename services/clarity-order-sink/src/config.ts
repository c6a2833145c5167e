import { join } from 'node:path'
import { clarityConnection, loadConfig, serviceSpec, str } from '../../../lib/config.ts'
import { projectRoot } from '../../../infra/embedded.ts'

export const spec = {
  ...serviceSpec(7405),
  ...clarityConnection,
  ORDER_MAPPING_FILE: str('The order mapping file (for CustOrdNbr and SKUs back to Clarity)', join(projectRoot, 'mappings/orders.yaml'))
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
