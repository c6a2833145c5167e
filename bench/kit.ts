// The kit's consumer loop (Avro decode → identity → Avro encode, produce, commit)
// against raw kafkajs passthrough of the same bytes, on the same broker in one run.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadCliConfig } from '../cli/config.ts'
import { startKafka, startRegistry, projectRoot } from '../infra/embedded.ts'
import { createKafka } from '../lib/kafka.ts'
import { createLogger } from '../lib/logger.ts'
import { createRegistry, createSerde } from '../lib/registry.ts'
import { readSchema } from '../lib/serdes.ts'
import { topics as declared } from '../topology/topology.ts'
import { alternating, kitLoop, rawPassthrough, type Ctx } from './measure.ts'

const N = Number(process.env.BENCH_MESSAGES ?? 100000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const PARTITIONS = 3

export async function run (): Promise<void> {
  const c = loadCliConfig()
  if (!c.externalKafka) await startKafka(c.infra)
  if (!c.externalRegistry) await startRegistry(c.infra)
  const logger = createLogger('bench', 'warn')
  const kafka = createKafka({ brokers: c.brokers, clientId: 'bench', logger })
  const admin = await kafka.admin()
  const id = Date.now().toString(36)
  const src = `bench.kit.${id}.src`
  const srcSimple = `bench.kit.${id}.simple`
  const [outRaw, outKit, outSimple] = [`bench.kit.${id}.raw`, `bench.kit.${id}.kit`, `bench.kit.${id}.kit-simple`]
  const all = [src, srcSimple, outRaw, outKit, outSimple, `${src}.dlq`, `${srcSimple}.dlq`]
  await admin.createTopics(all.map((name) => ({ name, partitions: PARTITIONS, configs: {} })))

  // ~1 KB orders: the fixture with a few more lines.
  const registry = createRegistry(c.registryUrl)
  const serde = await createSerde<Record<string, unknown>>(registry, `${src}-value`, readSchema(declared.ordersRaw))
  const fixture = JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/orders.raw/eur-coupon.json'), 'utf8')) as { order: { SalesItems: object[] } }
  const item = fixture.order.SalesItems[0]!
  fixture.order.SalesItems = Array.from({ length: 5 }, (_, i) => ({ ...item, ID: i + 1 }))
  const sample = serde.encode(fixture)
  // The same size with a plain shape: what the loop itself costs, apart from Avro work.
  const simpleSerde = await createSerde<Record<string, unknown>>(registry, `${srcSimple}-value`, readSchema(declared.cursors))
  const simple = simpleSerde.encode({ name: 'bench', position: 'x'.repeat(sample.length - 20), updatedAt: Date.now() })
  process.stdout.write(`bench kit: ${N} messages per run, ${PARTITIONS} partitions, Kafka at ${c.brokers.join(',')}\n`)
  process.stdout.write(`  order record ${sample.length} bytes (orders.raw, 5 lines, 29 decimals); simple record ${simple.length} bytes (one string)\n`)

  const producer = await kafka.producer()
  for (let i = 0; i < N; i += 5000) {
    await producer.send(Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({
      topic: src, key: String(i + j), value: sample
    })))
    await producer.send(Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({
      topic: srcSimple, key: String(i + j), value: simple
    })))
  }

  let registryCalls = 0
  const total = async (topic: string): Promise<number> =>
    (await admin.watermarks(topic)).reduce((n, m) => n + Number(m.high), 0)
  const ctx: Ctx = { kafka, brokers: c.brokers, producer, logger, total, n: N, partitions: PARTITIONS }
  const line = (label: string, r: number): void => { process.stdout.write(`  ${label.padEnd(44)} ${Math.round(r).toLocaleString('en-US').padStart(9)} msg/s\n`) }

  // (b) the kit's loop: decode → identity → encode, produce, commit.
  const kitRun = async (from: string, to: string, reader: typeof serde, round: number): Promise<number> => {
    const out = await createSerde<Record<string, unknown>>(registry, `${to}-value`, readSchema(from === src ? declared.ordersRaw : declared.cursors))
    const before = registry.requests()
    const r = await kitLoop(ctx, from, to, `bench-kit-${to}-${round}`, async (rec) => [{ topic: to, key: rec.key, value: out.encode(await reader.decode(rec.value!)) }])
    registryCalls += registry.requests() - before
    return r
  }
  const { medians: [raw, kitSimple, kitOrder], all: rounds } = await alternating(ROUNDS, [
    (r) => rawPassthrough(ctx, src, outRaw, `bench-raw-${id}-${r}`),
    (r) => kitRun(srcSimple, outSimple, simpleSerde, r),
    (r) => kitRun(src, outKit, serde, r)
  ])
  process.stdout.write(`  medians of ${ROUNDS} alternating rounds after one to warm up (rounds: ${rounds.map((xs) => xs.map((x) => Math.round(x / 1000)).join('/')).join(', ')} thousand)\n`)
  line('(a) raw kafkajs passthrough', raw!)
  line('(b) kit loop, simple ~1 KB record', kitSimple!)
  line('(b) kit loop, order record', kitOrder!)

  process.stdout.write(`  ratio (b)/(a), simple record                  ${(kitSimple! / raw!).toFixed(2)}   (target ≥ 0.80)\n`)
  process.stdout.write(`  ratio (b)/(a), order record                   ${(kitOrder! / raw!).toFixed(2)}   (Avro work on ~100 fields dominates)\n`)
  process.stdout.write(`  registry requests while measuring (b)         ${registryCalls}      (target 0)\n`)
  await admin.deleteTopics(all)
  await producer.disconnect()
  await admin.disconnect()
}
