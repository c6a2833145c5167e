// The logs keep no personal data and no credential, at whatever depth a payload puts them.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../infra/embedded.ts'
import { secretsOf } from '../../lib/config.ts'
import { createLogger, redact, REDACTED_KEYS } from '../../lib/logger.ts'

function capture (): { log: ReturnType<typeof createLogger>, text: () => string } {
  const lines: string[] = []
  const sink = new Writable({ write (chunk, _e, cb) { lines.push(String(chunk)); cb() } })
  return { log: createLogger('svc', 'debug', sink), text: () => lines.join('') }
}

describe('redaction in the logs', () => {
  it.each<[string, object]>([
    ['at the top', { Email1: 'MARKER-1' }],
    ['three levels down', { a: { b: { EMailAddr: 'MARKER-1' } } }],
    ['four levels down', { order: { BillingContact: { Address: { Street1: 'x' } }, ShippingContact: { x: 1 } }, a: { b: { c: { ShipAddr1: 'MARKER-1' } } } }],
    ['eight levels down', { a: { b: { c: { d: { e: { f: { g: { BillName: 'MARKER-1' } } } } } } } }],
    ['in a list', { rows: [{ ok: 1 }, { PrimaryContact: { Phone1: 'MARKER-1' } }] }],
    ['in a list in a list', { rows: [[{ Name: 'MARKER-1' }]] }],
    ['a whole contact', { ShippingContact: { FirstName: 'MARKER-1', Address: null } }],
    ['the storefront\'s shape', { body: { customer: { email: 'MARKER-1' }, shipTo: { Street1: 'MARKER-1' } } }],
    ['a setting that is a secret', { config: { SL_API_PASSWORD: 'MARKER-1', CLARITY_CLIENT_SECRET: 'MARKER-1' } }],
    ['the other secret settings', { c: { KAFKA_SASL_PASSWORD: 'MARKER-1', ADMIN_TOKEN: 'MARKER-1', CLARITY_WEBHOOK_SECRET: ['MARKER-1'] } }],
    ['a client\'s credentials', { sl: { user: 'bridge', password: 'MARKER-1' }, clarity: { clientSecret: 'MARKER-1' }, headers: { authorization: 'MARKER-1' } }]
  ])('%s', (_, fields) => {
    const { log, text } = capture()
    log.warn(fields, 'something')
    expect(text()).not.toContain('MARKER-1')
    expect(text()).toContain('[redacted]')
  })

  it('every secret setting of every service is redacted', async () => {
    const names = new Set<string>()
    for (const service of readdirSync(join(projectRoot, 'services'))) {
      const { spec } = await import(join(projectRoot, 'services', service, 'src/config.ts')) as { spec: Parameters<typeof secretsOf>[0] }
      for (const k of secretsOf(spec)) names.add(k)
    }
    expect([...names]).toEqual(expect.arrayContaining(['SL_API_PASSWORD', 'CLARITY_CLIENT_SECRET', 'ADMIN_TOKEN']))
    for (const k of names) expect(REDACTED_KEYS.has(k), k).toBe(true)
  })

  it('keeps what is not personal, and what a personal key leaves empty', () => {
    const { log, text } = capture()
    log.warn({ order: { ID: 7, CustomKey: 'C1', Email1: null, Phone1: undefined }, code: 'FIELD_TOO_LONG', topic: 'orders.raw' }, 'held')
    const line = JSON.parse(text()) as Record<string, unknown>
    expect(line).toMatchObject({ order: { ID: 7, CustomKey: 'C1', Email1: null }, code: 'FIELD_TOO_LONG', topic: 'orders.raw', name: 'svc', msg: 'held' })
  })

  it('redacts a child\'s bindings, and a grandchild\'s', () => {
    const { log, text } = capture()
    log.child({ topic: 't', EMailAddr: 'MARKER-1' }).child({ deep: { City: 'MARKER-2' } }).info({ partition: 3 }, 'x')
    expect(text()).not.toMatch(/MARKER-[12]/)
    expect(JSON.parse(text())).toMatchObject({ topic: 't', deep: { City: '[redacted]' }, partition: 3 })
  })

  it('an error is logged as pino serializes it', () => {
    const { log, text } = capture()
    log.fatal({ err: new Error('boom') }, 'fatal error')
    expect(JSON.parse(text())).toMatchObject({ err: { type: 'Error', message: 'boom' } })
  })
})

describe('redact', () => {
  it('copies only where it replaces: the caller\'s objects are left as they were', () => {
    const inner = { ok: 1 }
    const fields = { a: { Email1: 'x' }, inner, list: [inner, { Zip: '1' }] }
    const out = redact(fields)
    expect(out).toEqual({ a: { Email1: '[redacted]' }, inner: { ok: 1 }, list: [{ ok: 1 }, { Zip: '[redacted]' }] })
    expect(out.inner).toBe(inner)
    expect(out.list[0]).toBe(inner)
    expect(fields).toEqual({ a: { Email1: 'x' }, inner: { ok: 1 }, list: [{ ok: 1 }, { Zip: '1' }] })
  })

  it('a line without such a key is the same object', () => {
    const fields = { offset: '41', code: 'DECODE_FAILED', reason: 'no magic byte', n: [1, 2], deep: { a: { b: {} } } }
    expect(redact(fields)).toBe(fields)
  })

  it('a key in a list is an index, not a field', () => {
    const list = ['Email1']
    expect(redact({ list })).toEqual({ list: ['Email1'] })
  })

  it('a cycle ends the walk, and what is not a plain object or list is left to pino', () => {
    const cycle: Record<string, unknown> = { Email1: 'x' }
    cycle.self = cycle
    const out = redact({ cycle }) as { cycle: Record<string, unknown> }
    expect(out.cycle.Email1).toBe('[redacted]')
    expect(out.cycle.self).toBe(cycle)
    const when = new Date(0)
    const map = new Map([['Email1', 'x']])
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { Email1: 'x' })
    expect(redact({ when, map, bare })).toEqual({ when, map, bare: { Email1: '[redacted]' } })
    for (const v of [null, undefined, 'text', 5]) expect(redact(v)).toBe(v)
  })
})
