import { int, loadConfig, serviceSpec, slConnection } from '../../../lib/config.ts'

export const spec = {
  ...serviceSpec(7407),
  ...slConnection,
  // The feed read is one indexed range query on tstamp; four a second is nothing for SL,
  // and it keeps the poll's share of SL-to-store freshness under a quarter second.
  SL_INVENTORY_POLL_MS: int('How often SL\'s inventory feed is read when idle (ms)', 250, 10)
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
