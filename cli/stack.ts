// The services as background processes, for `bridge start` / `bridge stop`.
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { codePath } from '../lib/paths.ts'
import { ensureRunning, nodeCommand, stopProcess, type Endpoint } from '../infra/processes.ts'
import { allServices } from '../topology/topology.ts'
import type { CliConfig } from './config.ts'

/** Each service's default port (its config.ts says the same). */
export const SERVICE_PORTS: Record<string, number> = {
  'clarity-ingest': 7401, 'order-mapper': 7402, 'sl-order-sink': 7403, 'sl-shipper-source': 7404,
  'clarity-order-sink': 7405, 'order-analytics': 7406, 'sl-inventory-source': 7407, 'clarity-inventory-sink': 7408,
  'sl-product-source': 7409, 'clarity-product-sink': 7410, 'sl-customer-source': 7411, 'clarity-customer-sink': 7412,
  'sl-customer-sink': 7413, 'sl-payment-sink': 7414, 'sl-payout-sink': 7415,
  'sl-return-sink': 7416
}

/** Where clarity-ingest takes Clarity's webhooks (WEBHOOK_PORT); its HTTP_PORT has health, metrics, admin. */
export const INGEST_WEBHOOK_PORT = 7400
export const INGEST_WEBHOOK_URL = `http://127.0.0.1:${INGEST_WEBHOOK_PORT}/webhooks/clarity`

/** Where `bridge start` keeps the admin token of the services it runs, and `bridge backfill` finds it. */
export const adminTokenFile = (home: string): string => join(home, 'admin-token')

const given = (s: string | undefined): boolean => s !== undefined && s !== ''

/**
 * What tells the services their admin token: the environment's own (ADMIN_TOKEN or
 * ADMIN_TOKEN_FILE), else a random one made once and kept in a file only this user can
 * read, passed as ADMIN_TOKEN_FILE so it shows in no process listing.
 */
export function adminTokenEnv (home: string, env: NodeJS.ProcessEnv): Record<string, string> {
  if (given(env.ADMIN_TOKEN) || given(env.ADMIN_TOKEN_FILE)) return {}
  const file = adminTokenFile(home)
  if (!existsSync(file)) {
    mkdirSync(home, { recursive: true })
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' })
  }
  // Made by hand, or under another umask: the token is a secret all the same.
  chmodSync(file, 0o600)
  return { ADMIN_TOKEN_FILE: file }
}

const mainOf = (name: string): string => codePath(`services/${name}/src/main.ts`)
export const runnableServices = (): string[] => allServices.map((s) => s.name).filter((n) => existsSync(mainOf(n)))

export async function servicesUp (c: CliConfig, env: NodeJS.ProcessEnv): Promise<Endpoint[]> {
  const out: Endpoint[] = []
  const token = adminTokenEnv(c.BRIDGE_HOME, process.env)
  for (const name of runnableServices()) {
    const port = SERVICE_PORTS[name] ?? 0
    const own = name === 'clarity-ingest' ? { WEBHOOK_PORT: String(INGEST_WEBHOOK_PORT) } : {}
    out.push(await ensureRunning({
      name, dir: join(c.BRIDGE_HOME, 'run', name), port, address: `http://127.0.0.1:${port}`,
      elsewhere: `stop what uses it, or run ${name} yourself with another HTTP_PORT`,
      command: () => ({
        ...nodeCommand(mainOf(name)),
        env: { ...process.env, ...env, ...token, ...own, HTTP_PORT: String(port) }
      }),
      ready: async () => { try { return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok } catch { return false } },
      timeoutMs: 60000
    }))
  }
  return out
}

export async function servicesDown (c: CliConfig, say: (l: string) => void): Promise<void> {
  for (const name of runnableServices().reverse()) await stopProcess(name, join(c.BRIDGE_HOME, 'run', name), say)
}
