import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startClarityProductSink } from './service.ts'

await runMain(() => startClarityProductSink(loadConfig(spec)))
