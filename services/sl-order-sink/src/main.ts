import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startSlOrderSink } from './service.ts'

await runMain(() => startSlOrderSink(loadConfig(spec)))
