import { clarityConnection, int, loadConfig, optional, serviceSpec, str, type Var } from '../../../lib/config.ts'

/** A whole number with a ceiling as well as a floor. */
const intIn = (doc: string, dflt: number, min: number, max: number): Var<number> => ({
  doc,
  default: dflt,
  parse: (s) => {
    const n = Number(s)
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`expected a whole number from ${min} to ${max}`)
    return n
  }
})

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
  WEBHOOK_TOLERANCE_SEC: int('How old a signed webhook may be', 300, 1),
  // A fresh signature header of the right form is all it takes to have a body read, and each
  // body being read may hold up to WEBHOOK_MAX_BYTES for up to the request timeout: 4096 of
  // them at the default limit is 4 GiB.
  WEBHOOK_MAX_IN_FLIGHT: intIn(
    'Most webhook bodies read at once; one more is answered 503 with Retry-After: 1 before its body is read',
    64, 1, 4096
  )
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
