import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startClarityCustomerSink } from './service.ts'

await runMain(() => startClarityCustomerSink(loadConfig(spec)))
