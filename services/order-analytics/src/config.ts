import { int, loadConfig, serviceSpec } from '../../../lib/config.ts'

export const spec = {
  ...serviceSpec(7406),
  ANALYTICS_TOP_SKUS: int('How many SKUs the top list holds', 10, 1)
}
export type Config = ReturnType<typeof loadConfig<typeof spec>>
