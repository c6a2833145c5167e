// lib/http.ts: what an admin route lets in (through a feed's POST /feed/rewind, with a
// stand-in feed), and the deadlines of a public server, on a socket.
import { connect } from 'node:net'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import type { Feed, FeedStatus } from '../../lib/feed-source.ts'
import { feedRoutes } from '../../lib/feed-service.ts'
import { adminOnly, buildPublicServer, sameOrigin } from '../../lib/http.ts'

const TOKEN = 'a-token-of-at-least-24-characters'
const json = { 'content-type': 'application/json' }
const bearer = { authorization: `Bearer ${TOKEN}` }

function withFeedRoutes (token: string | undefined) {
  let rewound = 0
  const status = { cursor: 'c', position: 0, produced: 0, caughtUp: true, CpnyID: null, DatabaseId: null, reset: null } satisfies FeedStatus
  const feed: Feed = { stop: async () => {}, status: () => status, rewind: () => { rewound++ } }
  const app = Fastify()
  feedRoutes(app, () => feed, token)
  const rewind = async (headers: Record<string, string>, payload?: string) => {
    const r = await app.inject({ method: 'POST', url: '/feed/rewind', headers, payload })
    return { status: r.statusCode, body: r.json() as Record<string, unknown> }
  }
  return { app, rewind, rewound: () => rewound }
}

describe('POST /feed/rewind, an admin route', () => {
  it.each([
    ['no token', {}, '{}', /^Authorization must be "Bearer <ADMIN_TOKEN>"/],
    ['another token', { authorization: 'Bearer another-token-of-24-characters-or-more' }, '{}', /^Authorization must be/],
    ['the token in another scheme', { authorization: `Basic ${TOKEN}` }, '{}', /^Authorization must be/],
    ['a text/plain body, as any web page can post', { ...bearer, 'content-type': 'text/plain' }, 'x', /^content-type must be application\/json/],
    ['a form body', { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }, 'a=1', /^content-type must be application\/json/],
    ['no content-type', { ...bearer }, undefined, /^content-type must be application\/json/],
    ['JSON from another site', { ...bearer, ...json, origin: 'http://evil.example', host: '127.0.0.1:7407' }, '{}', /^Origin must be this server itself/],
    ['JSON from another port of this host', { ...bearer, ...json, origin: 'http://127.0.0.1:3000', host: '127.0.0.1:7407' }, '{}', /^Origin must be this server itself/],
    ['JSON from a page of no origin', { ...bearer, ...json, origin: 'null', host: '127.0.0.1:7407' }, '{}', /^Origin must be this server itself/]
  ])('refuses %s with 403 and the rule, and does not rewind', async (_name, headers, payload, rule) => {
    const s = withFeedRoutes(TOKEN)
    const r = await s.rewind(headers as Record<string, string>, payload)
    expect(r.status).toBe(403)
    expect(r.body.error).toMatch(rule)
    expect(JSON.stringify(r.body)).not.toContain(TOKEN)
    expect(s.rewound()).toBe(0)
  })

  it('refuses everything while no ADMIN_TOKEN is configured, saying to set one', async () => {
    const s = withFeedRoutes(undefined)
    const r = await s.rewind({ authorization: 'Bearer undefined', ...json }, '{}')
    expect(r).toEqual({ status: 403, body: { error: 'admin routes are off: set ADMIN_TOKEN (or ADMIN_TOKEN_FILE) to use them' } })
    expect(s.rewound()).toBe(0)
  })

  it.each([
    ['from a program (no Origin)', { ...bearer, ...json }],
    ['from a page of the server itself', { ...bearer, ...json, origin: 'http://127.0.0.1:7407', host: '127.0.0.1:7407' }],
    ['with the scheme in small letters and a charset', { authorization: `bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' }]
  ])('takes the token with a JSON body %s, and rewinds', async (_name, headers) => {
    const s = withFeedRoutes(TOKEN)
    const r = await s.rewind(headers as Record<string, string>, '{}')
    expect(r.status).toBe(200)
    expect(s.rewound()).toBe(1)
  })

  it('leaves GET /feed, which changes nothing, open', async () => {
    const s = withFeedRoutes(TOKEN)
    expect((await s.app.inject({ method: 'GET', url: '/feed' })).statusCode).toBe(200)
  })

  it('guards any route it is put on', async () => {
    const app = Fastify()
    app.put('/x', { onRequest: adminOnly(TOKEN) }, async () => ({ ok: true }))
    expect((await app.inject({ method: 'PUT', url: '/x', headers: { 'content-type': 'text/plain', ...bearer }, payload: 'x' })).statusCode).toBe(403)
    expect((await app.inject({ method: 'PUT', url: '/x', headers: { ...json, ...bearer }, payload: '{}' })).statusCode).toBe(200)
  })
})

describe('sameOrigin', () => {
  it.each([
    ['http://127.0.0.1:7407', '127.0.0.1:7407', true],
    ['https://bridge.example', 'bridge.example', true],
    ['http://bridge.example', 'bridge.example:80', true],
    ['http://Bridge.Example:8080', 'bridge.example:8080', true],
    ['http://bridge.example:8080', 'bridge.example:8081', false],
    ['http://evil.example', 'bridge.example', false],
    ['null', 'bridge.example', false],
    ['file://', 'bridge.example', false],
    ['http://bridge.example', undefined, false],
    ['http://bridge.example', 'bad host/', false]
  ])('%s against Host %s: %s', (origin, host, same) => {
    expect(sameOrigin(origin, host)).toBe(same)
  })
})

describe('buildPublicServer', () => {
  async function held (send: string): Promise<{ answer: string, ms: number }> {
    const app = buildPublicServer({ headersTimeoutMs: 200, requestTimeoutMs: 400 })
    app.post('/x', async () => ({ ok: true }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const t0 = Date.now()
      const socket = connect((app.server.address() as { port: number }).port, '127.0.0.1')
      let answer = ''
      socket.on('data', (d: Buffer) => { answer += d.toString() })
      socket.write(send)
      await new Promise((resolve) => socket.once('close', resolve))
      return { answer, ms: Date.now() - t0 }
    } finally {
      await app.close()
    }
  }

  it('closes a connection whose headers do not arrive in time with 408', async () => {
    const r = await held('POST /x HTTP/1.1\r\nhost: a\r\n')
    expect(r.answer).toMatch(/^HTTP\/1.1 408 /)
    expect(r.ms).toBeLessThan(2000)
  }, 5000)

  it('closes a connection whose body does not arrive in time with 408', async () => {
    const r = await held('POST /x HTTP/1.1\r\nhost: a\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a"')
    expect(r.answer).toMatch(/^HTTP\/1.1 408 /)
    expect(r.ms).toBeLessThan(2000)
  }, 5000)

  it('keeps the defaults under Clarity\'s own 10 s', () => {
    const app = buildPublicServer()
    expect([app.server.headersTimeout, app.server.requestTimeout]).toEqual([5000, 10000])
  })
})
