import { clarityConnection, int, loadConfig, optional, serviceSpec, str } from '../../../lib/config.ts'

export const spec = {
  ...serviceSpec(7401),
  ...clarityConnection,
  WEBHOOK_HOST: str(
    'Address the webhook (POST /webhooks/clarity, nothing else) listens on: the one to expose to Clarity',
    '127.0.0.1'
  ),
  WEBHOOK_PORT: int('Port of the webhook; HTTP_PORT keeps /healthz, /readyz and /metrics', 7400),
  CLARITY_POLL_INTERVAL_MS: int('How often the ModifiedSince poller looks for orders never pushed (0 = off)', 30000),
  CLARITY_POLL_LOOKBACK_MS: int('On its very first start, how far back the poller looks', 3600000),
  WEBHOOK_MAX_BYTES: optional(int(
    'Largest webhook body taken; unset: what orders.raw and customers.raw take (max.message.bytes, asked of the ' +
    'broker), less room for the record around it', undefined, 1024
  )),
  WEBHOOK_TOLERANCE_SEC: int('How old a signed webhook may be', 300, 1)
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
