import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startOrderMapper } from './service.ts'

await runMain(() => startOrderMapper(loadConfig(spec)))
