import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startClarityInventorySink } from './service.ts'

await runMain(() => startClarityInventorySink(loadConfig(spec)))
