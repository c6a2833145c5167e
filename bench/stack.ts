// For benchmarks: the sandboxes and services each in a process of their own, as in
// production, under a topic prefix of their own on the embedded (or given) broker.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadCliConfig, type CliConfig } from '../cli/config.ts'
import { adminTokenEnv } from '../cli/stack.ts'
import { infraStatus, projectRoot, startKafka, startRegistry } from '../infra/embedded.ts'
import { ensureRunning, readPid, stopProcess, nodeCommand } from '../infra/processes.ts'
import { createKafka } from '../lib/kafka.ts'
import { createLogger } from '../lib/logger.ts'
import { createRegistry } from '../lib/registry.ts'
import { applyTopology } from '../topology/apply.ts'
import { prefixed } from '../topology/topology.ts'

/**
 * Services with a public address of their own: the benchmark's port for them is that one
 * (the address a client posts to), and their HTTP_PORT (health, metrics) is 1000 above it.
 */
const PUBLIC_PORT: Record<string, string> = { 'clarity-ingest': 'WEBHOOK_PORT' }
const opsPort = (name: string, port: number): number => PUBLIC_PORT[name] === undefined ? port : port + 1000

const SCRIPTS: Record<string, { script: string, ready: string }> = {
  sl: { script: 'sandboxes/sl/main.ts', ready: '/sandbox/state' },
  clarity: { script: 'sandboxes/clarity/main.ts', ready: '/sandbox/state' }
}

export interface BenchStack {
  c: CliConfig
  prefix: string
  url: (name: string) => string
  /** Starts a sandbox ('sl', 'clarity') or a service by folder name, with extra environment. */
  start: (name: string, env?: Record<string, string>) => Promise<void>
  stop: (name: string) => Promise<void>
  stopAll: () => Promise<void>
  /** CPU seconds used so far by each process of the stack (threads included), the broker and this one; Linux only. */
  cpu: () => Promise<Map<string, number>>
}

export async function benchStack (
  ports: Record<string, number>, env: Record<string, string> = {}
): Promise<BenchStack> {
  const c = loadCliConfig()
  if (!c.externalKafka) await startKafka(c.infra)
  if (!c.externalRegistry) await startRegistry(c.infra)
  const home = mkdtempSync(join(tmpdir(), 'bench-'))
  const prefix = `bench.${Date.now().toString(36)}.`
  const admin = await createKafka({ brokers: c.brokers, clientId: 'bench', logger: createLogger('bench', 'warn') }).admin()
  await applyTopology({ admin, registry: createRegistry(c.registryUrl), topics: Object.values(prefixed(prefix).topics), schemaDir: join(projectRoot, 'schemas') })
  await admin.disconnect()
  const url = (name: string): string => `http://127.0.0.1:${ports[name]!}`
  const base = {
    KAFKA_BROKERS: c.brokers.join(','), SCHEMA_REGISTRY_URL: c.registryUrl, BRIDGE_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn',
    // The sandboxes by *_SANDBOX_URL: a *_BASE_URL names a real system, whose credentials must be real.
    SL_SANDBOX_URL: url('sl'), CLARITY_SANDBOX_URL: url('clarity'), SL_SANDBOX_PORT: String(ports.sl), CLARITY_SANDBOX_PORT: String(ports.clarity),
    SL_SANDBOX_DATA: 'memory', CLARITY_SANDBOX_DATA: 'memory',
    // As `bridge start` does, so that `backfill` finds the token where the CLI does.
    ...adminTokenEnv(c.BRIDGE_HOME, process.env), ...env
  }
  const running: string[] = []
  const stop = async (name: string): Promise<void> => {
    await stopProcess(name, join(home, name), () => {})
    running.splice(running.indexOf(name), 1)
  }
  return {
    c, prefix, url,
    start: async (name, extra = {}) => {
      const { script, ready } = SCRIPTS[name] ?? { script: `services/${name}/src/main.ts`, ready: '/readyz' }
      running.push(name)
      const port = ports[name]!
      const ops = opsPort(name, port)
      const own = PUBLIC_PORT[name] === undefined ? {} : { [PUBLIC_PORT[name]]: String(port) }
      await ensureRunning({
        name, dir: join(home, name), port: ops, address: url(name), elsewhere: 'free the port for the benchmark',
        command: () => ({
          ...nodeCommand(join(projectRoot, script)),
          env: { ...process.env, ...base, ...extra, ...own, HTTP_PORT: String(ops) }
        }),
        ready: async () => { try { return (await fetch(`http://127.0.0.1:${ops}${ready}`)).ok } catch { return false } }
      })
    },
    stop,
    cpu: async () => {
      const pids = new Map<string, number | undefined>(running.map((name) => [name, readPid(join(home, name))]))
      for (const e of await infraStatus(c.infra)) if (e.name === 'kafka') pids.set('broker', e.pid)
      const own = process.cpuUsage()
      const used = new Map<string, number>([['generator', (own.user + own.system) / 1e6]])
      for (const [name, pid] of pids) {
        const s = pid !== undefined ? cpuSeconds(pid) : undefined
        if (s !== undefined) used.set(name, s)
      }
      return used
    },
    stopAll: async () => {
      for (const name of [...running].reverse()) await stop(name)
      rmSync(home, { recursive: true, force: true })
      // A broker that keeps every run's partitions gets slower run after run.
      const a = await createKafka({ brokers: c.brokers, clientId: 'bench', logger: createLogger('bench', 'warn') }).admin()
      await a.deleteTopics((await a.listTopics()).filter((t) => t.startsWith(prefix))).catch(() => undefined)
      await a.disconnect()
    }
  }
}

/** utime + stime of a process from /proc (fields 14 and 15, counted after the command name). */
function cpuSeconds (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100 // clock ticks: 100 a second on Linux
  } catch { return undefined }
}

/** Runs `fn` over `items`, `width` at a time. */
export async function pool<T> (items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => { while (next < items.length) await fn(items[next++]!) }))
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
export const json = async <T> (url: string, init?: RequestInit): Promise<T> => {
  const r = await fetch(url, init)
  if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${r.status} ${await r.text()}`)
  return await r.json() as T
}
export const put = (body: unknown): RequestInit => ({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
