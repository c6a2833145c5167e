import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startSlCustomerSource } from './service.ts'

await runMain(() => startSlCustomerSource(loadConfig(spec)))
