import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startSlReturnSink } from './service.ts'

await runMain(() => startSlReturnSink(loadConfig(spec)))
