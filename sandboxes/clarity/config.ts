import { asSandbox, clarityConnection, int, list, str } from '../../lib/config.ts'

export const claritySandboxSpec = {
  ...asSandbox(clarityConnection),
  CLARITY_SANDBOX_PORT: int('Clarity sandbox port', 7302, 1),
  CLARITY_SANDBOX_DATA: str('Clarity sandbox state file ("memory": keep nothing)', '.bridge/sandboxes/clarity.json'),
  CLARITY_WEBHOOK_URLS: list('Where the Clarity sandbox delivers webhooks, comma separated', []),
  CLARITY_TOKEN_TTL_SEC: int('Lifetime of a Clarity access token', 300, 1),
  SANDBOX_EXTRA_ITEMS: int('Synthetic items added to the seed catalogue of both sandboxes (set the same in both)', 0)
}
