// clarity-ingest on its own, on the real broker, against the Clarity sandbox: what it
// remembers over instances and restarts (the event ids it took), and what a time from
// the future in Clarity's listing may not do (move the cursor, outrank later changes).
// Clarity's own deliveries are off: every webhook here is the test's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Running } from '../../lib/service.ts'
import { cursorRecord, readCursor, type Cursor } from '../../lib/cursor.ts'
import { createSerde } from '../../lib/registry.ts'
import { readSchema } from '../../lib/serdes.ts'
import type { CustomerEvent } from '../../domain/customers.ts'
import { startClarityIngest, type IngestRunning } from '../../services/clarity-ingest/src/service.ts'
import { prefixed, subjectOf } from '../../topology/topology.ts'
import { clarityOrder, place, shopper, signed, startFlow, type Flow } from '../orders-harness.ts'
import { env, readRecords, recordCount, useBroker, waitFor } from '../helpers.ts'

const b = useBroker()
let f: Flow
const noExit = (() => undefined) as never
const urlOf = (r: Running): string => `http://127.0.0.1:${(r as IngestRunning).webhookPort}`

beforeAll(async () => {
  f = await startFlow({ ...env(), logLevel: process.env.TEST_LOG_LEVEL, only: ['clarity-ingest'], pollMs: 200 })
  await f.clarity.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { urls: [] } })
})
afterAll(async () => { await f.stop() })

async function metric (r: Running, pattern: RegExp): Promise<number> {
  const m = (await r.app!.inject('/metrics')).body.match(pattern)
  return m === null ? 0 : Number(m[1])
}
const seenIds = (r: Running) => metric(r, /^bridge_webhook_seen_ids\{[^}]*\} (\d+)$/m)

async function records (topic: string) {
  const n = await recordCount(b.admin, topic)
  return n === 0 ? [] : await readRecords(b.kafka, topic, n)
}

let token = ''
async function upsertAccount (body: object): Promise<void> {
  if (token === '') token = (await f.clarity.app.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials&client_id=bridge&client_secret=bridge-dev', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json().access_token
  const r = await f.clarity.app.inject({ method: 'POST', url: '/Accounts/Account/Upsert', headers: { authorization: `Bearer ${token}` }, payload: body })
  if (r.statusCode !== 200) throw new Error(`Clarity refused: ${r.body}`)
}

describe('clarity-ingest', () => {
  it('a row Clarity lists with a time from the future moves neither the accounts cursor nor the account\'s newest state', async () => {
    const { topics } = prefixed(f.prefix)
    const accounts = await createSerde<CustomerEvent>(b.registry, subjectOf(topics.customersRaw),
      readSchema(topics.customersRaw))
    const cursors = await createSerde<Cursor>(b.registry, subjectOf(topics.cursors), readSchema(topics.cursors))
    const states = async () => Promise.all((await records(topics.customersRaw.name))
      .map(async (r) => (await accounts.decode(r.value!))))
    await waitFor('the first poll of every account', async () => (await states()).some((s) => s.account.ID === 812))
    // Clarity's clock, or a bad row, says account 813 changed a century from now.
    const future = Date.parse('2126-01-01T00:00:00Z')
    f.clarity.state().accounts['813']!.UpdatedDate = new Date(future).toISOString()
    const polled = await waitFor('the future-dated row polled', async () => (await states()).find((s) => s.eventId === `poll:813:${future}`))
    expect(polled.account.UpdatedDate).toBeLessThanOrEqual(Date.now())
    const cursor = await readCursor(b.kafka, topics.cursors.name, cursors, 'clarity-ingest.accounts')
    expect(Date.parse(cursor!)).toBeLessThanOrEqual(Date.now())

    // Genuine changes after it, through Clarity's API: to another account, and to this one.
    await upsertAccount({ ID: 812, PrimaryContact: { Phone1: '+1 512 555 0166' } })
    await upsertAccount({ ID: 813, PrimaryContact: { Phone1: '+1 973 555 0166' } })
    const after = await waitFor('both changes in customers.raw', async () => {
      const s = await states()
      const a = s.find((x) => x.account.ID === 812 && x.account.PrimaryContact.Phone1 === '+1 512 555 0166')
      const k = s.find((x) => x.account.ID === 813 && x.account.PrimaryContact.Phone1 === '+1 973 555 0166')
      return a !== undefined && k !== undefined ? k : undefined
    }, 20000)
    expect(after.account.UpdatedDate).toBeGreaterThan(polled.account.UpdatedDate)
  })

  it('a delivery taken by one instance is a duplicate at a second one and after a restart, also when it arrives three times at once: one record', async () => {
    const { topics } = prefixed(f.prefix)
    const id = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }]))
    const evId = `evt_twice_${id}`
    const body = JSON.stringify({ id: evId, type: 'order.created', createdAt: new Date().toISOString(), data: clarityOrder(f, id) })
    const post = async (url: string) => {
      const r = await fetch(`${url}/webhooks/clarity`, { method: 'POST', headers: { ...signed(body), 'Clarity-Event-Id': evId }, body })
      return [r.status, await r.json()]
    }
    const a = f.services['clarity-ingest']!
    const other = await startClarityIngest({ ...f.common, CLARITY_POLL_INTERVAL_MS: 0 } as never, noExit)
    try {
      const known = await seenIds(other)
      const answers = await Promise.all([1, 2, 3].map(async () => await post(urlOf(a))))
      expect(answers).toEqual(expect.arrayContaining([[200, { accepted: true }], [200, { duplicate: true }]]))
      expect(answers.filter(([, x]) => (x as { accepted?: boolean }).accepted === true)).toHaveLength(1)
      // Clarity's next attempt comes a second later at the soonest; by then the other instance has read the id.
      await waitFor('the second instance to read the id', async () => await seenIds(other) > known)
      expect(await post(urlOf(other))).toEqual([200, { duplicate: true }])
      expect(await metric(other, /^bridge_webhooks_total\{result="duplicate"[^}]*\} (\d+)$/m)).toBe(1)
    } finally {
      await other.stop()
    }
    await a.stop()
    const restarted = await startClarityIngest(f.common as never, noExit)
    f.services['clarity-ingest'] = restarted
    expect(await post(urlOf(restarted))).toEqual([200, { duplicate: true }])
    const taken = (await records(topics.ordersRaw.name)).filter((r) => r.headers['clarity.event.id'] === evId)
    expect(taken).toHaveLength(1)
  })

  it('a cursor kept in the future (by an earlier version) is not resumed from: a genuine change after the restart still arrives', async () => {
    const { topics } = prefixed(f.prefix)
    const accounts = await createSerde<CustomerEvent>(b.registry, subjectOf(topics.customersRaw),
      readSchema(topics.customersRaw))
    const cursors = await createSerde<Cursor>(b.registry, subjectOf(topics.cursors), readSchema(topics.cursors))
    await f.services['clarity-ingest']!.stop()
    await b.producer.send([cursorRecord(topics.cursors.name, cursors, 'clarity-ingest.accounts', '2126-01-01T00:00:00.000Z')])
    f.services['clarity-ingest'] = await startClarityIngest(f.common as never, noExit)
    await upsertAccount({ ID: 812, PrimaryContact: { Phone1: '+1 512 555 0188' } })
    await waitFor('the change in customers.raw', async () => {
      for (const r of await records(topics.customersRaw.name)) {
        const s = await accounts.decode(r.value!)
        if (s.account.ID === 812 && s.account.PrimaryContact.Phone1 === '+1 512 555 0188') return true
      }
      return false
    }, 20000)
    expect(Date.parse((await readCursor(b.kafka, topics.cursors.name, cursors, 'clarity-ingest.accounts'))!)).toBeLessThanOrEqual(Date.now())
  })
})
