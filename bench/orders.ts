// Orders end to end: an open-loop generator posts signed Clarity webhooks at a fixed
// rate (never waiting for answers) to the real services, on the real broker, against
// the sandboxes; latency is webhook intended send time → SL order created, so it is
// corrected for coordinated omission. Then the mapper against raw passthrough.
import hdr from 'hdr-histogram-js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadCliConfig } from '../cli/config.ts'
import { projectRoot, startKafka, startRegistry } from '../infra/embedded.ts'
import { call, connections } from '../lib/clients/http.ts'
import { createClarityClient } from '../lib/clients/clarity.ts'
import { loadConfig } from '../lib/config.ts'
import { createKafka } from '../lib/kafka.ts'
import { createLogger } from '../lib/logger.ts'
import { createRegistry } from '../lib/registry.ts'
import { topicSerdes } from '../lib/serdes.ts'
import { handlerInWorkers, WORKER_CHUNK } from '../lib/workers.ts'
import { spec as mapperSpec } from '../services/order-mapper/src/config.ts'
import { createMapperHandler } from '../services/order-mapper/src/handler.ts'
import type { OrderEvent } from '../services/order-mapper/src/transform.ts'
import { signed, shopper } from '../test/orders-harness.ts'
import { prefixed } from '../topology/topology.ts'
import { alternating, kafkajsBuilds, kitLoop, rawPassthrough, type Ctx } from './measure.ts'
import { benchStack, pool, sleep } from './stack.ts'

const RATES = (process.env.BENCH_RATES ?? '100,250,500,750').split(',').map(Number)
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3)
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 10)
const [WARM_RATE, WARM_S] = [Number(process.env.BENCH_WARM_RATE ?? 100), Number(process.env.BENCH_WARM_S ?? 10)]
const SL_LATENCY_MS = Number(process.env.BENCH_SL_LATENCY_MS ?? 0)
const SENDER_CONNECTIONS = Number(process.env.BENCH_SENDER_CONNECTIONS ?? 128)
const SKUS = ['WIDGET-RED-L', 'WIDGET-BLUE-M', 'VALVE-STEEL-100', 'GAUGE-DRY-0300', 'HOSE-PVC-10FT', 'FILTER-MESH-MD']

const SECRET = 'whsec_bench'
const PORTS = { sl: 17501, clarity: 17502, 'clarity-ingest': 17511, 'order-mapper': 17512, 'sl-order-sink': 17513 }

async function endToEnd (): Promise<void> {
  const stack = await benchStack(PORTS, { CLARITY_WEBHOOK_SECRET: SECRET, CLARITY_POLL_INTERVAL_MS: '0' })
  const { c } = stack
  let stageReader: (() => Promise<void>) | undefined
  try {
    await stack.start('sl')
    await stack.start('clarity')
    for (const svc of ['clarity-ingest', 'order-mapper', 'sl-order-sink'] as const) await stack.start(svc)
    const sl = `http://127.0.0.1:${PORTS.sl}`
    const clarityUrl = `http://127.0.0.1:${PORTS.clarity}`
    const ingestUrl = `http://127.0.0.1:${PORTS['clarity-ingest']}`
    const sender = connections(SENDER_CONNECTIONS)
    // Only the SL order's creation is timed: the warehouse stays idle.
    await fetch(`${sl}/sandbox/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ autoShip: false, allocateAfterMs: 3600000 }) })
    // A real SL API layer answers in tens of milliseconds at best; the sandbox can be made to.
    if (SL_LATENCY_MS > 0) await fetch(`${sl}/sandbox/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: SL_LATENCY_MS }) })
    const clarity = createClarityClient({ baseUrl: clarityUrl, clientId: 'bridge', clientSecret: 'bridge-dev' })
    for (const sku of SKUS) {
      await clarity.updateStock(['MAIN', 'EAST', 'WEST'].map((LocationKey) => ({ ProductKey: sku, LocationKey, Quantity: 10_000_000, QuantityAllocated: 0 })))
    }
    process.stdout.write(`bench orders: webhook → SL order created, open loop, after ${WARM_S} s at ${WARM_RATE}/s to warm every process up; ${WARMUP_S} s warm-up + ${MEASURE_S} s measured per rate; each service and sandbox its own process; SL answers after ≥ ${SL_LATENCY_MS} ms; Kafka at ${c.brokers.join(',')}\n`)
    process.stdout.write('  rate/s   sent  created    p50 ms    p99 ms  p99.9 ms    max ms  backlog after 2 s  sustained\n')

    let best = 0
    let slTstamp = 0
    // With BENCH_TIMELINE: when each order reached orders.raw and orders.mapped (the
    // records' own timestamps), to tell which stage a slow second was slow in.
    const stages = new Map<string, { raw?: number, mapped?: number }>()
    stageReader = process.env.BENCH_TIMELINE === undefined
      ? undefined
      : await readStages(c.brokers, [
        prefixed(stack.prefix).topics.ordersRaw.name, prefixed(stack.prefix).topics.ordersMapped.name
      ], stages)
    // Every process starts cold (JIT, connections, tokens): a first load at a modest rate,
    // not measured, so the first measured rate sees services as production runs them.
    const steps = [WARM_RATE, ...RATES].map((rate, i) => ({
      rate, warming: i === 0, n: i === 0 ? rate * WARM_S : rate * (WARMUP_S + MEASURE_S)
    }))
    // The orders exist in Clarity before any load starts, all of them: placing thousands
    // between two rates would leave its aftermath (GC, a cold generator) on the next one.
    const placed: Array<{ cust: string, body: string }> = []
    await pool(Array.from({ length: steps.reduce((t, s) => t + s.n, 0) }, (_, i) => i), 32, async (i) => {
      const r = await fetch(`${clarityUrl}/sandbox/storefront/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(shopper([{ sku: SKUS[i % SKUS.length]!, quantity: 1 }])) })
      const o = await r.json() as { ID: number }
      placed.push({ cust: String(o.ID), body: JSON.stringify({ id: `evt_bench_${o.ID}`, type: 'order.created', createdAt: new Date().toISOString(), data: o }) })
    })
    for (const { rate, warming, n } of steps) {
      if (n === 0) continue
      const bodies = placed.splice(0, n)
      // The sender keeps a pool of connections open, as a webhook sender does, instead of
      // opening new ones when a burst needs them: a busy Node server accepts about one
      // new connection per turn of its event loop, so that would measure the sender.
      await Promise.all(Array.from({ length: SENDER_CONNECTIONS }, () => call('ingest', `${ingestUrl}/healthz`, { dispatcher: sender, timeoutMs: 10000 })))
      // As Clarity does: a webhook not taken (503, no answer) is sent again a little later.
      let redelivered = 0
      const deliver = async (body: string): Promise<void> => {
        for (;;) {
          try {
            const a = await call('ingest', `${ingestUrl}/webhooks/clarity`, { method: 'POST', headers: signed(body, SECRET), body, timeoutMs: 30000, dispatcher: sender })
            if (a.status < 300) return
          } catch { /* retried below */ }
          redelivered++
          await sleep(1000)
        }
      }
      const intended = new Map<string, number>()
      const hist = hdr.build({
        lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3
      })
      const t0 = Date.now() + 100
      const warmEnd = t0 + WARMUP_S * 1000
      let sent = 0
      // What each process spends per order while the measured load runs.
      const cpuAtWarmEnd = new Promise<Map<string, number>>((resolve) =>
        setTimeout(() => resolve(stack.cpu()), warmEnd - Date.now()))
      await new Promise<void>((resolve) => {
        const tick = (): void => {
          const now = Date.now()
          while (sent < n && t0 + sent * 1000 / rate <= now) {
            const { cust, body } = bodies[sent]!
            intended.set(cust, t0 + sent * 1000 / rate)
            void deliver(body)
            sent++
          }
          if (sent >= n) resolve()
          // Woken when the next one is due, not every millisecond: a wake-up costs CPU the services need.
          else setTimeout(tick, Math.max(0, t0 + sent * 1000 / rate - Date.now()))
        }
        tick()
      })
      const lastIntended = t0 + (n - 1) * 1000 / rate
      const [cpuFrom, cpuTo] = [await cpuAtWarmEnd, await stack.cpu()]
      const cpuMs = [...cpuTo].map(([name, s]) =>
        [name, (s - (cpuFrom.get(name) ?? s)) * 1000 / (rate * MEASURE_S)] as const)
      // Created times are SL's own Crtd_DateTime.
      const seen = new Set<string>()
      const timeline: Array<[number, number, string]> = []
      const collect = async (): Promise<void> => {
        const page = await (await fetch(`${sl}/sandbox/state/orders?SinceTstamp=${slTstamp}`)).json() as { Items: Array<{ CustOrdNbr: string, Crtd_DateTime: string, tstamp: number }> }
        for (const o of page.Items) {
          slTstamp = Math.max(slTstamp, o.tstamp)
          const at = intended.get(o.CustOrdNbr)
          if (at === undefined || seen.has(o.CustOrdNbr)) continue
          seen.add(o.CustOrdNbr)
          if (at >= warmEnd) hist.recordValue(Math.max(1, Date.parse(o.Crtd_DateTime) - at))
          timeline.push([at - t0, Math.round(Date.parse(o.Crtd_DateTime) - at), o.CustOrdNbr])
        }
      }
      while (Date.now() < lastIntended + 2000) {
        await collect()
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      await collect()
      const backlog = n - seen.size
      const deadline = Date.now() + 120000
      while (seen.size < n && Date.now() < deadline) {
        await collect()
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      // Where the slow orders were: worst latency per second of intended send time.
      if (process.env.BENCH_TIMELINE !== undefined) {
        const worst = new Map<number, [number, string]>()
        for (const [at, ms, cust] of timeline) {
          const sec = Math.floor(at / 1000)
          if (ms > (worst.get(sec)?.[0] ?? -1)) worst.set(sec, [ms, cust])
        }
        const split = (cust: string, ms: number): string => {
          const st = stages.get(cust)
          const sentAt = intended.get(cust)!
          if (st?.raw === undefined || st.mapped === undefined) return String(ms)
          return `${ms}=${Math.round(st.raw - sentAt)}+${st.mapped - st.raw}+${Math.round(sentAt + ms - st.mapped)}`
        }
        process.stdout.write(`  worst ms per second${stageReader !== undefined ? ' (= ingest + mapper + sink)' : ''}: ${[...worst].sort((a, b) => a[0] - b[0]).map(([, [ms, cust]]) => split(cust, ms)).join(' ')}\n`)
      }
      if (warming) continue
      const sustained = backlog === 0 && hist.getValueAtPercentile(99) <= 1000
      if (sustained) best = Math.max(best, rate)
      const ms = (p: number): string => String(Math.round(hist.getValueAtPercentile(p))).padStart(9)
      process.stdout.write(`  ${String(rate).padStart(6)} ${String(sent).padStart(6)} ${String(seen.size).padStart(8)} ${ms(50)} ${ms(99)} ${ms(99.9)} ${String(Math.round(hist.maxValue)).padStart(9)} ${String(backlog).padStart(18)}  ${sustained ? 'yes' : 'no'}${redelivered > 0 ? ` (${redelivered} webhooks answered 503 and sent again)` : ''}\n`)
      if (cpuMs.length > 0) process.stdout.write(`         CPU ms per order: ${cpuMs.map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ')}; all ${cpuMs.reduce((t, [, ms]) => t + ms, 0).toFixed(2)}\n`)
      if (!sustained && seen.size < n) break
    }
    process.stdout.write(`  highest rate sustained without growing lag: ${best} orders/s (targets: ≥ 500/s with p99 ≤ 250 ms)\n`)
  } finally {
    await stageReader?.()
    await stack.stopAll()
  }
}

/** Reads the topics from the start, noting each record's timestamp by key and topic; answers how to stop. */
async function readStages (
  brokers: string[], [raw, mapped]: [string, string], into: Map<string, { raw?: number, mapped?: number }>
): Promise<() => Promise<void>> {
  const consumer = new kafkajsBuilds.fixed.Kafka({ clientId: 'bench-stages', brokers, logLevel: kafkajsBuilds.fixed.logLevel.NOTHING }).consumer({ groupId: `bench-stages-${Date.now()}`, maxWaitTimeInMs: 1000 })
  await consumer.connect()
  await consumer.subscribe({ topics: [raw, mapped], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const key = message.key?.toString() ?? ''
      const st = into.get(key) ?? {}
      st[topic === raw ? 'raw' : 'mapped'] ??= Number(message.timestamp)
      into.set(key, st)
    }
  })
  return () => consumer.disconnect()
}

/** The mapper's handler, on its worker threads as the service runs it, against raw passthrough of the same records. */
async function mapperVsRaw (): Promise<void> {
  const c = loadCliConfig()
  if (!c.externalKafka) await startKafka(c.infra)
  if (!c.externalRegistry) await startRegistry(c.infra)
  const logger = createLogger('bench', 'warn')
  const prefix = `bench.mapper.${Date.now().toString(36)}.`
  const config = loadConfig(mapperSpec, {
    ...process.env, BRIDGE_TOPIC_PREFIX: prefix, SCHEMA_REGISTRY_URL: c.registryUrl
  })
  // Its producer lingers as the service's does.
  const kafka = createKafka({ brokers: c.brokers, clientId: 'bench', logger, lingerMs: config.KAFKA_LINGER_MS })
  const admin = await kafka.admin()
  const { topics } = prefixed(prefix)
  const ROUNDS = Number(process.env.BENCH_MAPPER_ROUNDS ?? 5)
  const src = topics.ordersRaw.name
  const [outRaw, outMapped] = [`${prefix}orders.pass`, topics.ordersMapped.name]
  const names = [src, `${src}.dlq`, outRaw, outMapped]
  await admin.createTopics(names.map((name) => ({ name, partitions: 3, configs: {} })))
  const inSerde = await topicSerdes(createRegistry(c.registryUrl))<OrderEvent>(topics.ordersRaw)
  const fixture = JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/orders.raw/eur-coupon.json'), 'utf8')) as OrderEvent
  const value = inSerde.encode(fixture)
  const N = Number(process.env.BENCH_MAPPER_MESSAGES ?? 100000)
  const producer = await kafka.producer()
  for (let i = 0; i < N; i += 5000) {
    await producer.send(Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({
      topic: src, key: String(i + j), value
    })))
  }
  const total = async (topic: string): Promise<number> =>
    (await admin.watermarks(topic)).reduce((n, m) => n + Number(m.high), 0)
  const ctx: Ctx = { kafka, brokers: c.brokers, producer, logger, total, n: N, partitions: 3 }
  const module = new URL('../services/order-mapper/src/handler.ts', import.meta.url).href
  const serde = topicSerdes(createRegistry(c.registryUrl))
  const pool = config.MAPPER_WORKERS > 0 ? await handlerInWorkers({ module, exportName: 'createMapperHandler', config, count: config.MAPPER_WORKERS, serde }) : undefined
  const inThread = pool === undefined ? await createMapperHandler({ config, serde }) : undefined
  const { medians: [raw, mapped, fixedRaw], all: [raws, maps, fixedRaws] } = await alternating(ROUNDS, [
    (r) => rawPassthrough(ctx, src, outRaw, `bench-pass-${prefix}${r}`, kafkajsBuilds.stock),
    (r) => kitLoop(ctx, src, outMapped, `bench-mapper-${prefix}${r}`, pool !== undefined ? { handleBatch: pool.handleBatch, batchSize: WORKER_CHUNK } : inThread!),
    (r) => rawPassthrough(ctx, src, outRaw, `bench-pass-fixed-${prefix}${r}`, kafkajsBuilds.fixed)
  ])
  await pool?.close()
  const k = (x: number): string => Math.round(x).toLocaleString('en-US')
  // Each mapper round against the raw round run just before it: the machine's drift over
  // the minutes of the whole measurement (±20% here) cancels out of the ratio.
  const ratios = maps!.map((m, i) => m / raws![i]!)
  const ratio = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!
  process.stdout.write(`  mapper (MAPPER_WORKERS=${config.MAPPER_WORKERS}), ${ROUNDS} alternating rounds of ${k(N)} orders after one to warm up: ${k(mapped!)} msg/s vs raw kafkajs passthrough ${k(raw!)} msg/s (medians); per round ${ratios.map((x) => x.toFixed(2)).join(', ')}: median ${ratio.toFixed(2)} (target ≥ 0.80)\n`)
  process.stdout.write(`    raw passthrough on kafkajs with the kit's fixes (patches/kafkajs.ts): ${k(fixedRaw!)} msg/s; the mapper is ${(mapped! / fixedRaw!).toFixed(2)} of that\n`)
  process.stdout.write(`    rounds, raw: ${raws!.map(k).join(', ')}; raw with fixes: ${fixedRaws!.map(k).join(', ')}; mapper: ${maps!.map(k).join(', ')}\n`)
  await admin.deleteTopics(names)
  await producer.disconnect()
  await admin.disconnect()
}

export async function run (): Promise<void> {
  const only = process.env.BENCH_PARTS?.split(',') ?? ['e2e', 'mapper']
  if (only.includes('e2e')) await endToEnd()
  if (only.includes('mapper')) await mapperVsRaw()
}
