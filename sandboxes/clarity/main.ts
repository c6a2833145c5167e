import { clarityConnection, int, list, loadConfig, str } from '../../lib/config.ts'
import { serve } from '../common/serve.ts'
import { buildClaritySandbox } from './app.ts'

const c = loadConfig({
  ...clarityConnection,
  CLARITY_SANDBOX_PORT: int('Clarity sandbox port', 7302, 1),
  CLARITY_SANDBOX_DATA: str('Clarity sandbox state file', '.bridge/sandboxes/clarity.json'),
  CLARITY_WEBHOOK_URLS: list('Where the Clarity sandbox delivers webhooks, comma separated', []),
  CLARITY_TOKEN_TTL_SEC: int('Lifetime of a Clarity access token', 300, 1)
})
const sb = buildClaritySandbox({
  clientId: c.CLARITY_CLIENT_ID, clientSecret: c.CLARITY_CLIENT_SECRET, webhookSecrets: c.CLARITY_WEBHOOK_SECRET,
  webhookUrls: c.CLARITY_WEBHOOK_URLS, dataFile: c.CLARITY_SANDBOX_DATA, settings: { tokenTtlSec: c.CLARITY_TOKEN_TTL_SEC }
})
await serve('Clarity eCommerce sandbox', sb.app, sb.faults, c.CLARITY_SANDBOX_PORT)
