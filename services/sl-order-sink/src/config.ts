import { int, loadConfig, serviceSpec, slConnection } from '../../../lib/config.ts'

export const spec = {
  ...serviceSpec(7403),
  ...slConnection,
  SL_TIMEOUT_MS: int(
    'How long to wait for SL before treating a call as failed (it is then looked up before any retry)',
    15000, 1
  ),
  SL_IN_FLIGHT: int(
    'Orders of one partition in SL calls at once (different orders; one order\'s records stay in order)',
    16, 1
  ),
  CUSTOMER_WAIT_MS: int(
    'How long an order of a customer SL does not know yet waits for the customer sync before it is held',
    120000, 0
  )
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
