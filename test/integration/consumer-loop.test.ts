// The one consumer loop against the real broker and b.registry.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DLQ_HEADERS, envelopeOf } from '../../lib/consumer-loop.ts'
import { retriable, fatal } from '../../lib/errors.ts'
import { createSerde } from '../../lib/registry.ts'
import { readSchema } from '../../lib/serdes.ts'
import { startService } from '../../lib/service.ts'
import { parseSchema } from '../../lib/avro.ts'
import { projectRoot } from '../../infra/embedded.ts'
import { nodeCommand } from '../../infra/processes.ts'
import { subjectOf, type Topic } from '../../topology/topology.ts'
import { useBroker, createTopics, env, kitConfig, readRecords, recordCount, testTopic, unique, waitFor } from '../helpers.ts'
import { echo } from '../workers/echo.ts'

const b = useBroker()

const status = (id: number) => ({ clarityOrderId: id, CustOrdNbr: String(id), status: 'CREATED', OrdNbr: `SO${id}`, reason: null, at: 1795774503000 })

async function setup (name: string): Promise<{ input: Topic, out: Topic, encode: (v: object) => Buffer }> {
  const input = testTopic(unique(`${name}.in`), 'orders.status')
  const out = testTopic(unique(`${name}.out`), 'orders.status')
  await createTopics(b.admin, [input, out])
  const serde = await createSerde<object>(b.registry, subjectOf(input), readSchema(input))
  return { input, out, encode: serde.encode }
}

const decodeStatus = (buf: Buffer | null): Record<string, unknown> =>
  parseSchema(readSchema(testTopic('x', 'orders.status'))).fromBuffer((buf as Buffer).subarray(5)) as Record<string, unknown>

describe('consumer loop', () => {
  it('dead-letters a poison record with its original bytes and every reason header, and the next records still flow', async () => {
    const { input, out, encode } = await setup('poison')
    const garbage = Buffer.from('{"not":"avro"}')
    await b.producer.send([
      { topic: input.name, key: '1', value: encode(status(1)) },
      { topic: input.name, key: '2', value: garbage, headers: { 'Clarity-Event-Id': 'evt_2' } },
      { topic: input.name, key: '3', value: encode(status(3)) }
    ])
    const group = unique('poison-svc').replace(/\./g, '-')
    const svc = await startService({
      service: { name: group, doc: '', consumes: [input], produces: [out], calls: [] },
      config: kitConfig({ HTTP_PORT: 0 }), fromBeginning: true, exit: (() => undefined) as never,
      handler: echo(input, out)
    })
    try {
      const outs = await readRecords(b.kafka, out.name, 2)
      expect(outs.map((r) => decodeStatus(r.value).clarityOrderId)).toEqual([1, 3])
      const [dl] = await readRecords(b.kafka, `${input.name}.dlq`, 1)
      expect(dl!.value).toEqual(garbage)
      expect(dl!.key?.toString()).toBe('2')
      expect(dl!.headers).toMatchObject({
        'Clarity-Event-Id': 'evt_2',
        [DLQ_HEADERS.topic]: input.name,
        [DLQ_HEADERS.partition]: '0',
        [DLQ_HEADERS.offset]: '1',
        [DLQ_HEADERS.service]: group,
        [DLQ_HEADERS.code]: 'DECODE_FAILED'
      })
      expect(dl!.headers[DLQ_HEADERS.message]).toMatch(/Confluent wire format/)
      expect(Date.parse(dl!.headers[DLQ_HEADERS.time]!)).toBeGreaterThan(Date.now() - 120000)
      const envelope = parseSchema(JSON.parse(readFileSync(join(projectRoot, 'schemas/dead-letter.avsc'), 'utf8')) as object)
      expect(envelope.isValid(envelopeOf(dl!))).toBe(true)
      const metrics = await svc.app!.inject('/metrics')
      expect(metrics.body).toMatch(new RegExp(`bridge_dead_lettered_total\\{topic="${input.name.replace(/\./g, '\\.')}",code="DECODE_FAILED",service="${group}"\\} 1`))
    } finally {
      await svc.stop()
    }
  })

  it('retries a retriable failure in place: three failures then success give one result and no dead letter', async () => {
    const { input, out, encode } = await setup('retry')
    await b.producer.send([{ topic: input.name, key: '7', value: encode(status(7)) }, { topic: input.name, key: '8', value: encode(status(8)) }])
    const attempts = new Map<number, number>()
    const svc = await startService({
      service: { name: unique('retry-svc').replace(/\./g, '-'), doc: '', consumes: [input], produces: [out], calls: [] },
      config: kitConfig({ HTTP_PORT: 0 }), fromBeginning: true, exit: (() => undefined) as never,
      backoff: { initialMs: 20, maxMs: 100 },
      handler: echo(input, out, async (v) => {
        const id = v.clarityOrderId as number
        const n = (attempts.get(id) ?? 0) + 1
        attempts.set(id, n)
        if (id === 7 && n <= 3) throw retriable('UPSTREAM_UNAVAILABLE', `SL answered 503 (attempt ${n})`)
      })
    })
    try {
      const outs = await readRecords(b.kafka, out.name, 2)
      // Order per key kept: 8 waited behind 7's retries.
      expect(outs.map((r) => decodeStatus(r.value).clarityOrderId)).toEqual([7, 8])
      expect(attempts.get(7)).toBe(4)
      expect(attempts.get(8)).toBe(1)
      await waitFor('offsets committed', async () => (await b.admin.groupOffsets(svc.kit.logger.bindings().name as string, input.name))[0]?.offset === '2')
      expect(await recordCount(b.admin, out.name)).toBe(2)
      expect(await recordCount(b.admin, `${input.name}.dlq`)).toBe(0)
      const metrics = (await svc.app!.inject('/metrics')).body
      expect(metrics).toMatch(/bridge_errors_total\{kind="retriable",code="UPSTREAM_UNAVAILABLE",service="[^"]+"\} 3/)
      expect(metrics).toMatch(/bridge_consumer_lag\{topic="[^"]+",partition="0",service="[^"]+"\} 0/)
    } finally {
      await svc.stop()
    }
  })

  it('stops the service with a non-zero code on a fatal error, committing nothing past it', async () => {
    const { input, out, encode } = await setup('fatal')
    await b.producer.send([{ topic: input.name, key: '9', value: encode(status(9)) }])
    let exitCode: number | undefined
    const name = unique('fatal-svc').replace(/\./g, '-')
    const svc = await startService({
      service: { name, doc: '', consumes: [input], produces: [out], calls: [] },
      config: kitConfig(), fromBeginning: true,
      exit: ((code: number) => { exitCode = code }) as never,
      handler: echo(input, out, async () => { throw fatal('UNAUTHORIZED', 'SL refused our credentials (401)') })
    })
    await waitFor('the service to stop', () => exitCode !== undefined)
    expect(exitCode).toBe(1)
    expect(await recordCount(b.admin, out.name)).toBe(0)
    expect(await recordCount(b.admin, `${input.name}.dlq`)).toBe(0)
    expect((await b.admin.groupOffsets(name, input.name)).every((o) => o.offset === '-1')).toBe(true)
    await svc.stop()
  })
})

describe('a service process', () => {
  function run (vars: Record<string, string>): {
    child: ChildProcess, exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  } {
    const e = env()
    const { bin, args } = nodeCommand(join(projectRoot, 'test/workers/crash-worker.ts'))
    const child = spawn(bin, args, {
      cwd: projectRoot,
      env: { ...process.env, KAFKA_BROKERS: e.brokers.join(','), SCHEMA_REGISTRY_URL: e.registryUrl, LOG_LEVEL: 'warn', KAFKA_SESSION_TIMEOUT_MS: '6000', ...vars },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
    return { child, exited }
  }

  it('is at least once across a crash: killed after the work, before the commit, it re-processes on restart and loses nothing', async () => {
    const { input, out, encode } = await setup('crash')
    await b.producer.send([{ topic: input.name, key: '5', value: encode(status(5)) }])
    const dir = mkdtempSync(join(tmpdir(), 'bridge-crash-'))
    const effects = join(dir, 'effects')
    const vars = { IN_TOPIC: input.name, OUT_TOPIC: out.name, GROUP: unique('crash-svc').replace(/\./g, '-'), EFFECTS_FILE: effects }
    const lines = (): string[] => existsSync(effects) ? readFileSync(effects, 'utf8').split('\n').filter(Boolean) : []

    const first = run({ ...vars, CRASH: '1' })
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' })
    expect(lines()).toEqual(['0:0'])
    expect((await b.admin.groupOffsets(vars.GROUP, input.name))[0]?.offset).toBe('-1')

    const second = run({ ...vars, CRASH: '0' })
    try {
      const [rec] = await readRecords(b.kafka, out.name, 1)
      expect(decodeStatus(rec!.value).clarityOrderId).toBe(5)
      expect(lines()).toEqual(['0:0', '0:0'])
      await waitFor('the offset to be committed', async () => (await b.admin.groupOffsets(vars.GROUP, input.name))[0]?.offset === '1')
    } finally {
      // SIGTERM drains, commits and disconnects well inside the 10 s an orchestrator allows.
      const t0 = Date.now()
      second.child.kill('SIGTERM')
      expect(await second.exited).toEqual({ code: 0, signal: null })
      expect(Date.now() - t0).toBeLessThan(10000)
    }
  })
})

describe('starting a service', () => {
  it('refuses to start when its topics do not exist, saying which and what to run', async () => {
    const input = testTopic(unique('missing.in'), 'orders.status')
    const out = testTopic(unique('missing.out'), 'orders.status')
    await expect(startService({
      service: { name: unique('missing-svc').replace(/\./g, '-'), doc: '', consumes: [input], produces: [out], calls: [] },
      config: kitConfig(), exit: (() => undefined) as never, handler: echo(input, out)
    })).rejects.toThrow(new RegExp(`topic\\(s\\) ${input.name.replace(/\./g, '\\.')}, ${out.name.replace(/\./g, '\\.')} do not exist; run .npx bridge topology apply.`))
  })
})
