// What may face the internet, on the real broker: clarity-ingest's webhook on an address
// of its own, with nothing else there; a body limit that follows what the broker takes,
// so that a large signed event becomes a dead letter instead of a 5xx Clarity retries for
// hours; the bind addresses as configured; and the admin route of a running source,
// which takes its token and JSON and nothing a web page can send.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Running } from '../../lib/service.ts'
import { DLQ_HEADERS } from '../../lib/consumer-loop.ts'
import { startClarityIngest, type IngestRunning } from '../../services/clarity-ingest/src/service.ts'
import { RECORD_MARGIN_BYTES } from '../../services/clarity-ingest/src/limit.ts'
import { prefixed } from '../../topology/topology.ts'
import { ADMIN_TOKEN, clarityOrder, place, shopper, signed, startFlow, stock, type Flow } from '../orders-harness.ts'
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
    expect(await post(webhookAt(ingest()), body, 'evt_huge')).toEqual({ status: 202, body: { accepted: true, deadLettered: 'INVALID_PAYLOAD' } })
    const dead = await waitFor('the dead letter', async () => (await deadLetters()).slice(before).find((r) => r.headers['Clarity-Event-Id'] === 'evt_huge'))
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
    expect(await post(webhookAt(small), over, 'evt_over')).toEqual({ status: 202, body: { accepted: true, deadLettered: 'INVALID_PAYLOAD' } })
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
