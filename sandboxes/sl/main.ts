import { loadConfig } from '../../lib/config.ts'
import { serve } from '../common/serve.ts'
import { buildSlSandbox } from './app.ts'
import { slSandboxSpec } from './config.ts'

const c = loadConfig(slSandboxSpec)
const sb = buildSlSandbox({
  user: c.SL_API_USER, password: c.SL_API_PASSWORD, cpnyId: c.SL_CPNY_ID, extraItems: c.SANDBOX_EXTRA_ITEMS,
  dataFile: c.SL_SANDBOX_DATA === 'memory' ? undefined : c.SL_SANDBOX_DATA,
  settings: {
    allocateAfterMs: c.SL_SANDBOX_ALLOCATE_MS, shipAfterMs: c.SL_SANDBOX_SHIP_MS,
    confirmAfterMs: c.SL_SANDBOX_CONFIRM_MS, invoiceAfterMs: c.SL_SANDBOX_INVOICE_MS,
    otherChannelsPerSec: c.SL_SANDBOX_OTHER_CHANNELS_PER_SEC
  }
})
await serve('Dynamics SL sandbox', sb.app, sb.faults, c.SL_SANDBOX_PORT)
