import { int, loadConfig, serviceSpec, slConnection } from '../../../lib/config.ts'

export const spec = {
  ...serviceSpec(7404),
  ...slConnection,
  SL_POLL_INTERVAL_MS: int('How often SL\'s shipper feed is read when idle', 1000, 10)
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
