import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startSlProductSource } from './service.ts'

await runMain(() => startSlProductSource(loadConfig(spec)))
