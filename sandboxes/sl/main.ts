import { int, loadConfig, num, slConnection, str } from '../../lib/config.ts'
import { serve } from '../common/serve.ts'
import { buildSlSandbox } from './app.ts'

const c = loadConfig({
  ...slConnection,
  SL_SANDBOX_PORT: int('SL sandbox port', 7301, 1),
  SL_SANDBOX_DATA: str('SL sandbox state file', '.bridge/sandboxes/sl.json'),
  SL_SANDBOX_ALLOCATE_MS: int('Process Manager: order created → allocated', 1000),
  SL_SANDBOX_SHIP_MS: int('Process Manager: allocated → shipper created', 3000),
  SL_SANDBOX_CONFIRM_MS: int('Process Manager: shipper → confirmed with tracking', 2000),
  SL_SANDBOX_INVOICE_MS: int('Process Manager: confirmed → invoiced', 2000),
  SL_SANDBOX_OTHER_CHANNELS_PER_SEC: num('Units per second other sales channels take from SL stock', 0)
})
const sb = buildSlSandbox({
  user: c.SL_API_USER, password: c.SL_API_PASSWORD, cpnyId: c.SL_CPNY_ID, dataFile: c.SL_SANDBOX_DATA,
  settings: {
    allocateAfterMs: c.SL_SANDBOX_ALLOCATE_MS, shipAfterMs: c.SL_SANDBOX_SHIP_MS, confirmAfterMs: c.SL_SANDBOX_CONFIRM_MS,
    invoiceAfterMs: c.SL_SANDBOX_INVOICE_MS, otherChannelsPerSec: c.SL_SANDBOX_OTHER_CHANNELS_PER_SEC
  }
})
await serve('Dynamics SL sandbox', sb.app, sb.faults, c.SL_SANDBOX_PORT)
