import { loadConfig } from '../../../lib/config.ts'
import { runMain } from '../../../lib/service.ts'
import { spec } from './config.ts'
import { startSlShipperSource } from './service.ts'

await runMain(() => startSlShipperSource(loadConfig(spec)))
