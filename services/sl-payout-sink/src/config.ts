import { join } from 'node:path'
import { loadConfig, serviceSpec, slConnection, str } from '../../../lib/config.ts'
import { projectRoot } from '../../../lib/paths.ts'

export const spec = {
  ...serviceSpec(7415),
  ...slConnection,
  PAYOUT_MAPPING_FILE: str('The payout mapping file (GL accounts, subaccount, journal type)',
    join(projectRoot, 'mappings/payouts.yaml'))
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
