import { asSandbox, int, num, slConnection, str } from '../../lib/config.ts'

export const slSandboxSpec = {
  ...asSandbox(slConnection),
  SL_SANDBOX_PORT: int('SL sandbox port', 7301, 1),
  SL_SANDBOX_DATA: str('SL sandbox state file ("memory": keep nothing)', '.bridge/sandboxes/sl.json'),
  SL_SANDBOX_ALLOCATE_MS: int('Process Manager: order created → allocated', 1000),
  SL_SANDBOX_SHIP_MS: int('Process Manager: allocated → shipper created', 3000),
  SL_SANDBOX_CONFIRM_MS: int('Process Manager: shipper → confirmed with tracking', 2000),
  SL_SANDBOX_INVOICE_MS: int('Process Manager: confirmed → invoiced', 2000),
  SL_SANDBOX_OTHER_CHANNELS_PER_SEC: num('Units per second other sales channels take from SL stock', 0),
  SANDBOX_EXTRA_ITEMS: int('Synthetic items added to the seed catalogue of both sandboxes (set the same in both)', 0)
}
