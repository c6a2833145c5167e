import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startSlPaymentSink } from './service.ts'

await runMain(() => startSlPaymentSink(loadConfig(spec)))
