import { int, loadConfig, serviceSpec, slConnection } from '../../../lib/config.ts'

export const spec = {
  ...serviceSpec(7409),
  ...slConnection,
  SL_PRODUCT_POLL_MS: int('How often SL\'s item master feed is read when idle (ms)', 2000, 10)
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
