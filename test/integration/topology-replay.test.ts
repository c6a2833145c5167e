// topology apply and bridge replay against the real broker and b.registry.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { withoutFields } from '../../lib/avro.ts'
import { createRegistry, createSerde } from '../../lib/registry.ts'
import { readSchema } from '../../lib/serdes.ts'
import { startService } from '../../lib/service.ts'
import { projectRoot } from '../../infra/embedded.ts'
import { schemaDir } from '../../cli/main.ts'
import { parseTarget, replay } from '../../cli/replay.ts'
import { applyTopology } from '../../topology/apply.ts'
import { subjectOf, type Topic } from '../../topology/topology.ts'
import { useBroker, createTopics, env, kitConfig, testTopic, unique, waitFor } from '../helpers.ts'

const b = useBroker()

describe('topology apply', () => {
  it('creates topics, dead-letter topics and subjects once; a second run changes nothing', async () => {
    const base = unique('topo')
    const declared: Topic[] = [
      { ...testTopic(`${base}.orders`, 'orders.raw', 3), cleanup: 'delete', retentionMs: 86400000 },
      { ...testTopic(`${base}.levels`, 'inventory.changes', 2), cleanup: 'compact', deadLetters: false }
    ]
    const first = await applyTopology({ admin: b.admin, registry: b.registry, topics: declared, schemaDir })
    expect(first).toEqual(expect.arrayContaining([
      `created topic ${base}.orders (3 partitions, delete)`,
      `created topic ${base}.orders.dlq (3 partitions, delete)`,
      `created topic ${base}.levels (2 partitions, compact)`
    ]))
    expect(first.filter((c) => c.startsWith('registered'))).toHaveLength(2)
    const described = await b.admin.describeTopics([`${base}.orders`, `${base}.levels`])
    expect(described.find((t) => t.name === `${base}.levels`)).toMatchObject({ partitions: 2, configs: { 'cleanup.policy': 'compact' } })
    expect(described.find((t) => t.name === `${base}.orders`)).toMatchObject({ partitions: 3, configs: { 'retention.ms': '86400000' } })

    expect(await applyTopology({ admin: b.admin, registry: b.registry, topics: declared, schemaDir })).toEqual([])

    // Drift is put back: more partitions and a new retention are applied in place.
    const grown = declared.map((t, i) => i === 0 ? { ...t, partitions: 4, retentionMs: 172800000 } : t)
    expect(await applyTopology({ admin: b.admin, registry: b.registry, topics: grown, schemaDir }))
      .toEqual(expect.arrayContaining([
        `topic ${base}.orders: partitions 3 → 4`,
        `topic ${base}.orders: retention.ms=172800000`
      ]))
  })

  it('the registry refuses an incompatible schema change and accepts a compatible one', async () => {
    const t = testTopic(unique('evolve'), 'orders.status')
    const subject = subjectOf(t)
    const schema = readSchema(t) as { fields: object[] }
    await b.registry.register(subject, schema)
    const required = { ...schema, fields: [...schema.fields, { name: 'warehouse', type: 'string' }] }
    await expect(b.registry.register(subject, required)).rejects.toThrow(/incompatible|compatib/i)
    const optional = { ...schema, fields: [...schema.fields, { name: 'warehouse', type: ['null', 'string'], default: null }] }
    expect(await b.registry.register(subject, optional)).toBeGreaterThan(0)
  })

  it('a serde reads back what it wrote, small or larger than its buffer, and refuses cut, padded or invalid values with the reason', async () => {
    const t = testTopic(unique('serde'), 'orders.status')
    const serde = await createSerde<Record<string, unknown>>(b.registry, subjectOf(t), readSchema(t))
    const small = { clarityOrderId: 7, CustOrdNbr: '7', status: 'HELD', OrdNbr: null, reason: 'credit hold ✓', at: 1795774503000 }
    const large = { ...small, reason: 'ü'.repeat(40000) }
    for (const v of [small, large, small]) {
      const bytes = serde.encode(v)
      expect(bytes.readUInt32BE(1)).toBeGreaterThan(0)
      expect(await serde.decode(bytes)).toEqual(v)
    }
    const bytes = serde.encode(small)
    await expect(serde.decode(bytes.subarray(0, bytes.length - 3))).rejects.toMatchObject({ code: 'DECODE_FAILED', message: expect.stringMatching(/truncated/) })
    await expect(serde.decode(Buffer.concat([bytes, Buffer.from([0])]))).rejects.toMatchObject({ code: 'DECODE_FAILED', message: expect.stringMatching(/trailing/) })
    expect(() => serde.encode({ ...small, status: 42 })).toThrow(/invalid value at status/)
    expect(await serde.decode(serde.encode(small))).toEqual(small)
    // A reader that never uses some fields reads the same bytes without them.
    const narrow = await createSerde<Record<string, unknown>>(b.registry, subjectOf(t), readSchema(t), withoutFields(readSchema(t), { OrderStatus: ['reason', 'OrdNbr'] }))
    const { reason: _r, OrdNbr: _o, ...rest } = small
    expect(await narrow.decode(serde.encode(small))).toEqual(rest)
    expect(await narrow.decode(narrow.encode(large))).toEqual(rest)
  })

  it('several clients registering a new subject at once all get its id (instances starting together)', async () => {
    const t = testTopic(unique('together'), 'orders.status')
    const ids = await Promise.all(Array.from({ length: 6 }, () =>
      createRegistry(env().registryUrl).register(subjectOf(t), readSchema(t))))
    expect(new Set(ids).size).toBe(1)
    expect(ids[0]).toBeGreaterThan(0)
  })
})

describe('replay', () => {
  it('after `bridge replay --to-time`, the service re-reads exactly the records from that time', async () => {
    const topic = testTopic(unique('replay'), 'orders.status')
    await createTopics(b.admin, [topic])
    const serde = await createSerde<Record<string, unknown>>(b.registry, subjectOf(topic), readSchema(topic))
    const t0 = Date.now() - 3600000
    await b.producer.send(Array.from({ length: 10 }, (_, i) => ({
      topic: topic.name, key: String(i), timestamp: t0 + i * 1000,
      value: serde.encode({ clarityOrderId: i, CustOrdNbr: String(i), status: 'CREATED', OrdNbr: null, reason: null, at: t0 + i * 1000 })
    })))
    const group = unique('replay-svc').replace(/\./g, '-')
    const seen: number[] = []
    const start = () => startService({
      service: { name: group, doc: '', consumes: [topic], produces: [], calls: [] },
      config: kitConfig(), fromBeginning: true, exit: (() => undefined) as never,
      handler: async (kit) => {
        const s = await kit.serde<Record<string, unknown>>(topic)
        return async (rec) => { seen.push((await s.decode(rec.value!)).clarityOrderId as number); return [] }
      }
    })
    const committed = async (): Promise<string | undefined> =>
      (await b.admin.groupOffsets(group, topic.name))[0]?.offset

    let svc = await start()
    await waitFor('all 10 read and committed', async () => seen.length === 10 && await committed() === '10')

    // While the group is active, replay refuses and says what to do.
    await expect(replay(b.admin, { group, topic: topic.name, target: { kind: 'earliest' }, dryRun: false })).rejects.toThrow(/is active .*stop its instances/)
    await svc.stop()
    await waitFor('the group to be idle', async () => ['Empty', 'Dead'].includes((await b.admin.describeGroup(group)).state))

    // The CLI itself, as an operator runs it: a dry run first, then the move.
    const when = new Date(t0 + 5000).toISOString()
    const e = env()
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(projectRoot, 'bin/bridge.js'), 'replay', '--group', group, '--topic', topic.name, ...args], {
      cwd: projectRoot, encoding: 'utf8', env: { ...process.env, KAFKA_BROKERS: e.brokers.join(','), SCHEMA_REGISTRY_URL: e.registryUrl }
    })
    const dry = cli('--to-time', when, '--dry-run')
    expect(dry.status, dry.stderr).toBe(0)
    expect(dry.stdout).toContain(`${topic.name}[0]  10 → 5`)
    expect(dry.stdout).toContain('dry run: nothing changed')
    expect(await committed()).toBe('10')
    const moved = cli('--to-time', when)
    expect(moved.status, moved.stderr).toBe(0)
    expect(await committed()).toBe('5')

    const listing = spawnSync(process.execPath, [join(projectRoot, 'bin/bridge.js'), 'topics'], {
      cwd: projectRoot, encoding: 'utf8', env: { ...process.env, KAFKA_BROKERS: e.brokers.join(','), SCHEMA_REGISTRY_URL: e.registryUrl }
    })
    expect(listing.status, listing.stderr).toBe(0)
    expect(listing.stdout).toContain(`${topic.name}  partitions=1  end=0:10  records=10`)
    expect(listing.stdout).toContain(`  group ${group}  committed=0:5  lag=5`)

    seen.length = 0
    svc = await start()
    try {
      await waitFor('the replayed records to be committed', async () => await committed() === '10')
      expect(seen).toEqual([5, 6, 7, 8, 9])
    } finally {
      await svc.stop()
    }
  })

  it('plans earliest and explicit offsets, and refuses a partition that does not exist', async () => {
    const topic = testTopic(unique('plan'), 'orders.status', 2)
    await createTopics(b.admin, [topic])
    const group = unique('plan-grp')
    const r = await replay(b.admin, { group, topic: topic.name, target: parseTarget({ 'to-earliest': true }), dryRun: true })
    expect(r.after.sort((a, b) => a.partition - b.partition)).toEqual([{ partition: 0, offset: '0' }, { partition: 1, offset: '0' }])
    await expect(replay(b.admin, { group, topic: topic.name, target: parseTarget({ 'to-offset': '7:0' }), dryRun: true })).rejects.toThrow(/no partition 7/)
    await expect(replay(b.admin, { group, topic: 'no.such.topic', target: { kind: 'earliest' }, dryRun: true })).rejects.toThrow(/does not exist/)
  })
})
