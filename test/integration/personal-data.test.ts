// Personal data stays in the records: orders whose names, addresses and e-mails are unique
// markers go through the order flow, its services running as processes of their own (at
// debug, so every line they write is read), some of them mapped and made in SL, some
// dead-lettered (too long for SL, an account key SL cannot take), some held (by a rule, or
// refused by SL). No marker may appear in a log line, a dead letter's headers, a service's
// /metrics or a hold reason in Clarity; the dead letter's value keeps the record, by design.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../../infra/embedded.ts'
import { nodeCommand } from '../../infra/processes.ts'
import { clarityOrder, place, startFlow, stock, type Flow } from '../orders-harness.ts'
import { env, readRecords, recordCount, useBroker, waitFor } from '../helpers.ts'
import { spec as ingestSpec } from '../../services/clarity-ingest/src/config.ts'

const b = useBroker()
let f: Flow

interface Child {
  name: string, child: ChildProcess, output: string[], exited: Promise<unknown>
  port: () => number | undefined, webhookPort: () => number | undefined
}
const children: Child[] = []

function start (name: string, extra: Record<string, string> = {}): Child {
  const vars = Object.fromEntries(Object.entries(f.common).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]))
  const { bin, args } = nodeCommand(join(projectRoot, `services/${name}/src/main.ts`))
  const child = spawn(bin, args, {
    cwd: projectRoot,
    env: { ...process.env, ...vars, HTTP_PORT: '0', WEBHOOK_PORT: '0', LOG_LEVEL: 'debug', ...extra },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const output: string[] = []
  child.stdout!.setEncoding('utf8').on('data', (s: string) => output.push(s))
  child.stderr!.setEncoding('utf8').on('data', (s: string) => output.push(s))
  const lineOf = (msg: string): Record<string, unknown> | undefined => {
    const line = output.join('').split('\n').find((l) => l.includes(`"msg":"${msg}"`))
    return line === undefined ? undefined : JSON.parse(line) as Record<string, unknown>
  }
  const port = (): number | undefined => lineOf('started')?.port as number | undefined
  // clarity-ingest may serve its webhook on a port of its own, which it names when it listens.
  const webhookPort = (): number | undefined => {
    if (!('WEBHOOK_PORT' in ingestSpec)) return port()
    const own = lineOf('webhook listening')?.webhook as string | undefined
    return own === undefined ? undefined : Number(own.split(':').at(-1))
  }
  const c = { name, child, output, port, webhookPort, exited: new Promise((resolve) => child.once('exit', resolve)) }
  children.push(c)
  return c
}

const mark = (tag: string): string => `${tag}${randomBytes(4).toString('hex')}`
const markers: string[] = []
/** A storefront order whose name, e-mail and address are markers (a street marker begins Street1). */
interface Over { street1?: (marker: string) => string, first?: string, email?: string }
function shopper (lines: Array<{ sku: string, quantity: number }>, over: Over = {}) {
  const street = mark('St')
  const m = { first: over.first ?? mark('Fn'), last: mark('Ln'), email: over.email ?? `${mark('em')}@example.com`, street2: mark('Ap'), city: mark('Ci'), zip: mark('Z') }
  const street1 = over.street1?.(street) ?? `${street} High Street`
  markers.push(...Object.values(m), street)
  const address = { Street1: street1, Street2: m.street2, City: m.city, CountryCode: 'GB', PostalCode: m.zip }
  return { customer: { email: m.email, firstName: m.first, lastName: m.last }, shipTo: address, billTo: address, currency: 'USD', lines }
}

beforeAll(async () => {
  // The sandboxes in this process, every order service in a process of its own.
  f = await startFlow({ ...env(), only: [] })
  for (const sku of ['WIDGET-RED-L', 'WIDGET-BLUE-M', 'GASKET-RUBBER-2IN']) stock(f, sku, 5000)
  start('clarity-ingest')
  start('order-mapper')
  start('sl-order-sink', { CUSTOMER_WAIT_MS: '1000' })
  start('sl-shipper-source')
  start('clarity-order-sink')
  await waitFor('every service started', () => children.every((c) =>
    c.port() !== undefined && (c.name !== 'clarity-ingest' || c.webhookPort() !== undefined)), 120000).catch((err) => {
    throw new Error(`${(err as Error).message}\n${children.map((c) => `${c.name}: ${c.output.join('').slice(-2000)}`).join('\n')}`)
  })
  const ingest = children.find((c) => c.name === 'clarity-ingest')!
  const url = `http://127.0.0.1:${ingest.webhookPort()!}/webhooks/clarity`
  await f.clarity.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { urls: [url] } })
}, 180000)

afterAll(async () => {
  for (const c of children) c.child.kill('SIGTERM')
  await Promise.all(children.map((c) => c.exited))
  await f?.stop()
})

describe('personal data', () => {
  it('appears in no log line, dead-letter header, metric or hold reason', async () => {
    // Made in SL, shipped and confirmed.
    const good = await place(f, shopper([{ sku: 'WIDGET-BLUE-M', quantity: 1 }]))
    // Dead-lettered by the mapper: an address line of 73 characters, a name of 62, an account key that is an e-mail.
    let street = ''
    const longStreet = await place(f, shopper([{ sku: 'WIDGET-BLUE-M', quantity: 1 }], {
      street1: (m) => { street = m; return `${m} ${'Long Sutton Road, Holbeach, '.repeat(3)}`.slice(0, 73) }
    }))
    const longName = await place(f, shopper([{ sku: 'WIDGET-BLUE-M', quantity: 1 }], { first: `${mark('Fn')}${'x'.repeat(41)}` }))
    const keyEmail = `${mark('em')}@example.com`
    f.clarity.state().accounts['990001'] = {
      ID: 990001, CustomKey: keyEmail, CreatedDate: new Date().toISOString(), UpdatedDate: new Date().toISOString(),
      Active: true, Hash: null,
      Name: mark('Nm'), IsTaxable: true, TaxExemptionNo: null, CreditCurrencyKey: 'USD',
      PrimaryContact: { FirstName: mark('Fn'), LastName: mark('Ln'), Email1: keyEmail, Phone1: mark('Ph'), Address: null }
    }
    markers.push(keyEmail, f.clarity.state().accounts['990001']!.Name)
    const badKey = await place(f, shopper([{ sku: 'WIDGET-BLUE-M', quantity: 1 }], { email: keyEmail }))
    // Held by the mapping's rule (over 25,000 USD), and held because SL refuses an item it no longer sells.
    const large = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 2000 }]))
    f.sl.state().items['GASKET-RUBBER-2IN']!.TranStatusCode = 'IN'
    const refused = await place(f, shopper([{ sku: 'GASKET-RUBBER-2IN', quantity: 1 }]))

    await waitFor('the good order confirmed or shipped', () => ['Confirmed', 'Shipped'].includes(clarityOrder(f, good).StatusKey), 90000)
    await waitFor('both held orders on hold', () => [large, refused].every((id) => clarityOrder(f, id).StatusKey === 'On Hold'), 90000)
    await waitFor('three orders dead-lettered by the mapper', async () => await recordCount(b.admin, `${f.prefix}orders.raw.dlq`) >= 3, 60000)
    await waitFor('the refused order dead-lettered by the sink', async () => await recordCount(b.admin, `${f.prefix}orders.mapped.dlq`) >= 1, 60000)

    // What the dead letters say, and that they say it without the values.
    const raw = await readRecords(b.kafka, `${f.prefix}orders.raw.dlq`, 3)
    const byKey = Object.fromEntries(raw.map((r) => [r.key!.toString(), r]))
    expect(byKey[String(longStreet)]!.headers).toMatchObject({ 'dlq.error.code': 'FIELD_TOO_LONG', 'dlq.error.message': expect.stringMatching(/^ShipAddr1 is 73 characters; SL takes at most 60\./) })
    expect(byKey[String(longName)]!.headers).toMatchObject({ 'dlq.error.code': 'FIELD_TOO_LONG', 'dlq.error.message': expect.stringMatching(/^ShipName is 62 characters; SL takes at most 60\./) })
    expect(byKey[String(badKey)]!.headers).toMatchObject({ 'dlq.error.code': 'BAD_CUSTOMER_KEY', 'dlq.error.message': expect.stringMatching(/^AccountKey \(\d+ characters\)/) })
    // The dead letter keeps the original record, personal data and all: that is what it is for.
    expect(byKey[String(longStreet)]!.value!.toString('utf8')).toContain(street)
    const mapped = await readRecords(b.kafka, `${f.prefix}orders.mapped.dlq`, 1)
    expect(mapped[0]!.headers['dlq.error.code']).toBe('SL_422')
    expect(clarityOrder(f, large).HoldReason).toBe('Order over 25,000 USD: check with the customer before releasing')
    expect(clarityOrder(f, refused).HoldReason).toMatch(/GASKET-RUBBER-2IN is not active/)

    const dlqTopics = (await b.admin.listTopics()).filter((t) => t.startsWith(f.prefix) && t.endsWith('.dlq'))
    const headers: string[] = []
    for (const t of dlqTopics) {
      const n = await recordCount(b.admin, t)
      if (n > 0) for (const r of await readRecords(b.kafka, t, n)) headers.push(JSON.stringify(r.headers))
    }
    const metrics: string[] = []
    for (const c of children) metrics.push(await (await fetch(`http://127.0.0.1:${c.port()!}/metrics`)).text())
    expect(metrics.join('')).toContain('bridge_dead_lettered_total{topic="')
    const holds = Object.values(f.clarity.state().orders).map((o) => o.HoldReason ?? '')

    const logs = children.map((c) => c.output.join(''))
    expect(logs.join('')).toContain('"code":"FIELD_TOO_LONG"')
    const places: Array<[string, string]> = [
      ...children.map((c, i): [string, string] => [`the log of ${c.name}`, logs[i]!]),
      ['the dead letters\' headers', headers.join('\n')],
      ['/metrics', metrics.join('\n')],
      ['the hold reasons in Clarity', holds.join('\n')]
    ]
    for (const [where, text] of places) {
      for (const m of markers) expect(text.includes(m), `${m} in ${where}`).toBe(false)
    }
  }, 300000)
})
