// The connectors' HTTP call against a real local server (what comes back as an answer,
// what becomes a retriable failure, in which words), and how SL's answers are read.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, retryAfterGate } from '../../lib/clients/http.ts'
import { createSlClient, trimRow } from '../../lib/clients/sl.ts'
import { BridgeError } from '../../lib/errors.ts'

let server: Server
let base: string
const seen: Array<{ method?: string, url?: string, headers: IncomingMessage['headers'], body: string }> = []
const routes: Record<string, (res: ServerResponse) => void> = {
  '/json': (res) => { res.setHeader('content-type', 'application/json'); res.end('{"Items":[{"OrdNbr":"SO0000001"}]}') },
  '/text': (res) => res.end('plain words'),
  '/empty': (res) => { res.statusCode = 204; res.end() },
  '/missing': (res) => { res.statusCode = 404; res.end('{"businessRuleViolations":[{"key":"OrdNbr","message":"no such order"}]}') },
  '/throttled': (res) => { res.statusCode = 429; res.setHeader('retry-after', '7'); res.end() },
  '/down': (res) => { res.statusCode = 503; res.setHeader('retry-after', new Date(Date.now() + 60000).toUTCString()); res.end() },
  '/silent': () => {},
  '/good/api/Status': (res) => res.end('{"CpnyID":"DEMO      ","DatabaseId":"6F9619FF-8B86-D011-B42D-00C04FC964FF","Tstamp":482213}'),
  '/none/api/Status': (res) => { res.statusCode = 404; res.end('{"businessRuleViolations":[{"key":"route","message":"No route GET /api/Status","messageNbr":8012}]}') },
  '/odd/api/Status': (res) => res.end('{"CpnyID":"DEMO","DatabaseId":"","Tstamp":"482213"}')
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body })
      routes[(req.url ?? '').split('?')[0]!]!(res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const failure = async (p: Promise<unknown>): Promise<BridgeError> => {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(BridgeError)
  return err as BridgeError
}

describe('call', () => {
  it('answers 2xx and 4xx with the status and the body, parsed when it is JSON', async () => {
    expect(await call('SL', `${base}/json?CustOrdNbr=1`, { timeoutMs: 5000 })).toMatchObject({ status: 200, body: { Items: [{ OrdNbr: 'SO0000001' }] } })
    expect((await call('SL', `${base}/text`, { timeoutMs: 5000 })).body).toBe('plain words')
    expect(await call('SL', `${base}/empty`, { timeoutMs: 5000 })).toMatchObject({ status: 204, body: undefined })
    const missing = await call('SL', `${base}/missing`, { timeoutMs: 5000 })
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({ businessRuleViolations: [{ key: 'OrdNbr', message: 'no such order' }] })
  })

  it('sends the method, path, query, headers and body as given', async () => {
    seen.length = 0
    await call('SL', `${base}/json?CustOrdNbr=CL%20100045`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sl-cpnyid': 'DEMO' }, body: '{"Ünïcode":"ok"}', timeoutMs: 5000 })
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/json?CustOrdNbr=CL%20100045', body: '{"Ünïcode":"ok"}' })
    expect(seen[0]!.headers).toMatchObject({ 'content-type': 'application/json', 'x-sl-cpnyid': 'DEMO', 'content-length': String(Buffer.byteLength('{"Ünïcode":"ok"}')) })
    // The process is named, so that a server tells two instances' calls apart.
    expect(seen[0]!.headers['user-agent']).toBe(`clarity-sl-bridge (pid ${process.pid})`)
  })

  it('makes 429 and 5xx retriable, honouring Retry-After in seconds or as a date', async () => {
    const throttled = await failure(call('SL', `${base}/throttled?x=1`, { timeoutMs: 5000 }))
    expect(throttled).toMatchObject({ kind: 'retriable', code: 'UPSTREAM_UNAVAILABLE', retryAfterMs: 7000, message: 'SL GET /throttled answered 429' })
    const down = await failure(call('Clarity', `${base}/down`, { method: 'PATCH', timeoutMs: 5000 }))
    expect(down).toMatchObject({ kind: 'retriable', message: 'Clarity PATCH /down answered 503' })
    expect(down.retryAfterMs).toBeGreaterThan(50000)
    expect(down.retryAfterMs).toBeLessThanOrEqual(60000)
  })

  it('makes a server that does not answer in time retriable, saying how long it waited', async () => {
    const err = await failure(call('SL', `${base}/silent`, { timeoutMs: 300 }))
    expect(err).toMatchObject({ kind: 'retriable', code: 'UPSTREAM_UNAVAILABLE', message: 'SL GET /silent: no answer within 300 ms' })
  })

  it('makes a refused connection retriable, with the system\'s code', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const err = await failure(call('SL', `http://127.0.0.1:${port}/api/SalesOrder`, { method: 'POST', body: '{}', timeoutMs: 5000 }))
    expect(err).toMatchObject({ kind: 'retriable', code: 'UPSTREAM_UNAVAILABLE', message: 'SL POST /api/SalesOrder: ECONNREFUSED' })
  })

  it('holds every call of a client once its server said Retry-After, sending none of them until then', async () => {
    const gated = retryAfterGate('SL')
    let now = Date.now()
    const realNow = Date.now
    Date.now = () => now
    try {
      seen.length = 0
      const send = (path: string) => gated('GET', path, async () => await call('SL', `${base}${path}`, { timeoutMs: 5000 }))
      expect(await failure(send('/throttled'))).toMatchObject({ retryAfterMs: 7000 })
      // Another route, the same server: not sent, and told how long is left.
      now += 2000
      expect(await failure(send('/json?CustId=C1'))).toMatchObject({
        kind: 'retriable', code: 'UPSTREAM_UNAVAILABLE', retryAfterMs: 5000, message: 'SL asked to wait (Retry-After): GET /json not sent'
      })
      expect(seen.map((r) => r.url)).toEqual(['/throttled'])
      now += 5000
      expect((await send('/json?CustId=C1')).status).toBe(200)
      expect(seen.map((r) => r.url)).toEqual(['/throttled', '/json?CustId=C1'])
    } finally {
      Date.now = realNow
    }
  })

  it('sends a read already on its way once, both callers getting its answer; a write each time', async () => {
    const gated = retryAfterGate('SL', { twins: true })
    seen.length = 0
    const read = async () => await gated('GET', '/json?CustOrdNbr=7', async () => await call('SL', `${base}/json?CustOrdNbr=7`, { timeoutMs: 5000 }))
    const [a, b] = await Promise.all([read(), read()])
    expect(a).toBe(b)
    expect(seen.map((r) => r.url)).toEqual(['/json?CustOrdNbr=7'])
    const write = async () => await gated('POST', '/json', async () => await call('SL', `${base}/json`, { method: 'POST', body: '{}', timeoutMs: 5000 }))
    await Promise.all([write(), write()])
    expect(seen).toHaveLength(3)
    await read()
    expect(seen).toHaveLength(4)
  })

  it('stops on what no retry can mend: a base URL that is not http(s), a header it cannot send', async () => {
    expect(await failure(call('SL', 'sl.example.com/api/SalesOrder', { timeoutMs: 5000 }))).toMatchObject({ kind: 'fatal', code: 'CONFIG_INVALID', message: 'SL: "sl.example.com/api/SalesOrder" is not an http(s) URL' })
    const bad = await call('SL', `${base}/json`, { headers: { 'x-sl-cpnyid': 'DEMO\r\nX: y' }, timeoutMs: 5000 }).then(() => undefined, (e: unknown) => e)
    expect(bad).toBeInstanceOf(Error)
    expect(bad).not.toBeInstanceOf(BridgeError)
  })
})

describe('SL answers', () => {
  it('are trimmed of SL\'s padding everywhere, numbers and nulls left alone', () => {
    const parsed = JSON.parse('{"OrdNbr":"SO0004512      ","CuryRate":1.0832,"InvcNbr":null,"Ship":{"Addr2":"          "},"Lines":[{"InvtID":"WIDGET-RED-L   ","QtyOrd":2}],"Tags":["  a  ",3],"__proto__":"  kept as data  "}') as Record<string, unknown>
    const row = trimRow(parsed)
    expect(row).toEqual(JSON.parse('{"OrdNbr":"SO0004512","CuryRate":1.0832,"InvcNbr":null,"Ship":{"Addr2":""},"Lines":[{"InvtID":"WIDGET-RED-L","QtyOrd":2}],"Tags":["  a",3],"__proto__":"  kept as data"}'))
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('  kept as data')
  })
})

describe('SL Status', () => {
  const sl = (server: string) => createSlClient({ baseUrl: `${base}/${server}`, user: 'bridge', password: 'secret', cpnyId: 'DEMO' })
  it('is read trimmed; a server without it, or with an answer the contract does not give, is a contract mismatch', async () => {
    expect(await sl('good').status()).toEqual({ CpnyID: 'DEMO', DatabaseId: '6F9619FF-8B86-D011-B42D-00C04FC964FF', Tstamp: 482213 })
    expect(await failure(sl('none').status())).toMatchObject({ kind: 'fatal', code: 'CONTRACT_MISMATCH' })
    expect(await failure(sl('odd').status())).toMatchObject({
      kind: 'fatal', code: 'CONTRACT_MISMATCH', message: 'SL GET /api/Status: DatabaseId must be non-empty text; Tstamp must be a whole number >= 0'
    })
  })
})
