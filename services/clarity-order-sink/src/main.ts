import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startClarityOrderSink } from './service.ts'

await runMain(() => startClarityOrderSink(loadConfig(spec)))
