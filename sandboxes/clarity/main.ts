import { loadConfig } from '../../lib/config.ts'
import { serve } from '../common/serve.ts'
import { buildClaritySandbox } from './app.ts'
import { claritySandboxSpec } from './config.ts'

const c = loadConfig(claritySandboxSpec)
const sb = buildClaritySandbox({
  clientId: c.CLARITY_CLIENT_ID, clientSecret: c.CLARITY_CLIENT_SECRET, webhookSecrets: c.CLARITY_WEBHOOK_SECRET,
  webhookUrls: c.CLARITY_WEBHOOK_URLS, extraItems: c.SANDBOX_EXTRA_ITEMS,
  dataFile: c.CLARITY_SANDBOX_DATA === 'memory' ? undefined : c.CLARITY_SANDBOX_DATA,
  settings: { tokenTtlSec: c.CLARITY_TOKEN_TTL_SEC }
})
await serve('Clarity eCommerce sandbox', sb.app, sb.faults, c.CLARITY_SANDBOX_PORT)
