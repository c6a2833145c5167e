// What may face the internet, on the real broker: clarity-ingest's webhook on an address
// of its own, with nothing else there; a body limit that follows what the broker takes,
// so that a large signed event becomes a dead letter instead of a 5xx Clarity retries for
// hours; every bad webhook's reason, with the good ones around it still taken; a cap on
// the bodies read at once, since a forged but fresh header is enough to have one read; the
// bind addresses as configured; and the admin route of a running source, which takes its
// token and JSON and nothing a web page can send.
import { createHmac } from 'node:crypto'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Running } from '../../lib/service.ts'
import { DLQ_HEADERS } from '../../lib/consumer-loop.ts'
import { startClarityIngest, type IngestRunning } from '../../services/clarity-ingest/src/service.ts'
import { RECORD_MARGIN_BYTES } from '../../services/clarity-ingest/src/limit.ts'
import { prefixed } from '../../topology/topology.ts'
import { ADMIN_TOKEN, WEBHOOK_SECRET, clarityOrder, place, shopper, signed, startFlow, stock, type Flow } from '../orders-harness.ts'
import { env, readRecords, recordCount, useBroker, waitFor } from '../helpers.ts'

const b = useBroker()
const noExit = (() => undefined) as never
let f: Flow
const others: Running[] = []

beforeAll(async () => {
  f = await startFlow({ ...env(), logLevel: process.env.TEST_LOG_LEVEL, only: ['clarity-ingest', 'sl-inventory-source'] })
  // Every webhook here is the test's own.
  await f.clarity.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { urls: [] } })
  stock(f, 'WIDGET-RED-L')
})
afterAll(async () => {
  for (const o of others) await o.stop()
  await f.stop()
})

const ingest = (): IngestRunning => f.services['clarity-ingest'] as IngestRunning
const webhookAt = (r: IngestRunning): string => `http://127.0.0.1:${r.webhookPort}/webhooks/clarity`
async function post (url: string, body: string, eventId: string) {
  const r = await fetch(url, { method: 'POST', headers: { ...signed(body), 'Clarity-Event-Id': eventId }, body })
  return { status: r.status, body: await r.json() as Record<string, unknown> }
}
/** A genuine order.created of `bytes` or so: a real order, padded. */
async function orderEvent (id: string, bytes: number): Promise<string> {
  const order = clarityOrder(f, await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }])))
  const body = JSON.stringify({ id, type: 'order.created', createdAt: new Date().toISOString(), data: { ...order, Note: '' } })
  return body.replace('"Note":""', `"Note":"${'x'.repeat(Math.max(0, bytes - body.length))}"`)
}
async function deadLetters () {
  const topic = `${prefixed(f.prefix).topics.ordersRaw.name}.dlq`
  const n = await recordCount(b.admin, topic)
  return n === 0 ? [] : await readRecords(b.kafka, topic, n)
}

describe('clarity-ingest facing Clarity', () => {
  it('serves the webhook on its own address and nothing else there; health and metrics stay on HTTP_PORT', async () => {
    const ops = f.ingestOpsUrl
    const body = await orderEvent('evt_where', 2000)
    expect((await post(`${ops}/webhooks/clarity`, body, 'evt_where')).status).toBe(404)
    expect((await post(webhookAt(ingest()), body, 'evt_where')).body).toEqual({ accepted: true })
    const web = `http://127.0.0.1:${ingest().webhookPort}`
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect((await fetch(`${web}${path}`)).status, path).toBe(404)
      expect((await fetch(`${ops}${path}`)).status, path).toBe(200)
    }
  })

  it('gives the webhook\'s connections deadlines for the headers and for the whole request', () => {
    expect([ingest().webhook.server.headersTimeout, ingest().webhook.server.requestTimeout]).toEqual([5000, 10000])
  })

  it('keeps a signed event larger than the broker takes as a dead letter, answered 202, where it used to fail with a 5xx', async () => {
    // Not JSON, so that the body itself is what would be written: 1.1 MB, over Kafka's default 1 MiB.
    const body = `{"id":"evt_huge","type":"order.created","data":${'x'.repeat(1100 * 1024)}`
    const before = (await deadLetters()).length
    expect(await post(webhookAt(ingest()), body, 'evt_huge')).toEqual({ status: 202, body: { accepted: true, deadLettered: 'PAYLOAD_TOO_LARGE' } })
    const dead = await waitFor('the dead letter', async () => (await deadLetters()).slice(before).find((r) => r.headers['Clarity-Event-Id'] === 'evt_huge'))
    expect(dead.headers[DLQ_HEADERS.code]).toBe('PAYLOAD_TOO_LARGE')
    expect(dead.headers[DLQ_HEADERS.message]).toMatch(new RegExp(`^the webhook body is ${body.length} bytes, over the \\d+ a record can take`))
    expect(dead.value!.toString()).toBe(body.slice(0, 64 * 1024))
  })

  it('takes its body limit from the topics\' max.message.bytes, less room for the record', async () => {
    const raw = prefixed(f.prefix).topics.ordersRaw.name
    const [spec] = await b.admin.describeTopics([raw])
    await b.admin.alterTopicConfigs(raw, { ...spec!.configs, 'max.message.bytes': '100000' })
    const small = await startClarityIngest({ ...f.common, CLARITY_POLL_INTERVAL_MS: 0 } as never, noExit)
    others.push(small)
    const limit = 100000 - RECORD_MARGIN_BYTES
    expect((await post(webhookAt(small), await orderEvent('evt_under', limit - 1000), 'evt_under')).body).toEqual({ accepted: true })
    const over = await orderEvent('evt_over', limit + 1000)
    expect(await post(webhookAt(small), over, 'evt_over')).toEqual({ status: 202, body: { accepted: true, deadLettered: 'PAYLOAD_TOO_LARGE' } })
    const dead = await waitFor('the dead letter', async () => (await deadLetters()).find((r) => r.headers['Clarity-Event-Id'] === 'evt_over'))
    expect(dead.headers[DLQ_HEADERS.message]).toBe(`the webhook body is ${Buffer.byteLength(over)} bytes, over the ${limit} a record can take (WEBHOOK_MAX_BYTES); its first 65536 bytes are kept`)
  })

  it('listens where HTTP_HOST and WEBHOOK_HOST say', async () => {
    const bound = await startClarityIngest({ ...f.common, CLARITY_POLL_INTERVAL_MS: 0, HTTP_HOST: '127.0.0.2', WEBHOOK_HOST: '127.0.0.3' } as never, noExit)
    others.push(bound)
    expect((bound.app!.server.address() as { address: string }).address).toBe('127.0.0.2')
    expect((bound.webhook.server.address() as { address: string }).address).toBe('127.0.0.3')
    expect((await fetch(`http://127.0.0.2:${bound.port!}/healthz`)).status).toBe(200)
  })
})

// The bad-input catalogue, on one instance with a small body limit and room for two bodies
// read at once: each bad webhook's exact answer, and its dead letter's code and text where
// it is kept, with a good webhook just before and just after it that reaches orders.raw.
describe('clarity-ingest\'s bad-input catalogue', () => {
  const LIMIT = 65536
  let strict: IngestRunning
  let orderId: number
  beforeAll(async () => {
    const config = { ...f.common, CLARITY_POLL_INTERVAL_MS: 0, WEBHOOK_MAX_BYTES: LIMIT, WEBHOOK_MAX_IN_FLIGHT: 2 }
    strict = await startClarityIngest(config as never, noExit)
    others.push(strict)
    orderId = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }]))
  })
  const url = (): string => webhookAt(strict)
  const good = (id: string): string => JSON.stringify({ id, type: 'order.created', createdAt: new Date().toISOString(), data: clarityOrder(f, orderId) })
  const send = async (body: string | Uint8Array, headers: Record<string, string>) => {
    const r = await fetch(url(), { method: 'POST', headers, body: body as BodyInit })
    return { status: r.status, body: await r.json() as Record<string, unknown> }
  }
  const signedBytes = (raw: Buffer, t = Math.floor(Date.now() / 1000)): Record<string, string> =>
    ({ 'content-type': 'application/json', 'Clarity-Signature': `t=${t},v1=${createHmac('sha256', WEBHOOK_SECRET).update(`${t}.`).update(raw).digest('hex')}` })
  const now = (): number => Math.floor(Date.now() / 1000)
  async function rawRecords () {
    const topic = prefixed(f.prefix).topics.ordersRaw.name
    const n = await recordCount(b.admin, topic)
    return n === 0 ? [] : await readRecords(b.kafka, topic, n)
  }
  const MARKER = 'MARKER-c41e-Ana-Nunez-ana@example.com'

  const sentBytes = new Map<string, number>()
  interface Bad {
    name: string
    send: (id: string, lastGood: string) => Promise<unknown>
    answer: unknown
    /** The dead letter's code and text, when the webhook is kept. */
    dead?: [code: string, text: string | ((id: string) => string)]
  }
  const catalogue: Bad[] = [
    { name: 'a signature by another secret', send: async (id) => { const x = good(id); return await send(x, { ...signed(x, 'not-the-secret'), 'Clarity-Event-Id': id }) }, answer: { status: 401, body: { error: 'signature mismatch' } } },
    { name: 'no signature', send: async (id) => await send(good(id), { 'content-type': 'application/json', 'Clarity-Event-Id': id }), answer: { status: 401, body: { error: 'signature missing' } } },
    { name: 'a malformed signature header', send: async (id) => await send(good(id), { 'content-type': 'application/json', 'Clarity-Signature': 't=soon,v1=abc', 'Clarity-Event-Id': id }), answer: { status: 401, body: { error: 'signature malformed' } } },
    { name: 'a stale timestamp', send: async (id) => { const x = good(id); return await send(x, { ...signed(x, undefined, now() - 600), 'Clarity-Event-Id': id }) }, answer: { status: 401, body: { error: 'stale timestamp' } } },
    { name: 'a timestamp from the future', send: async (id) => { const x = good(id); return await send(x, { ...signed(x, undefined, now() + 600), 'Clarity-Event-Id': id }) }, answer: { status: 401, body: { error: 'stale timestamp' } } },
    { name: 'a replayed event id', send: async (_id, last) => await send(last, { ...signed(last), 'Clarity-Event-Id': (JSON.parse(last) as { id: string }).id }), answer: { status: 200, body: { duplicate: true } } },
    {
      name: 'malformed JSON',
      send: async (id) => { const x = `{"id":"${id}","type":"order.created","data":{"Note":"${MARKER}" "ID":${orderId}}}`; return await send(x, { ...signed(x), 'Clarity-Event-Id': id }) },
      answer: { status: 202, body: { accepted: true, deadLettered: 'INVALID_JSON' } }, dead: ['INVALID_JSON', 'the webhook body is not valid JSON']
    },
    {
      name: 'a body that is not UTF-8',
      send: async (id) => { const x = Buffer.concat([Buffer.from(`{"id":"${id}`), Buffer.from([0xff, 0xfe]), Buffer.from(`","type":"order.created","data":{"ID":${orderId}}}`)]); return await send(x, { ...signedBytes(x), 'Clarity-Event-Id': id }) },
      answer: { status: 202, body: { accepted: true, deadLettered: 'INVALID_JSON' } }, dead: ['INVALID_JSON', 'the webhook body is not UTF-8, as JSON must be']
    },
    // The signature covers the body as it came, whatever the content-type says: a genuine event is taken.
    { name: 'a text/plain content-type', send: async (id) => { const x = good(id); return await send(x, { ...signed(x), 'content-type': 'text/plain', 'Clarity-Event-Id': id }) }, answer: { status: 200, body: { accepted: true } } },
    { name: 'an unsigned body over the limit', send: async (id) => await send(`${good(id)}${' '.repeat(LIMIT)}`, { 'content-type': 'application/json', 'Clarity-Event-Id': id }), answer: { status: 413, body: { error: `body over the ${LIMIT} bytes taken` } } },
    {
      name: 'a signed body over the limit',
      send: async (id) => { const x = `${good(id)}${' '.repeat(LIMIT)}`; sentBytes.set(id, Buffer.byteLength(x)); return await send(x, { ...signed(x), 'Clarity-Event-Id': id }) },
      answer: { status: 202, body: { accepted: true, deadLettered: 'PAYLOAD_TOO_LARGE' } },
      dead: ['PAYLOAD_TOO_LARGE', (id) => `the webhook body is ${sentBytes.get(id)!} bytes, over the ${LIMIT} a record can take (WEBHOOK_MAX_BYTES); its first 65536 bytes are kept`]
    },
    { name: 'an event type not taken', send: async (id) => { const x = JSON.stringify({ id, type: 'product.updated', data: { ID: 1 } }); return await send(x, { ...signed(x), 'Clarity-Event-Id': id }) }, answer: { status: 202, body: { ignored: 'product.updated' } } },
    {
      name: 'an event without data',
      send: async (id) => { const x = JSON.stringify({ id, type: 'order.created' }); return await send(x, { ...signed(x), 'Clarity-Event-Id': id }) },
      answer: { status: 202, body: { accepted: true, deadLettered: 'INVALID_PAYLOAD' } }, dead: ['INVALID_PAYLOAD', 'the webhook needs id (text), type (text) and data (an object)']
    },
    {
      name: 'an order event without the order\'s ID',
      send: async (id) => { const x = JSON.stringify({ id, type: 'order.created', data: { Number: 'W-1' } }); return await send(x, { ...signed(x), 'Clarity-Event-Id': id }) },
      answer: { status: 202, body: { accepted: true, deadLettered: 'INVALID_PAYLOAD' } }, dead: ['INVALID_PAYLOAD', 'order.created: data.ID must be the order\'s id']
    }
  ]

  it('answers each bad webhook with its reason, keeps the genuine ones with their code and text, and takes the good ones around each', async () => {
    const run = Date.now().toString(36)
    const goods: string[] = []
    const postGood = async (): Promise<string> => {
      const id = `evt_cat_${run}_good_${goods.length}`
      const x = good(id)
      expect(await send(x, { ...signed(x), 'Clarity-Event-Id': id })).toEqual({ status: 200, body: { accepted: true } })
      goods.push(id)
      return x
    }
    let last = await postGood()
    const bads = catalogue.map((c, i) => ({ ...c, id: `evt_cat_${run}_bad_${i}` }))
    for (const c of bads) {
      expect(await c.send(c.id, last), c.name).toEqual(c.answer)
      last = await postGood()
    }

    const taken = await waitFor('every good webhook in orders.raw', async () => {
      const r = await rawRecords()
      return goods.every((id) => r.some((x) => x.headers['clarity.event.id'] === id)) ? r : undefined
    })
    const takenOf = (id: string) => taken.filter((x) => x.headers['clarity.event.id'] === id)
    for (const id of goods) expect(takenOf(id), id).toHaveLength(1)
    for (const c of bads) expect(takenOf(c.id), c.name).toHaveLength(c.name === 'a text/plain content-type' ? 1 : 0)

    const dead = await waitFor('the dead letters', async () => {
      const d = (await deadLetters()).filter((r) => bads.some((c) => c.id === r.headers['Clarity-Event-Id']))
      return d.length >= bads.filter((c) => c.dead !== undefined).length ? d : undefined
    })
    for (const c of bads) {
      const kept = dead.filter((r) => r.headers['Clarity-Event-Id'] === c.id)
      expect(kept, c.name).toHaveLength(c.dead === undefined ? 0 : 1)
      if (c.dead === undefined) continue
      expect(kept[0]!.headers[DLQ_HEADERS.code], c.name).toBe(c.dead[0])
      expect(kept[0]!.headers[DLQ_HEADERS.message], c.name).toBe(typeof c.dead[1] === 'string' ? c.dead[1] : c.dead[1](c.id))
    }
    // A dead letter keeps the body itself; its reason and the logs never quote it.
    for (const r of dead) expect(JSON.stringify(r.headers)).not.toContain(MARKER)
  })

  /** A signed upload that stops after its first bytes until told to send the rest. */
  function slowUpload (body: string) {
    const socket = connect(strict.webhookPort, '127.0.0.1')
    const head = [`host: 127.0.0.1:${strict.webhookPort}`, `content-length: ${Buffer.byteLength(body)}`, 'connection: close',
      ...Object.entries(signed(body)).map(([k, v]) => `${k}: ${v}`)]
    socket.write(`POST /webhooks/clarity HTTP/1.1\r\n${head.join('\r\n')}\r\n\r\n${body.slice(0, 10)}`)
    let answer = ''
    socket.on('data', (d: Buffer) => { answer += d.toString() })
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    return async () => { socket.write(body.slice(10)); await closed; return answer }
  }
  async function metric (pattern: RegExp): Promise<number> {
    const m = (await (await fetch(`http://127.0.0.1:${strict.port!}/metrics`)).text()).match(pattern)
    return m === null ? 0 : Number(m[1])
  }

  it('answers a webhook over WEBHOOK_MAX_IN_FLIGHT bodies being read 503 with Retry-After: 1 at once, and takes it on the retry once they are read', async () => {
    const run = Date.now().toString(36)
    const ids = [0, 1].map((i) => `evt_slow_${run}_${i}`)
    const finish = ids.map((id) => slowUpload(good(id)))
    await waitFor('both slow bodies being read', async () => await metric(/^bridge_webhooks_reading\{[^}]*\} (\d+)$/m) === 2, 5000)
    const retried = `evt_busy_${run}`
    const x = good(retried)
    const r = await fetch(url(), { method: 'POST', headers: { ...signed(x), 'Clarity-Event-Id': retried }, body: x })
    expect([r.status, r.headers.get('retry-after'), await r.json()]).toEqual([503, '1', { error: '2 webhook bodies are being read already, the most at once (WEBHOOK_MAX_IN_FLIGHT)' }])
    expect(await metric(/^bridge_webhooks_total\{result="busy"[^}]*\} (\d+)$/m)).toBe(1)

    for (const done of finish) expect(await done()).toMatch(/^HTTP\/1\.1 200 /)
    expect(await send(x, { ...signed(x), 'Clarity-Event-Id': retried })).toEqual({ status: 200, body: { accepted: true } })
    await waitFor('the three in orders.raw', async () => {
      const taken = (await rawRecords()).map((t) => t.headers['clarity.event.id'])
      return [...ids, retried].every((id) => taken.filter((t) => t === id).length === 1)
    })
  })
})

describe('a source\'s POST /feed/rewind', () => {
  const rewind = async (headers: Record<string, string>, body?: string) => {
    const r = await fetch(`http://127.0.0.1:${f.services['sl-inventory-source']!.port}/feed/rewind`, { method: 'POST', headers, body })
    return { status: r.status, body: await r.json() as Record<string, unknown> }
  }

  it.each([
    ['a text/plain post with no token, as any web page can send', { 'content-type': 'text/plain' }, 'x'],
    ['the token with a text/plain body', { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' }, 'x'],
    ['the token and JSON from another site', { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', origin: 'http://evil.example' }, '{}'],
    ['JSON with another token', { authorization: 'Bearer not-the-token-but-long-enough', 'content-type': 'application/json' }, '{}']
  ])('refuses %s with 403', async (_name, headers, body) => {
    const r = await rewind(headers, body)
    expect(r.status).toBe(403)
    expect(typeof r.body.error).toBe('string')
  })

  it('rewinds with the token and a JSON body', async () => {
    const r = await rewind({ authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, '{}')
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ produced: 0 })
  })
})
