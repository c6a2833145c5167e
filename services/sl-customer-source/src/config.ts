import { int, loadConfig, serviceSpec, slConnection } from '../../../lib/config.ts'

export const spec = {
  ...serviceSpec(7411),
  ...slConnection,
  SL_CUSTOMER_POLL_MS: int('How often SL\'s customer feed is read when idle (ms)', 1000, 10)
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
