// bridge — operate the Clarity ⇄ Dynamics SL bridge: infrastructure, topology,
// topics and lag, replay.
import { writeFileSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError } from '../lib/config.ts'
import { infraStatus, projectRoot, resetInfra, startKafka, startRegistry, stopInfra } from '../infra/embedded.ts'
import { allServices, allTopics, prefixed } from '../topology/topology.ts'
import { applyTopology } from '../topology/apply.ts'
import { checkTopology } from '../topology/check.ts'
import { renderDiagram } from '../topology/diagram.ts'
import { aclScript } from '../topology/acls.ts'
import { cliRegistry, loadCliConfig, scrubberOf, withAdmin, type CliConfig } from './config.ts'
import { parseTarget, replay } from './replay.ts'
import { backfill, BACKFILLS, type BackfillKind } from './backfill.ts'
import {
  csvOf, OptionError, progressTo, reconcile, reconcileOptions, reconcileSources, summaryLines
} from './reconcile.ts'
import { sandboxDown, sandboxes, sandboxFaults, sandboxReset, sandboxUp, sandboxUrl } from './sandbox.ts'
import { INGEST_WEBHOOK_URL, SERVICE_PORTS, servicesDown, servicesUp } from './stack.ts'

const startHelp = 'the whole stack on the embedded defaults: infra, topology, sandboxes, services, demo load'
const reconcileHelp = 'payments and payouts in Clarity against SL\'s receivables and ledger; exit 1 on any difference'
const usage = `usage: bridge <command>
  start                                 ${startHelp}
  stop                                  stops what start started
  infra up | down | status | reset      the embedded Kafka and schema registry
  topology apply | check | diagram      make the cluster match topology/, check it, draw it
  topology acls [--command-config F]    the ACLs each service needs, as kafka-acls.sh commands
  sandbox up | down | reset             the Clarity and Dynamics SL sandboxes
  sandbox faults sl|clarity [--latency-ms N] [--answer-delay-ms N] [--rate429 F] [--rate503 F] [--retry-after S]
                 [--outage S] [--refuse S] [--rate-limit N] [--expire-tokens] [--clear]
                 sl only: [--backup] [--restore] [--move [--keep-tstamps]]   SL's database backed up, restored, moved
  topics                                topics, end offsets, and per group committed offset and lag
  replay --group G --topic T (--to-earliest | --to-offset P:O,… | --to-time ISO) [--dry-run]
  backfill inventory | products [--source-url URL]
                                        the whole current state from SL into Clarity; safe at any time
  reconcile --from DATE --to DATE [--csv FILE] [--prepaid-days N]   ${reconcileHelp}
`

export const schemaDir = join(projectRoot, 'schemas')
export const diagramFile = join(projectRoot, 'topology', 'TOPOLOGY.md')

class UsageError extends Error {}

let scrub = (text: string): string => text
const out = (line: string): void => { process.stdout.write(`${scrub(line)}\n`) }
const err = (text: string): void => { process.stderr.write(scrub(text)) }

async function infra (c: CliConfig, sub: string | undefined): Promise<number> {
  switch (sub) {
    case 'up': {
      if (c.externalKafka) out(`kafka: using KAFKA_BROKERS=${c.brokers.join(',')} (embedded broker not started)`)
      else { const k = await startKafka(c.infra); out(`kafka: ${k.detail}, pid ${k.pid}, ${k.address}`) }
      if (c.externalRegistry) {
        out(`registry: using SCHEMA_REGISTRY_URL=${c.registryUrl} (embedded registry not started)`)
      } else if (c.externalKafka && c.KAFKA_SECURITY_PROTOCOL !== 'PLAINTEXT') {
        throw new Error(`the embedded registry cannot keep its schemas in a cluster reached with ${
          c.KAFKA_SECURITY_PROTOCOL}: set SCHEMA_REGISTRY_URL to that cluster's registry`)
      } else {
        const r = await startRegistry(c.infra)
        out(`registry: ${r.detail}, pid ${r.pid}, ${r.address}`)
      }
      return 0
    }
    case 'down':
      await stopInfra(c.infra)
      return 0
    case 'reset':
      await stopInfra(c.infra)
      resetInfra(c.infra)
      out('embedded Kafka and registry data removed (the jar cache is kept)')
      return 0
    case 'status': {
      let ok = true
      for (const e of await infraStatus(c.infra)) {
        const external = e.name === 'kafka' ? c.externalKafka : c.externalRegistry
        if (external) {
          out(`${e.name}: external, ${e.name === 'kafka' ? c.brokers.join(',') : c.registryUrl}`)
          continue
        }
        out(`${e.name}: ${e.running ? `running, pid ${e.pid}, ${e.address}` : 'not running'} (${e.detail})`)
        ok &&= e.running
      }
      return ok ? 0 : 3
    }
    default: throw new UsageError(`unknown infra command: ${sub ?? '(none)'}`)
  }
}

async function topology (c: CliConfig, sub: string | undefined, rest: string[] = []): Promise<number> {
  switch (sub) {
    case 'acls': {
      const { values } = parseArgs({ args: rest, options: { 'command-config': { type: 'string' } } })
      const { services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
      const o = { bootstrap: c.brokers.join(','), commandConfig: values['command-config'] }
      for (const line of aclScript(Object.values(services), o)) out(line)
      return 0
    }
    case 'check': {
      const problems = checkTopology(allTopics, allServices, schemaDir)
      const diagram = renderDiagram(allTopics, allServices)
      if (!existsSync(diagramFile) || readFileSync(diagramFile, 'utf8') !== diagram) {
        problems.push('topology/TOPOLOGY.md is stale: run `bridge topology diagram`')
      }
      for (const p of problems) out(`✗ ${p}`)
      if (problems.length === 0) out(`topology ok: ${allTopics.length} topics, ${allServices.length} services`)
      return problems.length === 0 ? 0 : 1
    }
    case 'diagram':
      writeFileSync(diagramFile, renderDiagram(allTopics, allServices))
      out(`wrote ${diagramFile}`)
      return 0
    case 'apply': {
      const problems = checkTopology(allTopics, allServices, schemaDir)
      if (problems.length > 0) { for (const p of problems) out(`✗ ${p}`); return 1 }
      const { topics } = prefixed(c.BRIDGE_TOPIC_PREFIX)
      const changes = await withAdmin(c, (admin) =>
        applyTopology({ admin, registry: cliRegistry(c), topics: Object.values(topics), schemaDir }))
      for (const ch of changes) out(ch)
      out(changes.length === 0
        ? 'nothing to change: cluster and registry match the topology'
        : `${changes.length} change(s) applied`)
      return 0
    }
    default: throw new UsageError(`unknown topology command: ${sub ?? '(none)'}`)
  }
}

function sayExternalSandboxes (c: CliConfig): void {
  for (const s of sandboxes(c)) {
    if (s.external !== undefined) out(`${s.name}: using ${s.external} (sandbox not started)`)
  }
}

async function sandbox (c: CliConfig, sub: string | undefined, rest: string[]): Promise<number> {
  switch (sub) {
    case 'up':
      sayExternalSandboxes(c)
      for (const e of await sandboxUp(c)) out(`${e.name} sandbox: ${e.detail}, pid ${e.pid}, ${e.address}`)
      return 0
    case 'down':
      await sandboxDown(c, out)
      return 0
    case 'reset':
      for (const line of await sandboxReset(c)) out(line)
      return 0
    case 'faults':
      out(JSON.stringify(await sandboxFaults(c, rest), null, 2))
      return 0
    default: throw new UsageError(`unknown sandbox command: ${sub ?? '(none)'}`)
  }
}

async function topics (c: CliConfig): Promise<number> {
  await withAdmin(c, async (admin) => {
    const names = (await admin.listTopics()).filter((t) => !t.startsWith('_')).sort()
    const groups = (await admin.listGroups()).sort()
    for (const t of names) {
      const marks = await admin.watermarks(t)
      const total = marks.reduce((n, m) => n + BigInt(m.high) - BigInt(m.low), 0n)
      const ends = marks.map((m) => `${m.partition}:${m.high}`).join(',')
      out(`${t}  partitions=${marks.length}  end=${ends}  records=${total}`)
      for (const g of groups) {
        const committed = (await admin.groupOffsets(g, t)).filter((o) => o.offset !== '-1')
        if (committed.length === 0) continue
        // Offsets and end marks are read at slightly different moments: a partition is never
        // behind by less than nothing.
        const behind = (o: { partition: number, offset: string }): bigint => {
          const d = BigInt(marks.find((m) => m.partition === o.partition)?.high ?? o.offset) - BigInt(o.offset)
          return d > 0n ? d : 0n
        }
        const lag = committed.reduce((n, o) => n + behind(o), 0n)
        out(`  group ${g}  committed=${committed.map((o) => `${o.partition}:${o.offset}`).join(',')}  lag=${lag}`)
      }
    }
  })
  return 0
}

async function replayCmd (c: CliConfig, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      group: { type: 'string' }, topic: { type: 'string' },
      'to-earliest': { type: 'boolean' }, 'to-offset': { type: 'string' }, 'to-time': { type: 'string' },
      'dry-run': { type: 'boolean' }
    }
  })
  if (values.group === undefined || values.topic === undefined) throw new UsageError('replay needs --group and --topic')
  const target = parseTarget(values)
  const dryRun = values['dry-run'] === true
  const { before, after } = await withAdmin(c, (admin) =>
    replay(admin, { group: values.group!, topic: values.topic!, target, dryRun }))
  for (const a of after) {
    const b = before.find((x) => x.partition === a.partition)?.offset ?? '-1'
    out(`${values.topic}[${a.partition}]  ${b === '-1' ? 'none' : b} → ${a.offset}`)
  }
  out(dryRun
    ? 'dry run: nothing changed'
    : `group ${values.group} moved; its service re-reads from there on its next start`)
  return 0
}

function bar (done: number, total: number): string {
  const width = 30
  const filled = total === 0 ? 0 : Math.min(width, Math.round(width * done / total))
  const percent = total === 0 ? '' : `${Math.floor(100 * done / total)}% `
  const of = total === 0 ? '' : `/${total.toLocaleString('en-US')}`
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}${done.toLocaleString('en-US')}${of}`
}

async function backfillCmd (c: CliConfig, kind: string | undefined, argv: string[]): Promise<number> {
  if (kind === undefined || !(kind in BACKFILLS)) {
    throw new UsageError(`backfill what? ${Object.keys(BACKFILLS).join(' or ')}`)
  }
  const k = kind as BackfillKind
  const sourceName = { inventory: 'sl-inventory-source', products: 'sl-product-source' }[k]
  const { values } = parseArgs({ args: argv, options: { 'source-url': { type: 'string' } } })
  const sourceUrl = values['source-url'] ?? `http://127.0.0.1:${SERVICE_PORTS[sourceName]}`
  const tty = process.stderr.isTTY
  let last = ''
  const result = await withAdmin(c, (admin) => backfill({
    kind: k, admin, sourceUrl, prefix: c.BRIDGE_TOPIC_PREFIX,
    progress: (phase, done, total) => {
      const line = `${phase.padEnd(18)} ${bar(done, total)}`
      if (tty) err(`\r${line}`)
      else if (phase !== last) err(`${phase}…\n`)
      last = phase
    }
  }))
  if (tty) err('\n')
  const reread = `${result.records.toLocaleString('en-US')} ${BACKFILLS[k].noun} re-read from SL`
  out(result.pushed
    ? `${reread} and pushed to Clarity in ${(result.ms / 1000).toFixed(1)} s`
    : `${reread}; the Clarity sink is not running: they go to Clarity when it starts`)
  return 0
}

async function reconcileCmd (c: CliConfig, argv: string[]): Promise<number> {
  let o: ReturnType<typeof reconcileOptions>
  try { o = reconcileOptions(argv) } catch (e) { throw e instanceof OptionError ? new UsageError(e.message) : e }
  const r = await reconcile({ ...reconcileSources(c), ...o, progress: progressTo(err, process.stderr.isTTY, bar) })
  if (o.csv !== undefined) writeFileSync(o.csv, csvOf(r.rows))
  for (const line of summaryLines(r, o.csv)) out(line)
  return r.ok ? 0 : 1
}

async function start (c: CliConfig): Promise<number> {
  await infra(c, 'up')
  await topology(c, 'apply')
  const ingest = INGEST_WEBHOOK_URL
  sayExternalSandboxes(c)
  const webhooks = { CLARITY_WEBHOOK_URLS: c.CLARITY_WEBHOOK_URLS?.join(',') ?? ingest }
  for (const e of await sandboxUp(c, webhooks)) out(`${e.name} sandbox: ${e.detail}, ${e.address}`)
  const [sl, clarity] = sandboxes(c)
  const env = {
    KAFKA_BROKERS: c.brokers.join(','), SCHEMA_REGISTRY_URL: c.registryUrl,
    // A *_BASE_URL names a real system (whose credentials must be real); the sandboxes are found by *_SANDBOX_URL.
    ...(sl!.external === undefined ? { SL_SANDBOX_URL: sandboxUrl(sl!) } : { SL_BASE_URL: sl!.external }),
    ...(clarity!.external === undefined
      ? { CLARITY_SANDBOX_URL: sandboxUrl(clarity!) }
      : { CLARITY_BASE_URL: clarity!.external })
  }
  for (const e of await servicesUp(c, env)) out(`${e.name}: ${e.detail}, ${e.address}`)
  if (clarity!.external === undefined && c.DEMO_RATE > 0) {
    const demo = { load: { rate: c.DEMO_RATE }, returns: { share: 0.05 }, payouts: { auto: true } }
    const json = { 'content-type': 'application/json' }
    for (const [path, body] of Object.entries(demo)) {
      const url = `${sandboxUrl(clarity!)}/sandbox/${path}`
      await fetch(url, { method: 'PUT', headers: json, body: JSON.stringify(body) })
    }
    out(`demo load: ${c.DEMO_RATE} storefront orders per second, returns of 5% of those shipped, daily payouts`)
  }
  out('')
  out('The bridge is running:')
  out(`  Kafka                 ${c.brokers.join(',')}   (npx bridge topics: offsets and lag)`)
  out(`  schema registry       ${c.registryUrl}`)
  for (const s of sandboxes(c)) out(`  ${s.title.padEnd(21)} ${s.external ?? `${sandboxUrl(s)}/sandbox/state`}`)
  out(`  order analytics       http://127.0.0.1:${SERVICE_PORTS['order-analytics']}/analytics`)
  out('  each service          http://127.0.0.1:74xx/metrics and /readyz (ports 7401-7416)')
  out('Stop:  npx bridge stop')
  return 0
}

async function stop (c: CliConfig): Promise<number> {
  await servicesDown(c, out)
  await sandboxDown(c, out)
  await stopInfra(c.infra)
  return 0
}

export async function main (argv: string[]): Promise<number> {
  const [cmd, sub] = argv
  try {
    const c = loadCliConfig()
    scrub = scrubberOf(c)
    c.infra.say = (line) => { err(`${line}\n`) }
    switch (cmd) {
      case 'infra': return await infra(c, sub)
      case 'topology': return await topology(c, sub, argv.slice(2))
      case 'topics': return await topics(c)
      case 'start': return await start(c)
      case 'stop': return await stop(c)
      case 'sandbox': return await sandbox(c, sub, argv.slice(2))
      case 'replay': return await replayCmd(c, argv.slice(1))
      case 'backfill': return await backfillCmd(c, sub, argv.slice(2))
      case 'reconcile': return await reconcileCmd(c, argv.slice(1))
      case undefined: case 'help': case '--help': case '-h':
        out(usage)
        return cmd === undefined ? 2 : 0
      default: throw new UsageError(`unknown command: ${cmd}`)
    }
  } catch (e) {
    if (e instanceof UsageError) err(`bridge: ${e.message}\n${usage}`)
    else if (e instanceof ConfigError) err(`bridge: ${e.message}\n`)
    else err(`bridge: ${(e as Error).message}\n`)
    return e instanceof UsageError ? 2 : 1
  }
}
