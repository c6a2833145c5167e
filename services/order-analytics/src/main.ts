import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startOrderAnalytics } from './service.ts'

await runMain(() => startOrderAnalytics(loadConfig(spec)))
