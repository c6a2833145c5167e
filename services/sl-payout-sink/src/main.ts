import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startSlPayoutSink } from './service.ts'

await runMain(() => startSlPayoutSink(loadConfig(spec)))
