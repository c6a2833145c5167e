import { clarityConnection, int, loadConfig, serviceSpec } from '../../../lib/config.ts'

export const spec = {
  ...serviceSpec(7401),
  ...clarityConnection,
  CLARITY_POLL_INTERVAL_MS: int('How often the ModifiedSince poller looks for orders never pushed (0 = off)', 30000),
  CLARITY_POLL_LOOKBACK_MS: int('On its very first start, how far back the poller looks', 3600000),
  WEBHOOK_MAX_BYTES: int('Largest webhook body accepted; far above a 1,000-line order', 8 * 1024 * 1024, 1024),
  WEBHOOK_TOLERANCE_SEC: int('How old a signed webhook may be', 300, 1)
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
