// Customers both ways between the sandboxes, through clarity-ingest, sl-customer-sink,
// sl-customer-source and clarity-customer-sink, on the real broker and registry. The
// sandboxes count every write they accept, which is how "exactly one write on the other
// side, then quiet" is judged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prefixed } from '../../topology/topology.ts'
import { startSlCustomerSink } from '../../services/sl-customer-sink/src/service.ts'
import { place, shopper, signed, slOrders, startFlow, stock, type Flow } from '../orders-harness.ts'
import { env, readRecords, recordCount, useBroker, waitFor } from '../helpers.ts'
import type { CustomerEvent } from '../../domain/customers.ts'
import { createSerde } from '../../lib/registry.ts'
import { readSchema } from '../../lib/serdes.ts'
import { subjectOf } from '../../topology/topology.ts'

const b = useBroker()
let f: Flow

const CUSTOMER_SERVICES = ['clarity-ingest', 'sl-customer-sink', 'sl-customer-source', 'clarity-customer-sink']
const slAuth = { authorization: `Basic ${Buffer.from('bridge:bridge-dev').toString('base64')}`, 'x-sl-cpnyid': 'DEMO' }
let token = ''

async function slWrites (): Promise<number> {
  const w = (await f.sl.app.inject({ method: 'GET', url: '/sandbox/writes' })).json() as Record<string, number>
  return (w['POST /api/Customer'] ?? 0) + (w['PUT /api/Customer/:custId'] ?? 0)
}
async function clarityWrites (): Promise<number> {
  const w = (await f.clarity.app.inject({ method: 'GET', url: '/sandbox/writes' })).json() as Record<string, number>
  return w['POST /Accounts/Account/Upsert'] ?? 0
}
async function upsertAccount (body: object): Promise<void> {
  if (token === '') token = (await f.clarity.app.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials&client_id=bridge&client_secret=bridge-dev', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json().access_token
  const r = await f.clarity.app.inject({ method: 'POST', url: '/Accounts/Account/Upsert', headers: { authorization: `Bearer ${token}` }, payload: body })
  if (r.statusCode !== 200) throw new Error(`Clarity refused: ${r.body}`)
}
async function editSl (custId: string, body: object): Promise<void> {
  const r = await f.sl.app.inject({ method: 'PUT', url: `/api/Customer/${custId}`, headers: slAuth, payload: body })
  if (r.statusCode !== 200) throw new Error(`SL refused: ${r.body}`)
}
const account = (id: number) => f.clarity.state().accounts[String(id)]!
const accountByKey = (key: string) => Object.values(f.clarity.state().accounts).find((a) => a.CustomKey === key)

/**
 * Everything in flight has been handled: no webhook waiting, every group at the end of
 * its topics, the SL feed read to its newest row; and it stays so over two looks that
 * straddle a poll of both pollers, so nothing is about to start again.
 */
async function settled (): Promise<{ sl: number, clarity: number }> {
  const { topics, services } = prefixed(f.prefix)
  const pairs: Array<[string, string]> = [
    [services.slCustomerSink.name, topics.customersRaw.name],
    [services.clarityCustomerSink.name, topics.customersRaw.name],
    [services.clarityCustomerSink.name, topics.customersChanges.name]
  ]
  const look = async (): Promise<string | undefined> => {
    if (f.clarity.state().outbox.length > 0) return undefined
    const newest = Math.max(...Object.values(f.sl.state().customers).map((c) => c.tstamp))
    const feed = await (await fetch(`http://127.0.0.1:${f.services['sl-customer-source']!.port}/feed`)).json() as { position: number }
    if (feed.position < newest) return undefined
    const ends: string[] = []
    for (const [group, topic] of pairs) {
      const marks = await b.admin.watermarks(topic)
      const done = await b.admin.groupOffsets(group, topic)
      for (const m of marks) {
        const c = done.find((d) => d.partition === m.partition)?.offset ?? '-1'
        if (m.high !== '0' && c !== m.high) return undefined
        ends.push(m.high)
      }
    }
    return `${ends.join(',')}|${await slWrites()}|${await clarityWrites()}`
  }
  let previous: string | undefined
  let since = 0
  await waitFor('the customer sync to settle', async () => {
    const now = await look()
    if (now === undefined || now !== previous) { previous = now; since = Date.now(); return false }
    return Date.now() - since >= 1200
  }, 90000)
  return { sl: await slWrites(), clarity: await clarityWrites() }
}

beforeAll(async () => {
  f = await startFlow({ ...env(), logLevel: process.env.TEST_LOG_LEVEL, only: [...CUSTOMER_SERVICES, 'order-mapper', 'sl-order-sink'], pollMs: 500 })
  await settled()
})
afterAll(async () => { await f.stop() })

describe('customers both ways', () => {
  it('on first start SL customers become accounts, and a new Clarity account becomes an SL customer with its CustId written back', async () => {
    expect(accountByKey('C000105')?.Name).toBe(f.sl.state().customers.C000105!.Name)
    expect(accountByKey('WEBGUEST')).toBeUndefined()
    expect(account(813).CustomKey).toBe('W000813')
    expect(f.sl.state().customers.W000813).toMatchObject({ Name: 'Kofi Mensah', EMailAddr: 'kofi.mensah@example.com', Addr1: '12 Harbor Rd', City: 'Newark', State: 'NJ', Country: 'USA', ClassId: 'WEB' })
  })

  it('an edit in Clarity: exactly one write in SL, then quiet', async () => {
    const before = await settled()
    await upsertAccount({ ID: 813, PrimaryContact: { Phone1: '+1 973 555 0142' } })
    await waitFor('the phone in SL', () => f.sl.state().customers.W000813!.Phone === '+1 973 555 0142')
    const after = await settled()
    expect(after.sl - before.sl).toBe(1)
    expect(after.clarity - before.clarity).toBe(1) // the edit itself, nothing sent back
  })

  it('an edit in SL: exactly one write in Clarity, then quiet', async () => {
    const before = await settled()
    await editSl('C000105', { Addr1: '77 Lamar Blvd', Zip: '78704' })
    await waitFor('the address in Clarity', () => accountByKey('C000105')?.PrimaryContact.Address?.Street1 === '77 Lamar Blvd')
    const after = await settled()
    expect(after.clarity - before.clarity).toBe(1)
    expect(after.sl - before.sl).toBe(1) // the edit itself, nothing sent back
    expect(accountByKey('C000105')!.PrimaryContact.Address).toMatchObject({ Street1: '77 Lamar Blvd', PostalCode: '78704', CountryCode: 'US' })
  })

  it('a signed customer.updated from the far future with other data is refused; a later genuine change still reaches SL', async () => {
    const { topics } = prefixed(f.prefix)
    const ana = account(812)
    // Last changed an hour ago, as Clarity lists it: the event below speaks of no change Clarity knows.
    ana.UpdatedDate = new Date(Date.now() - 3600000).toISOString()
    const evId = `evt_forged_${Date.now()}`
    const forged = { ...ana, Name: 'Forged Name', UpdatedDate: '2099-12-31T00:00:00Z', PrimaryContact: { ...ana.PrimaryContact, Email1: 'forged@example.com' } }
    const body = JSON.stringify({ id: evId, type: 'customer.updated', createdAt: new Date().toISOString(), data: forged })
    const r = await fetch(`${f.ingestUrl}/webhooks/clarity`, { method: 'POST', headers: { ...signed(body), 'Clarity-Event-Id': evId }, body })
    expect([r.status, await r.json()]).toEqual([200, { refused: 'ACCOUNT_NOT_LISTED' }])
    const metrics = await (await fetch(`${f.ingestOpsUrl}/metrics`)).text()
    expect(metrics).toMatch(/bridge_webhooks_total\{result="account_refused"[^}]*\} 1/)

    await upsertAccount({ ID: 812, PrimaryContact: { Phone1: '+1 512 555 0177' } })
    await waitFor('the phone in SL', () => f.sl.state().customers.C000123!.Phone === '+1 512 555 0177')
    await settled()
    expect(f.sl.state().customers.C000123).toMatchObject({ Name: 'Ana Núñez', EMailAddr: 'ana@example.com' })
    expect(account(812)).toMatchObject({ Name: 'Ana Núñez', PrimaryContact: { Email1: 'ana@example.com' } })
    const serde = await createSerde<CustomerEvent>(b.registry, subjectOf(topics.customersRaw),
      readSchema(topics.customersRaw))
    const states = await Promise.all((await readRecords(
      b.kafka, topics.customersRaw.name, await recordCount(b.admin, topics.customersRaw.name)
    )).map(async (x) => await serde.decode(x.value!)))
    expect(states.filter((s) => s.eventId === evId || s.account.Name === 'Forged Name')).toEqual([])
  })

  it('an account with the e-mail of an SL customer is linked to it, not duplicated', async () => {
    const existing = f.sl.state().customers.C000110!
    const count = Object.keys(f.sl.state().customers).length
    await upsertAccount({ Name: existing.Name, PrimaryContact: { FirstName: 'X', LastName: 'Y', Email1: existing.EMailAddr.toUpperCase(), Phone1: null, Address: null } })
    const linked = await waitFor('the account linked', () => Object.values(f.clarity.state().accounts).find((a) => a.PrimaryContact.Email1 === existing.EMailAddr.toUpperCase() && a.CustomKey !== null))
    expect(linked.CustomKey).toBe('C000110')
    await settled()
    expect(Object.keys(f.sl.state().customers)).toHaveLength(count)
  })

  it('an order of an account SL does not know yet waits for the customer, then is created under it', async () => {
    // The customer sync is held back, so the order certainly reaches SL first.
    await f.services['sl-customer-sink']!.stop()
    await upsertAccount({ Name: 'Mei Tanaka', PrimaryContact: { FirstName: 'Mei', LastName: 'Tanaka', Email1: 'mei.tanaka@example.com', Phone1: null, Address: null } })
    const acct = Object.values(f.clarity.state().accounts).find((a) => a.PrimaryContact.Email1 === 'mei.tanaka@example.com')!
    stock(f, 'WIDGET-GREEN-S')
    const id = await place(f, shopper([{ sku: 'WIDGET-GREEN-S', quantity: 1 }], { customer: { email: 'mei.tanaka@example.com', firstName: 'Mei', lastName: 'Tanaka' } }))
    const sink = f.services['sl-order-sink']!.kit.metrics
    await waitFor('the order to wait for its customer', async () => (await sink.registry.getSingleMetricAsString('bridge_errors_total')).includes('CUSTOMER_PENDING'))
    expect(slOrders(f, String(id))).toHaveLength(0)
    f.services['sl-customer-sink'] = await startSlCustomerSink(f.common as never, (() => undefined) as never)
    const [order] = await waitFor('the SL order', () => { const o = slOrders(f, String(id)); return o.length > 0 ? o : undefined })
    expect(order!.CustID).toBe(`W${String(acct.ID).padStart(6, '0')}`)
    expect(f.sl.state().customers[order!.CustID]?.EMailAddr).toBe('mei.tanaka@example.com')
    const { topics } = prefixed(f.prefix)
    expect(await recordCount(b.admin, `${topics.ordersMapped.name}.dlq`)).toBe(0)
  })
})
