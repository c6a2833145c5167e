import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startSlCustomerSink } from './service.ts'

await runMain(() => startSlCustomerSink(loadConfig(spec)))
