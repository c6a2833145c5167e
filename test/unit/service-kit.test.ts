// The kit's service plumbing: configuration, the error catalogue, retries, dead letters,
// log redaction, the ops server and the per-key handler. The Avro codec and the kafkajs
// patches are in kit.test.ts.
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { ConfigError, int, list, loadConfig, str } from '../../lib/config.ts'
import { backoffMs, byKey, deadLetter, DLQ_HEADERS, envelopeOf } from '../../lib/consumer-loop.ts'
import type { InRecord } from '../../lib/kafka.ts'
import { bridgeError, classify, codes, poison, retriable } from '../../lib/errors.ts'
import { buildOpsServer } from '../../lib/http.ts'
import { createLogger } from '../../lib/logger.ts'
import { createMetrics } from '../../lib/metrics.ts'

describe('config', () => {
  const spec = { A: int('a number', undefined, 1), B: str('required text'), C: list('a list', ['x']) }
  it('lists every bad variable at once', () => {
    try {
      loadConfig(spec, { A: 'zero' })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as ConfigError).problems).toEqual(['A="zero": expected a whole number >= 1', 'B is required (required text)'])
    }
  })
  it('applies defaults and freezes', () => {
    const c = loadConfig(spec, { A: '3', B: 'b' })
    expect(c).toEqual({ A: 3, B: 'b', C: ['x'] })
    expect(Object.isFrozen(c)).toBe(true)
  })
})

describe('errors', () => {
  it('every catalogue code has a kind and a doc', () => {
    for (const [code, e] of Object.entries(codes)) {
      expect(['retriable', 'poison', 'fatal'], code).toContain(e.kind)
      expect(e.doc.length, code).toBeGreaterThan(10)
    }
  })
  it('classifies kafkajs errors by their retriable flag and everything unknown as a bug', () => {
    expect(classify(Object.assign(new Error('leader not available'), { name: 'KafkaJSProtocolError', retriable: true })).kind).toBe('retriable')
    expect(classify(new TypeError('x is undefined')).code).toBe('BUG')
    expect(classify(new TypeError('x is undefined')).kind).toBe('fatal')
    const p = bridgeError('DECODE_FAILED', 'bad bytes')
    expect(classify(p)).toBe(p)
  })
})

describe('backoff', () => {
  const b = { initialMs: 100, maxMs: 5000 }
  it('grows exponentially with jitter inside [ceiling/2, ceiling] and is capped', () => {
    expect(backoffMs(0, b, 0, () => 0)).toBe(50)
    expect(backoffMs(0, b, 0, () => 1)).toBe(100)
    expect(backoffMs(3, b, 0, () => 1)).toBe(800)
    expect(backoffMs(30, b, 0, () => 1)).toBe(5000)
  })
  it('honours a longer Retry-After', () => {
    expect(backoffMs(0, b, 2000, () => 1)).toBe(2000)
  })
})

describe('dead letters', () => {
  it('keep the original bytes and headers and say where they came from and why', () => {
    const rec = { topic: 'orders.raw', partition: 2, offset: '41', key: Buffer.from('k'), value: Buffer.from([1, 2, 3]), headers: { a: 'b' }, timestamp: 0 }
    const dl = deadLetter(rec, 'order-mapper', bridgeError('DECODE_FAILED', 'no magic byte'), Date.UTC(2026, 10, 27))
    expect(dl.topic).toBe('orders.raw.dlq')
    expect(dl.value).toEqual(rec.value)
    expect(dl.headers).toMatchObject({
      a: 'b',
      [DLQ_HEADERS.topic]: 'orders.raw', [DLQ_HEADERS.partition]: '2', [DLQ_HEADERS.offset]: '41',
      [DLQ_HEADERS.service]: 'order-mapper', [DLQ_HEADERS.code]: 'DECODE_FAILED', [DLQ_HEADERS.message]: 'no magic byte',
      [DLQ_HEADERS.time]: '2026-11-27T00:00:00.000Z'
    })
    const env = envelopeOf({ ...rec, topic: 'orders.raw.dlq', headers: dl.headers ?? {} })
    expect(env).toMatchObject({ sourceTopic: 'orders.raw', sourcePartition: 2, sourceOffset: 41, errorCode: 'DECODE_FAILED', headers: { a: 'b' } })
  })
})

describe('logging', () => {
  it('redacts customer personal data', () => {
    const lines: string[] = []
    const sink = new Writable({ write (chunk, _e, cb) { lines.push(String(chunk)); cb() } })
    const log = createLogger('svc', 'info', sink)
    log.warn({ order: { BillingContact: { FirstName: 'Ana', Email1: 'ana@example.com' }, ID: 7 }, EMailAddr: 'x@y.z' }, 'held')
    const text = lines.join('')
    expect(text).not.toContain('Ana')
    expect(text).not.toContain('example.com')
    expect(text).not.toContain('x@y.z')
    expect(text).toContain('"ID":7')
  })
})

describe('ops server', () => {
  it('answers health, readiness by probe, and Prometheus metrics', async () => {
    let joined = false
    const metrics = createMetrics('svc')
    metrics.messagesIn.inc({ topic: 't' })
    metrics.processing.observe({ topic: 't' }, 0.002)
    const app = buildOpsServer({ metrics, ready: [{ name: 'consumer', ok: () => joined }] })
    expect((await app.inject('/healthz')).statusCode).toBe(200)
    const notReady = await app.inject('/readyz')
    expect(notReady.statusCode).toBe(503)
    expect(notReady.json()).toEqual({ status: 'not ready', checks: { consumer: false } })
    joined = true
    expect((await app.inject('/readyz')).statusCode).toBe(200)
    const m = await app.inject('/metrics')
    expect(m.body).toContain('bridge_messages_in_total{topic="t",service="svc"} 1')
    expect(m.body).toContain('bridge_processing_seconds_bucket')
  })
})

describe('byKey: a handler over a chunk, several keys at once', () => {
  const rec = (offset: number, key: string): InRecord => ({ topic: 't', partition: 0, offset: String(offset), key: Buffer.from(key), value: Buffer.from(`${key}${offset}`), headers: {}, timestamp: 0 })
  const chunk = [rec(0, 'a'), rec(1, 'b'), rec(2, 'a'), rec(3, 'c'), rec(4, 'b'), rec(5, 'a')]
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

  it('runs keys side by side, one key in order, and answers outputs in offset order', async () => {
    let inside = 0
    let most = 0
    const seen: string[] = []
    const run = byKey(async (r) => {
      inside++; most = Math.max(most, inside)
      await tick()
      seen.push(r.value!.toString())
      inside--
      return [{ topic: 'out', key: r.key, value: r.value }]
    }, 3)
    const res = await run(chunk)
    expect(res!.out!.map((o) => o.value!.toString())).toEqual(['a0', 'b1', 'a2', 'c3', 'b4', 'a5'])
    expect(seen.filter((v) => v.startsWith('a'))).toEqual(['a0', 'a2', 'a5'])
    expect(most).toBe(3)
  })

  it.each([1, 2])('%s at a time: a retriable failure throws the chunk back; the retry runs only what had not finished, and keeps poison records', async (width) => {
    const calls: string[] = []
    let failOnce = true
    const run = byKey(async (r) => {
      const v = r.value!.toString()
      calls.push(v)
      if (v === 'c3') throw poison('INVALID_RECORD', 'c3 is bad')
      if (v === 'a2' && failOnce) { failOnce = false; throw retriable('UPSTREAM_UNAVAILABLE', 'try later') }
      return [{ topic: 'out', key: r.key, value: r.value }]
    }, width)
    await expect(run(chunk)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' })
    const first = [...calls]
    const res = await run(chunk)
    const again = calls.slice(first.length)
    expect(again).toContain('a2')
    expect(again.filter((v) => first.includes(v) && v !== 'a2')).toEqual([])
    expect(res!.out!.map((o) => o.value!.toString())).toEqual(['a0', 'b1', 'a2', 'b4', 'a5'])
    expect(res!.rejected!.map((x) => `${x.record.offset}:${x.error.code}`)).toEqual(['3:INVALID_RECORD'])
  })
})
