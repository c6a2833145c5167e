import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startSlInventorySource } from './service.ts'

await runMain(() => startSlInventorySource(loadConfig(spec)))
