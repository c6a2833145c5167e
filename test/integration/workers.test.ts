// A pure handler on worker threads, through the one consumer loop, on the real broker.
import { afterAll, describe, expect, it } from 'vitest'
import { DLQ_HEADERS } from '../../lib/consumer-loop.ts'
import { parseSchema } from '../../lib/avro.ts'
import { createSerde } from '../../lib/registry.ts'
import { readSchema } from '../../lib/serdes.ts'
import { startService, type Running } from '../../lib/service.ts'
import { subjectOf } from '../../topology/topology.ts'
import { createTopics, kitConfig, readRecords, testTopic, unique, useBroker, waitFor } from '../helpers.ts'
import { FATAL_ID, FLAKY_ID, POISON_ID } from '../workers/thread-handler.ts'

const b = useBroker()
const module = new URL('../workers/thread-handler.ts', import.meta.url).href
const status = (id: number) => ({ clarityOrderId: id, CustOrdNbr: String(id), status: 'CREATED', OrdNbr: `SO${id}`, reason: null, at: 1795774503000 })
const statusType = parseSchema(readSchema(testTopic('x', 'orders.status')))
const idOf = (buf: Buffer | null): number =>
  (statusType.fromBuffer((buf as Buffer).subarray(5)) as { clarityOrderId: number }).clarityOrderId

async function setup (name: string, ids: number[]) {
  const IN = testTopic(unique(`${name}.in`), 'orders.status', 3)
  const OUT = testTopic(unique(`${name}.out`), 'orders.status', 3)
  await createTopics(b.admin, [IN, OUT])
  const serde = await createSerde<object>(b.registry, subjectOf(IN), readSchema(IN))
  // Some records carry a header, most do not: both reach the handler as they were.
  await b.producer.send(ids.map((id) => ({ topic: IN.name, key: String(id), value: serde.encode(status(id)), headers: id % 7 === 0 ? { trace: `t${id}` } : undefined })))
  const codes: number[] = []
  const start = (extra: Record<string, unknown> = {}): Promise<Running> => startService({
    service: { name: unique(`${name}-svc`).replace(/\./g, '-'), doc: '', consumes: [IN], produces: [OUT], calls: [] },
    config: { ...kitConfig({ HTTP_PORT: 0 }), IN, OUT, ...extra } as never, fromBeginning: true,
    exit: ((code: number) => { codes.push(code) }) as never, backoff: { initialMs: 20, maxMs: 100 },
    workerHandler: { module, exportName: 'createThreadTestHandler', workers: 2 }
  })
  return { IN, OUT, start, codes }
}

describe('a handler on worker threads', () => {
  const running: Running[] = []
  afterAll(async () => { for (const s of running) await s.stop() })

  it('keeps each partition in order, dead-letters a poison record with its reason, retries a retriable one, and produces nothing twice', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => i + 1).filter((id) => id !== FATAL_ID)
    const { IN, OUT, start } = await setup('threads', ids)
    running.push(await start())
    const outs = await readRecords(b.kafka, OUT.name, ids.length - 1)
    const [dl] = await readRecords(b.kafka, `${IN.name}.dlq`, 1)
    const got = outs.map((r) => idOf(r.value))
    expect(new Set(got).size).toBe(got.length)
    expect([...got].sort((x, y) => x - y)).toEqual(ids.filter((id) => id !== POISON_ID))
    expect(got).toContain(FLAKY_ID)
    // Keys land on the same partition number on both topics: each output partition is in input order.
    const partitionOf = new Map(outs.map((r) => [idOf(r.value), r.partition]))
    for (const p of [0, 1, 2]) {
      expect(outs.filter((r) => r.partition === p).map((r) => idOf(r.value)))
        .toEqual(ids.filter((id) => partitionOf.get(id) === p))
    }
    expect(outs.every((r) => r.headers['handled.by'] === 'worker')).toBe(true)
    expect(outs.every((r) => r.headers.trace === (idOf(r.value) % 7 === 0 ? `t${idOf(r.value)}` : undefined))).toBe(true)
    expect(dl!.key?.toString()).toBe(String(POISON_ID))
    expect(dl!.headers[DLQ_HEADERS.code]).toBe('INVALID_RECORD')
    expect(dl!.headers[DLQ_HEADERS.message]).toMatch(/refused by the test handler/)
  })

  it('refuses to start when the handler cannot be built, saying why', async () => {
    const { start } = await setup('broken', [1])
    await expect(start({ BROKEN: true })).rejects.toThrow(/told not to build/)
  })

  it('stops the service with a non-zero code when a worker thread dies', async () => {
    // Enough records that every partition's chunk goes to the workers.
    const { start, codes } = await setup('dies', Array.from({ length: 300 }, (_, i) => i + 1))
    running.push(await start())
    await waitFor('the service to stop', () => codes.length > 0)
    expect(codes[0]).toBe(1)
  })

  it('handles a chunk smaller than a part on the loop\'s own thread, in order', async () => {
    const ids = [1, 2, 3, POISON_ID, 4]
    const { IN, OUT, start } = await setup('small', ids)
    running.push(await start())
    const outs = await readRecords(b.kafka, OUT.name, ids.length - 1)
    const [dl] = await readRecords(b.kafka, `${IN.name}.dlq`, 1)
    expect(outs.map((r) => r.headers['handled.by'])).toEqual(['main', 'main', 'main', 'main'])
    const partitionOf = new Map(outs.map((r) => [idOf(r.value), r.partition]))
    for (const p of [0, 1, 2]) {
      expect(outs.filter((r) => r.partition === p).map((r) => idOf(r.value)))
        .toEqual([1, 2, 3, 4].filter((id) => partitionOf.get(id) === p))
    }
    expect(dl!.headers[DLQ_HEADERS.code]).toBe('INVALID_RECORD')
  })
})
