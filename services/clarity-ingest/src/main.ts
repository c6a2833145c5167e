import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startClarityIngest } from './service.ts'

await runMain(() => startClarityIngest(loadConfig(spec)))
