// The services as background processes, for `bridge start` / `bridge stop`.
import { existsSync } from 'node:fs'
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
  'sl-customer-sink': 7413
}

const mainOf = (name: string): string => codePath(`services/${name}/src/main.ts`)
export const runnableServices = (): string[] => allServices.map((s) => s.name).filter((n) => existsSync(mainOf(n)))

export async function servicesUp (c: CliConfig, env: NodeJS.ProcessEnv): Promise<Endpoint[]> {
  const out: Endpoint[] = []
  for (const name of runnableServices()) {
    const port = SERVICE_PORTS[name] ?? 0
    out.push(await ensureRunning({
      name, dir: join(c.BRIDGE_HOME, 'run', name), port, address: `http://127.0.0.1:${port}`,
      elsewhere: `stop what uses it, or run ${name} yourself with another HTTP_PORT`,
      command: () => ({ ...nodeCommand(mainOf(name)), env: { ...process.env, ...env, HTTP_PORT: String(port) } }),
      ready: async () => { try { return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok } catch { return false } },
      timeoutMs: 60000
    }))
  }
  return out
}

export async function servicesDown (c: CliConfig, say: (l: string) => void): Promise<void> {
  for (const name of runnableServices().reverse()) await stopProcess(name, join(c.BRIDGE_HOME, 'run', name), say)
}
