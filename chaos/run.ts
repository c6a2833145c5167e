// A chaos run: the whole stack on a broker and registry of its own, two instances of every
// service, both sandboxes and the storefront's load, while chaos/schedule.ts's faults hit
// it; then the load stops, the faults clear, and chaos/reconcile.ts says whether anything
// was lost, duplicated or let through.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { adminTokenEnv } from '../cli/stack.ts'
import { alive, readPid } from '../infra/processes.ts'
import {
  infraStatus, kafkaAddress, projectRoot, registryAddress, startKafka, startRegistry, type InfraOptions
} from '../infra/embedded.ts'
import { createKafka, type Admin, type KafkaClient } from '../lib/kafka.ts'
import { createLogger } from '../lib/logger.ts'
import { createRegistry } from '../lib/registry.ts'
import { applyTopology } from '../topology/apply.ts'
import { prefixed } from '../topology/topology.ts'
import { badOrder } from './bad-orders.ts'
import { proc, webhookBalancer, type Balancer, type Proc } from './processes.ts'
import { reconcile, type Check, type Reconciliation } from './reconcile.ts'
import { describePlan, plan, prng, type ChaosEvent, type Plan } from './schedule.ts'
import { bounded, orderLatency, totalLag, webhooksInKafka } from './figures.ts'

/** The services a run starts, in start order; `npm run chaos` runs them all. */
export const ALL_SERVICES = [
  'clarity-ingest', 'order-mapper', 'sl-order-sink', 'sl-shipper-source', 'clarity-order-sink',
  'sl-inventory-source', 'clarity-inventory-sink', 'sl-product-source', 'clarity-product-sink',
  'sl-customer-source', 'clarity-customer-sink', 'sl-customer-sink', 'order-analytics', 'sl-payment-sink',
  'sl-payout-sink'
]
// One reconciliation of a 100,000-order run reads every topic and both sandboxes: minutes, not hours.
const RECONCILE_MS = 10 * 60_000

export interface ChaosOptions {
  orders: number
  minutes: number
  seed: number
  services?: string[]
  instances?: number
  /** Share of the orders that are bad (the catalogue in chaos/bad-orders.ts). */
  badShare?: number
  /** The run's ports start here: broker, registry, sandboxes, then two per service instance. */
  basePort?: number
  sessionTimeoutMs?: number
  /** How long the stack may take to reconcile once the faults are over before the run fails. */
  drainTimeoutMs?: number
  say?: (line: string) => void
}

export interface ChaosReport {
  ok: boolean
  plan: Plan
  checks: Check[]
  reconciliation?: Reconciliation
  figures: Record<string, number | string>
  /** Where the processes' logs were kept, when the run failed. */
  logs?: string
}

/** A call to a sandbox's steering routes; one that is refusing connections for a while is waited for. */
async function put (url: string, body: unknown, method = 'PUT'): Promise<Response> {
  const until = Date.now() + 60_000
  for (;;) {
    try {
      return await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    } catch (err) {
      if (Date.now() > until) throw err
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
}

/** SIGKILL to the embedded broker or registry, returning once it is gone (a start before would find it "running"). */
async function killed (infra: InfraOptions, name: 'kafka' | 'registry'): Promise<void> {
  const pid = (await infraStatus(infra)).find((x) => x.name === name)?.pid
  if (pid === undefined) return
  process.kill(pid, 'SIGKILL')
  while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 100))
}

export async function runChaos (o: ChaosOptions): Promise<ChaosReport> {
  const say = o.say ?? ((l: string) => { process.stdout.write(`${l}\n`) })
  const services = o.services ?? ALL_SERVICES
  const instances = o.instances ?? 2
  const runMs = Math.round(o.minutes * 60_000)
  const p = plan({ seed: o.seed, orders: o.orders, runMs, services, instances, badShare: o.badShare ?? 0.01 })
  for (const line of describePlan(p)) say(line)

  const home = mkdtempSync(join(tmpdir(), 'chaos-'))
  // The jars are the project's cache: a run downloads nothing the embedded infra already has.
  const cache = join(projectRoot, '.bridge', 'cache')
  mkdirSync(cache, { recursive: true })
  symlinkSync(cache, join(home, 'cache'))
  const base = o.basePort ?? 17600
  const infra: InfraOptions = { home, kafkaPort: base, registryPort: base + 5, env: process.env, say: (l) => say(`  ${l}`) }
  const logDir = join(home, 'logs')
  const procs: Proc[] = []
  let balancer: Balancer | undefined
  let admin: Admin | undefined
  const stopAll = async (): Promise<void> => {
    for (const x of procs) x.kill()
    await balancer?.close().catch(() => undefined)
    await admin?.disconnect().catch(() => undefined)
    // Their data goes with the run: nothing to stop cleanly for.
    for (const e of await infraStatus(infra).catch(() => [])) if (e.pid !== undefined) process.kill(e.pid, 'SIGKILL')
  }
  // Interrupted (Ctrl-C, a timeout's SIGTERM): nothing of the run is left running.
  const onExit = (): void => {
    for (const x of procs) x.kill()
    for (const d of ['kafka', 'registry']) {
      const pid = readPid(join(home, 'run', d))
      if (pid !== undefined) process.kill(pid, 'SIGKILL')
    }
  }
  const interrupted = (): void => { process.exit(130) }
  let ok = false
  process.once('exit', onExit)
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  try {
    await startKafka(infra)
    await startRegistry(infra)
    const brokers = [kafkaAddress(infra)]
    const registryUrl = registryAddress(infra)
    const kafka: KafkaClient = createKafka({ brokers, clientId: 'chaos', logger: createLogger('chaos', 'silent') })
    admin = await kafka.admin()
    await applyTopology({
      admin, registry: createRegistry(registryUrl), topics: Object.values(prefixed('').topics),
      schemaDir: join(projectRoot, 'schemas')
    })

    const slUrl = `http://127.0.0.1:${base + 20}`
    const clarityUrl = `http://127.0.0.1:${base + 21}`
    const ingest: Proc[] = []
    balancer = await webhookBalancer(base + 22, Array.from({ length: instances }, (_, i) => ({
      url: `http://127.0.0.1:${base + 101 + 2 * i}`, up: () => ingest[i]?.running() === true
    })))
    const sl = proc({
      name: 'sl-sandbox', script: 'sandboxes/sl/main.ts', port: base + 20, logDir, readyPath: '/sandbox/state',
      env: { SL_SANDBOX_PORT: String(base + 20), SL_SANDBOX_DATA: 'memory', LOG_LEVEL: 'warn' }
    })
    const clarity = proc({
      name: 'clarity-sandbox', script: 'sandboxes/clarity/main.ts', port: base + 21, logDir, readyPath: '/sandbox/state',
      env: {
        CLARITY_SANDBOX_PORT: String(base + 21), CLARITY_SANDBOX_DATA: 'memory', CLARITY_WEBHOOK_URLS: balancer.url,
        LOG_LEVEL: 'warn'
      }
    })
    procs.push(sl, clarity)
    sl.start()
    clarity.start()
    await Promise.all([sl.ready(60_000), clarity.ready(60_000)])

    const common = {
      KAFKA_BROKERS: brokers.join(','), SCHEMA_REGISTRY_URL: registryUrl, SL_SANDBOX_URL: slUrl,
      CLARITY_SANDBOX_URL: clarityUrl, LOG_LEVEL: 'warn',
      KAFKA_SESSION_TIMEOUT_MS: String(o.sessionTimeoutMs ?? 10_000), ...adminTokenEnv(home, {}),
      // The store lowers a location for each order, SL not always a level (a line backordered):
      // the sweep that sets it right comes every 15 s here, not every 5 minutes.
      INVENTORY_SWEEP_MS: '15000'
    }
    const byName = new Map<string, Proc[]>()
    // clarity-ingest's instances take the first ports (HTTP_PORT, WEBHOOK_PORT): the balancer's targets are fixed.
    let next = base + 100 + 2 * instances
    for (const name of services) {
      const list = Array.from({ length: instances }, (_, i) => {
        const ingesting = name === 'clarity-ingest'
        const http = ingesting ? base + 100 + 2 * i : next++
        const own: Record<string, string> = ingesting ? { WEBHOOK_PORT: String(http + 1) } : {}
        return proc({
          name: `${name}#${i}`, script: `services/${name}/src/main.ts`, port: http, logDir,
          env: { ...common, ...own, HTTP_PORT: String(http) }
        })
      })
      byName.set(name, list)
      procs.push(...list)
    }
    ingest.push(...(byName.get('clarity-ingest') ?? []))
    for (const x of procs.slice(2)) x.start()
    await Promise.all(procs.slice(2).map((x) => x.ready(120_000)))
    say(`stack up: ${procs.length - 2} service instances, broker ${brokers[0]}, registry ${registryUrl}`)

    const figures: ChaosReport['figures'] = { seed: o.seed }
    const bad: Array<{ orderId: string, kind: string, expect: string[] }> = []
    const rand = prng(o.seed ^ 0x5bd1e995)
    const retired = new Set<Proc>()
    const pending: Array<Promise<unknown>> = []
    const windows: Array<[number, number]> = []
    const t0 = Date.now()
    const stamp = (): string => `${((Date.now() - t0) / 1000).toFixed(1).padStart(7)} s`
    const actInfra = async (e: Extract<ChaosEvent, { kind: 'broker-kill' | 'registry-restart' }>): Promise<void> => {
      if (e.kind === 'broker-kill') {
        windows.push([Date.now(), Date.now() + e.downMs + 15_000])
        await killed(infra, 'kafka')
        await new Promise((resolve) => setTimeout(resolve, e.downMs))
        await startKafka(infra)
      } else {
        windows.push([Date.now(), Date.now() + 40_000])
        await killed(infra, 'registry')
        await startRegistry(infra)
      }
    }
    // The broker's and the registry's events one after another: a kill never lands on a start still under way.
    let infraChain: Promise<void> = Promise.resolve()
    const inTurn = async (fn: () => Promise<void>): Promise<void> => {
      const run = infraChain.then(fn)
      infraChain = run.catch(() => undefined)
      await run
    }
    const act = async (e: ChaosEvent): Promise<void> => {
      if (e.kind === 'broker-kill' || e.kind === 'registry-restart') return await inTurn(async () => { await actInfra(e) })
      switch (e.kind) {
        case 'kill': {
          const x = byName.get(e.service)![e.instance]!
          if (retired.has(x)) return
          x.kill()
          await new Promise((resolve) => setTimeout(resolve, e.downMs))
          if (!retired.has(x)) x.start()
          return
        }
        case 'retire': {
          const x = byName.get(e.service)![e.instance]!
          retired.add(x)
          x.kill()
          return
        }
        case 'sl-outage':
          windows.push([Date.now(), Date.now() + e.sec * 1000 + 10_000])
          await put(`${slUrl}/sandbox/faults`, { outageSec: e.sec })
          return
        case 'sl-throttle':
          windows.push([Date.now(), Date.now() + e.sec * 1000 + 10_000])
          await put(`${slUrl}/sandbox/faults`, { rate429: e.rate429, retryAfterSec: 2 })
          await new Promise((resolve) => setTimeout(resolve, e.sec * 1000))
          await put(`${slUrl}/sandbox/faults`, { rate429: 0 })
          return
        case 'sl-refuse':
          windows.push([Date.now(), Date.now() + e.sec * 1000 + 10_000])
          await put(`${slUrl}/sandbox/faults`, { refuseSec: e.sec })
          return
        case 'clarity-tokens-expire':
          await put(`${clarityUrl}/sandbox/tokens/expire`, {}, 'POST')
          return
        case 'bad-order': {
          const b = badOrder(e.n, rand)
          const r = await put(`${clarityUrl}/sandbox/storefront/orders`, b.body, 'POST')
          if (!r.ok) throw new Error(`the storefront refused bad order ${e.n} (${b.kind}): ${r.status}`)
          bad.push({ orderId: String(((await r.json()) as { ID: number }).ID), kind: b.kind, expect: b.expect })
        }
      }
    }

    await put(`${slUrl}/sandbox/faults`, { dropAnswerRate: 0.01 })
    await put(`${slUrl}/sandbox/settings`, { otherChannelsPerSec: 1 })
    await put(`${clarityUrl}/sandbox/webhooks`, { duplicateRate: 0.05, reorder: true, dropRate: 0.01 })
    await put(`${clarityUrl}/sandbox/load`, { rate: p.ratePerSec })
    const errors: string[] = []
    const timers = p.events.map(({ at, event }) => setTimeout(() => {
      if (event.kind !== 'bad-order') say(`${stamp()}  ${event.kind} ${'service' in event ? `${event.service}#${event.instance}` : ''}`)
      pending.push(act(event).catch((err: Error) => { errors.push(`${event.kind}: ${err.message}`) }))
    }, at))
    // With the payout sink: today's payouts half-way, amid the faults; what is left as tomorrow's at the end.
    const payouts = services.includes('sl-payout-sink')
    const payOut = async (body: object): Promise<void> => {
      const r = await put(`${clarityUrl}/sandbox/payouts/run`, body, 'POST')
      if (!r.ok) throw new Error(`payouts: the Clarity sandbox answered ${r.status}`)
    }
    if (payouts) {
      timers.push(setTimeout(() => {
        say(`${stamp()}  payouts of today`)
        pending.push(payOut({}).catch((err: Error) => { errors.push(err.message) }))
      }, runMs / 2))
    }
    await new Promise((resolve) => setTimeout(resolve, runMs))
    await put(`${clarityUrl}/sandbox/load`, { rate: 0 })
    await put(`${slUrl}/sandbox/settings`, { otherChannelsPerSec: 0 })
    for (const t of timers) clearTimeout(t)
    await Promise.all(pending)
    await put(`${slUrl}/sandbox/faults`, {}, 'DELETE')
    await put(`${clarityUrl}/sandbox/webhooks`, { duplicateRate: 0, reorder: false, dropRate: 0 })
    for (const x of procs) if (!retired.has(x) && !x.running()) x.start()
    if (payouts) await payOut({ date: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) })
    const quiet = Date.now()
    say(`${stamp()}  load stopped, faults cleared; draining`)
    const placed = ((await (await fetch(`${clarityUrl}/sandbox/load`)).json()) as { placed: number }).placed
    figures.placed = placed

    const payments = services.includes('sl-payment-sink')
    // Drained: nothing left to read in any group, then everything reconciled.
    const deadline = quiet + (o.drainTimeoutMs ?? 300_000)
    let rec: Reconciliation | undefined
    const reconcileArgs = { slUrl, clarityUrl, kafka, registryUrl, prefix: '', bad, payments, payouts }
    let lagZeroMs: number | undefined
    let shown = 0
    while (Date.now() < deadline) {
      const lag = await bounded('reading the lag', 30_000, totalLag(admin, services)).catch(() => -1)
      let open = lag < 0 ? 'the lag cannot be read yet' : `lag ${lag}`
      if (lag === 0) {
        lagZeroMs ??= Date.now() - quiet
        rec = await bounded('reconciling', RECONCILE_MS, reconcile(reconcileArgs)).catch(() => undefined)
        if (rec?.ok === true) break
        open = `lag 0; not yet: ${rec?.checks.filter((c) => !c.ok).map((c) => c.name).join('; ') ?? 'reconciliation failed'}`
      } else lagZeroMs = undefined
      if (Date.now() - shown > 15_000) { say(`${stamp()}  ${open}`); shown = Date.now() }
      await new Promise((resolve) => setTimeout(resolve, 3000))
    }
    // Not drained in time (a machine that cannot keep up with the rate asked): a failed
    // check with the lag left, not a crash that prints no report.
    rec ??= await bounded('reconciling', RECONCILE_MS, reconcile(reconcileArgs)).catch((err: Error) => {
      const left = lagZeroMs === undefined ? '; the lag never reached 0' : ''
      return {
        ok: false,
        checks: [{ name: 'reconciled after the drain', ok: false, detail: `${err.message}${left}` }],
        figures: {
          sent: placed, created: NaN, duplicated: NaN, lost: NaN, deadLettered: { expected: bad.length, found: NaN }
        }
      }
    })
    figures.drainToLagZeroSec = lagZeroMs === undefined ? 'never' : (lagZeroMs / 1000).toFixed(1)
    figures.drainToReconciledSec = rec.ok ? ((Date.now() - quiet) / 1000).toFixed(1) : 'never'
    const latency = await bounded('reading the latencies', RECONCILE_MS, orderLatency(slUrl, clarityUrl, windows))
      .catch(() => ({ p50: NaN, p99: NaN, n: 0 }))
    figures.latencyP50Ms = latency.p50
    figures.latencyP99Ms = latency.p99
    figures.latencyOrders = latency.n
    figures.restarts = procs.reduce((n, x) => n + Math.max(0, x.starts - 1), 0)
    figures.exitsNotAskedFor = procs.reduce((n, x) => n + x.exits, 0)
    const checks: Check[] = [
      ...rec.checks,
      await bounded('reading the webhooks taken', RECONCILE_MS, webhooksInKafka(kafka, balancer.accepted)).catch((err: Error) =>
        ({ name: 'every webhook a clarity-ingest answered 2xx is in Kafka', ok: false, detail: err.message })),
      { name: 'the faults ran', ok: errors.length === 0, detail: errors.length === 0 ? 'all' : errors.slice(0, 5).join('; ') }
    ]
    const f = rec.figures
    Object.assign(figures, {
      sent: f.sent, created: f.created, duplicated: f.duplicated, lost: f.lost,
      deadLetteredExpected: f.deadLettered.expected, deadLetteredFound: f.deadLettered.found
    })
    ok = checks.every((c) => c.ok)
    return { ok, plan: p, checks, reconciliation: rec, figures, logs: ok ? undefined : logDir }
  } finally {
    process.removeListener('exit', onExit)
    process.removeListener('SIGINT', interrupted)
    process.removeListener('SIGTERM', interrupted)
    await stopAll()
    // A failed run keeps its processes' logs (the report names the folder); the data goes.
    if (ok) rmSync(home, { recursive: true, force: true })
    else {
      for (const d of ['kafka', 'registry']) {
        try { copyFileSync(join(home, 'run', d, 'out.log'), join(logDir, `${d}.log`)) } catch { /* never started */ }
      }
      rmSync(join(home, 'run'), { recursive: true, force: true })
    }
  }
}
