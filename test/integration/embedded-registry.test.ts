// The embedded registry keeps its schemas and ids in the embedded broker: a restart of
// either leaves every record in Kafka readable with the values it was written with, and
// `topology apply` (what `bridge start` runs) changes no id. A broker and registry of
// this file's own, on ports of their own, so the shared ones other tests use stay up.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kafkaAddress, projectRoot, REGISTRY_TOPICS, registryAddress, startKafka, startRegistry, stopInfra, stopKafka, stopRegistry, type InfraOptions } from '../../infra/embedded.ts'
import { portOpen } from '../../infra/processes.ts'
import { createKafka, type Admin, type KafkaClient } from '../../lib/kafka.ts'
import { createRegistry, createSerde, type Registry, type Serde } from '../../lib/registry.ts'
import { readSchema, SCHEMA_DIR } from '../../lib/serdes.ts'
import { startService } from '../../lib/service.ts'
import { applyTopology } from '../../topology/apply.ts'
import { allTopics, prefixed, subjectOf } from '../../topology/topology.ts'
import { quiet, readRecords, unique, waitFor } from '../helpers.ts'

const KAFKA_PORT = 19392 // and 19393, its controller
const REGISTRY_PORT = 19381 // and 19391, its management port
const home = mkdtempSync(join(tmpdir(), 'bridge-home-'))
const o: InfraOptions = { home, kafkaPort: KAFKA_PORT, registryPort: REGISTRY_PORT, env: process.env, say: () => {} }
const { topics } = prefixed('restart.')
const declared = allTopics.map((t) => Object.values(topics).find((x) => x.name === `restart.${t.name}`)!)

type Value = Record<string, unknown>
const fixtures = (schema: string): Value[] => {
  const dir = join(projectRoot, 'test', 'fixtures', schema)
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Value)
}

let kafka: KafkaClient
let admin: Admin
const ids = new Map<string, number>()
const written = new Map<string, Value[]>()

async function connect (): Promise<{ registry: Registry }> {
  await admin?.disconnect().catch(() => undefined)
  kafka = createKafka({ brokers: [kafkaAddress(o)], clientId: 'restart-test', logger: quiet })
  admin = await kafka.admin()
  return { registry: createRegistry(registryAddress(o)) }
}

async function idsNow (registry: Registry): Promise<Map<string, number | undefined>> {
  const now = new Map<string, number | undefined>()
  for (const t of declared) now.set(subjectOf(t), await registry.lookup(subjectOf(t), readSchema(t)))
  return now
}

/** Every record written before, read back through a registry client with nothing cached. */
async function readBack (registry: Registry): Promise<void> {
  for (const t of declared) {
    const serde: Serde<Value> = await createSerde(registry, subjectOf(t), readSchema(t))
    const records = await readRecords(kafka, t.name, written.get(t.name)!.length)
    expect(await Promise.all(records.map(async (r) => await serde.decode(r.value!))), t.name)
      .toEqual(written.get(t.name))
  }
}

beforeAll(async () => {
  for (const port of [KAFKA_PORT, KAFKA_PORT + 1, REGISTRY_PORT, REGISTRY_PORT + 10]) {
    if (await portOpen(port)) throw new Error(`port ${port}, which this test's own broker and registry need, is taken`)
  }
  // The jar cache is shared; the data is this test's own.
  mkdirSync(join(projectRoot, '.bridge', 'cache'), { recursive: true })
  symlinkSync(join(projectRoot, '.bridge', 'cache'), join(home, 'cache'))
  await startKafka(o)
  await startRegistry(o)
})
afterAll(async () => {
  await admin?.disconnect().catch(() => undefined)
  await stopInfra(o)
  rmSync(home, { recursive: true, force: true })
}, 120000)

describe('the embedded registry across restarts', () => {
  it('keeps every schema and id when the registry restarts, and then when the broker restarts', async () => {
    let { registry } = await connect()
    const original = registry
    await applyTopology({ admin, registry, topics: declared, schemaDir: SCHEMA_DIR })
    // A second version of one subject, so the ids are not simply the order of registration.
    const status = declared.find((t) => t.schema === 'orders.status')!
    const v1 = readSchema(status) as { fields: object[] }
    await registry.register(subjectOf(status), { ...v1, fields: [...v1.fields, { name: 'note', type: ['null', 'string'], default: null }] })
    for (const [subject, id] of await idsNow(registry)) ids.set(subject, id!)

    for (const t of declared) {
      const serde = await createSerde<Value>(registry, subjectOf(t), readSchema(t))
      const values = fixtures(t.schema)
      const producer = await kafka.producer()
      await producer.send(values.map((v, i) => ({ topic: t.name, key: `k${i}`, value: serde.encode(v) })))
      await producer.disconnect()
      // As a reader sees them: decimals at their scale.
      written.set(t.name, await Promise.all(values.map(async (v) => await serde.decode(serde.encode(v)))))
    }

    await stopRegistry(o)
    await startRegistry(o)
    ;({ registry } = await connect())
    expect(Object.fromEntries(await idsNow(registry))).toEqual(Object.fromEntries(ids))
    await readBack(registry)
    // What `bridge start` runs: nothing to register, no id moves.
    expect((await applyTopology({ admin, registry, topics: declared, schemaDir: SCHEMA_DIR })).filter((c) => c.startsWith('registered'))).toEqual([])
    expect(Object.fromEntries(await idsNow(registry))).toEqual(Object.fromEntries(ids))

    await stopKafka(o)
    await startKafka(o)
    ;({ registry } = await connect())
    await readBack(registry)
    expect(Object.fromEntries(await idsNow(registry))).toEqual(Object.fromEntries(ids))
    // A schema registered now takes a new id, never one already given out.
    const fresh = await registry.register(`${unique('fresh')}-value`, { type: 'record', name: 'Fresh', fields: [{ name: 'n', type: 'int' }] })
    expect([...ids.values()]).not.toContain(fresh)
    await original.checkWriters()
  }, 300000)

  it('a service whose schema ids the registry lost (its store wiped under it) stops with SCHEMA_ID_LOST instead of writing records nobody could read', async () => {
    const cursors = declared.find((t) => t.schema === 'bridge.cursors')!
    let exited: number | undefined
    const service = { name: unique('lost'), doc: 'test', consumes: [], produces: [cursors], calls: [] }
    const config = { KAFKA_BROKERS: [kafkaAddress(o)], SCHEMA_REGISTRY_URL: registryAddress(o), LOG_LEVEL: 'silent', REGISTRY_CHECK_MS: 200 }
    const running = await startService({
      service, config, inputs: [], exit: ((code: number) => { exited = code }) as never
    })
    await running.kit.serde(cursors)
    await running.kit.registry.checkWriters()

    // What the in-memory registry did at every restart: the same ids handed out again,
    // for other schemas. While it is away the service only waits.
    await stopRegistry(o)
    await admin.deleteTopics([REGISTRY_TOPICS.journal, REGISTRY_TOPICS.snapshots])
    await waitFor('the registry topics to be gone', async () => !(await admin.listTopics()).includes(REGISTRY_TOPICS.journal))
    expect(exited, 'stopped while the registry was only away').toBeUndefined()
    await startRegistry(o)
    await createRegistry(registryAddress(o)).register(`${unique('other')}-value`, { type: 'record', name: 'Other', fields: [{ name: 'o', type: 'string' }] })
    await expect(running.kit.registry.checkWriters()).rejects.toMatchObject({ code: 'SCHEMA_ID_LOST', kind: 'fatal', message: expect.stringMatching(/now names a different schema|is no longer in the registry/) })
    await waitFor('the service to stop', () => exited !== undefined, 30000)
    expect(exited).toBe(1)
  }, 300000)
})
