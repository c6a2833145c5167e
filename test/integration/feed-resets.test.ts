// SL's four change feeds when SL goes back or changes under them: restored from a backup
// (its rowversion below the cursors), moved to another database, or so at a start. Every
// source, its sink and both sandboxes, on the real broker and registry. The writes between
// the backup and the restore keep every cursor well above the restored rowversion, so the
// changes made after it have tstamps a feed has already passed: without the Status check
// they would never arrive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cursorRecord, readCursors, type Cursor } from '../../lib/cursor.ts'
import type { FeedStatus } from '../../lib/feed-source.ts'
import type { Consumer } from '../../lib/kafka.ts'
import { topicSerdes } from '../../lib/serdes.ts'
import { startSlCustomerSource } from '../../services/sl-customer-source/src/service.ts'
import { startSlProductSource } from '../../services/sl-product-source/src/service.ts'
import { prefixed, type Topic } from '../../topology/topology.ts'
import { clarityOrder, ORDER_SERVICES, place, shopper, startFlow, stock, type Flow } from '../orders-harness.ts'
import { env, unique, useBroker, waitFor } from '../helpers.ts'

const b = useBroker()
let f: Flow
let tail: Consumer
/** The latest record of every key of the four topics, decoded: `<topic> <key>` → value. */
const latest = new Map<string, Record<string, unknown>>()
const noExit = (() => undefined) as never

const slAuth = { authorization: `Basic ${Buffer.from('bridge:bridge-dev').toString('base64')}`, 'x-sl-cpnyid': 'DEMO' }
async function sl (method: 'GET' | 'PUT' | 'POST', url: string, payload?: object): Promise<Record<string, any>> {
  const r = await f.sl.app.inject({ method, url, payload, headers: url.startsWith('/api/') ? slAuth : {} })
  if (r.statusCode >= 300) throw new Error(`SL sandbox refused ${method} ${url}: ${r.body}`)
  return r.json()
}
const slStatus = async () => await sl('GET', '/api/Status') as { CpnyID: string, DatabaseId: string, Tstamp: number }
const slAvail = (invtId: string, site: string): number => f.sl.state().itemSites[`${invtId}|${site}`]!.QtyAvail
const clarityQty = (sku: string, loc: string): number | undefined => f.clarity.state().stock[`${sku}|${loc}`]?.Quantity
const product = (sku: string) => Object.values(f.clarity.state().products).find((p) => p.CustomKey === sku)
const account = (custId: string) => Object.values(f.clarity.state().accounts).find((a) => a.CustomKey === custId)
const shipped = (id: number) => clarityOrder(f, id).StatusKey === 'Shipped'
const adjust = (invtId: string, site: string, qty: number) => sl('PUT', `/api/Inventory/${invtId}/${site}`, { QtyAdjust: qty, ReasonCd: 'COUNT' })

const http = (service: string): string => `http://127.0.0.1:${f.services[service]!.port}`
const feedOf = async (service: string): Promise<FeedStatus> => await (await fetch(`${http(service)}/feed`)).json() as FeedStatus
/** bridge_feed_resets_total of the source for `reason`, as /metrics shows it. */
async function resets (service: string, reason: string): Promise<number> {
  const text = await (await fetch(`${http(service)}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('bridge_feed_resets_total{') && l.includes(`reason="${reason}"`))
  return Number(line?.split(' ').at(-1))
}

interface Change { key: string, record: Record<string, unknown>, inClarity: () => boolean }
interface Case {
  feed: string
  source: string
  cursor: string
  topic: (t: ReturnType<typeof prefixed>['topics']) => Topic
  /** SL's rows behind the feed. */
  rows: () => Array<{ tstamp: number }>
  /** Writes that take the feed's cursor past the backup. */
  churn: () => Promise<void>
  /** A change in SL; `n` makes it differ from the last one. */
  change: (n: number) => Promise<Change>
  /** After the restore: Clarity shows the backup's data again (where SL is the master). */
  reverted?: () => boolean
}

let churnedLevel = 0
let churnedPrice = 0
const CASES: Case[] = [
  {
    feed: 'inventory', source: 'sl-inventory-source', cursor: 'sl-inventory-source.inventory', topic: (t) => t.inventoryChanges,
    rows: () => Object.values(f.sl.state().itemSites),
    churn: async () => {
      churnedLevel = slAvail('FILTER-MESH-MD', 'WEST')
      for (let i = 0; i < 20; i++) await adjust('FILTER-MESH-MD', 'WEST', 1)
    },
    change: async (n) => {
      await adjust('CLAMP-SS-08', 'EAST', n)
      const want = slAvail('CLAMP-SS-08', 'EAST')
      return { key: 'CLAMP-SS-08|EAST', record: { QtyAvail: want.toFixed(4) }, inClarity: () => clarityQty('CLAMP-SS-08', 'EAST') === want }
    },
    reverted: () => slAvail('FILTER-MESH-MD', 'WEST') === churnedLevel && clarityQty('FILTER-MESH-MD', 'WEST') === churnedLevel
  },
  {
    feed: 'products', source: 'sl-product-source', cursor: 'sl-product-source.products', topic: (t) => t.productsChanges,
    rows: () => Object.values(f.sl.state().items),
    churn: async () => {
      churnedPrice = f.sl.state().items['HOSE-PVC-50FT']!.StkBasePrc
      for (let i = 0; i < 20; i++) await sl('PUT', '/api/Product/HOSE-PVC-50FT', { StkBasePrc: 17 + i / 100 })
    },
    change: async (n) => {
      await sl('PUT', '/api/Product/GAUGE-DRY-0100', { StkBasePrc: 40 + n })
      return { key: 'GAUGE-DRY-0100', record: { StkBasePrc: (40 + n).toFixed(4) }, inClarity: () => product('GAUGE-DRY-0100')?.PriceBase === 40 + n }
    },
    reverted: () => f.sl.state().items['HOSE-PVC-50FT']!.StkBasePrc === churnedPrice && product('HOSE-PVC-50FT')?.PriceBase === churnedPrice
  },
  {
    feed: 'customers', source: 'sl-customer-source', cursor: 'sl-customer-source.customers', topic: (t) => t.customersChanges,
    rows: () => Object.values(f.sl.state().customers),
    churn: async () => { for (let i = 0; i < 20; i++) await sl('PUT', '/api/Customer/C000106', { Addr1: `${i + 1} Churn St` }) },
    change: async (n) => {
      const street = `${n} Restored Rd`
      await sl('PUT', '/api/Customer/C000105', { Addr1: street })
      return { key: 'C000105', record: { Addr1: street }, inClarity: () => account('C000105')?.PrimaryContact.Address?.Street1 === street }
    }
  },
  {
    feed: 'shipments', source: 'sl-shipper-source', cursor: 'sl-shipper-source.shippers', topic: (t) => t.shipmentsChanges,
    rows: () => Object.values(f.sl.state().shippers),
    churn: async () => {
      const id = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }]))
      await waitFor(`order ${id} shipped in Clarity`, () => shipped(id))
    },
    change: async () => {
      const id = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }]))
      return { key: String(id), record: { ShippingConfirmed: true }, inClarity: () => shipped(id) }
    }
  }
]

/** Every feed has read SL to its newest row. */
const settled = () => waitFor('every feed read to SL\'s newest row', async () => {
  for (const c of CASES) {
    const feed = await feedOf(c.source)
    if (!feed.caughtUp || feed.position < Math.max(0, ...c.rows().map((r) => r.tstamp))) return false
  }
  return true
})

async function arrives (c: Case, want: Change): Promise<void> {
  const topic = c.topic(prefixed(f.prefix).topics).name
  await waitFor(`the change on ${topic}`, () => { const r = latest.get(`${topic} ${want.key}`); return r !== undefined && Object.entries(want.record).every(([k, v]) => r[k] === v) })
  await waitFor(`the change of ${c.feed} in Clarity`, want.inClarity)
}

beforeAll(async () => {
  f = await startFlow({
    ...env(), logLevel: process.env.TEST_LOG_LEVEL,
    only: [...ORDER_SERVICES, 'sl-inventory-source', 'clarity-inventory-sink', 'sl-product-source', 'clarity-product-sink', 'sl-customer-source', 'clarity-customer-sink']
  })
  stock(f, 'WIDGET-RED-L')
  const { topics } = prefixed(f.prefix)
  const serde = topicSerdes(b.registry)
  const decoders = new Map(await Promise.all(CASES.map(async (c) =>
    [c.topic(topics).name, await serde<Record<string, unknown>>(c.topic(topics))] as const)))
  tail = await b.kafka.consumer(unique('tail'))
  void tail.run({
    topics: [...decoders.keys()], fromBeginning: true, concurrency: 4,
    onBatch: async (batch) => {
      for (const r of batch.records) if (r.key !== null && r.value !== null) latest.set(`${r.topic} ${r.key.toString()}`, await decoders.get(r.topic)!.decode(r.value))
    }
  })
  await settled()
})
afterAll(async () => {
  await tail?.disconnect()
  await f?.stop()
})

describe('SL restored from a backup', () => {
  const after = new Map<string, Change>()
  let databaseId = ''
  beforeAll(async () => {
    databaseId = (await slStatus()).DatabaseId
    await sl('POST', '/sandbox/database/backup')
    for (const c of CASES) await c.churn()
    await settled()
    await sl('POST', '/sandbox/database/restore')
    for (const c of CASES) after.set(c.feed, await c.change(1))
  })

  it.each(CASES)('$feed: a change made after the restore arrives, and /feed and the metric say what happened', async (c) => {
    await arrives(c, after.get(c.feed)!)
    if (c.reverted !== undefined) await waitFor(`Clarity's ${c.feed} as the backup had it`, c.reverted)
    const feed = await feedOf(c.source)
    expect(feed).toMatchObject({ cursor: `${c.cursor}|DEMO|${databaseId}`, CpnyID: 'DEMO', DatabaseId: databaseId })
    expect(feed.reset).toMatchObject({ reason: 'restore', from: { CpnyID: 'DEMO', DatabaseId: databaseId }, to: { CpnyID: 'DEMO', DatabaseId: databaseId } })
    expect(feed.reset!.from.position).toBeGreaterThan(feed.reset!.to.Tstamp)
    expect(await resets(c.source, 'restore')).toBe(1)
    expect(await resets(c.source, 'database')).toBe(0)
  })
})

describe('SL moved to another database', () => {
  const after = new Map<string, Change>()
  let from = ''
  let to = ''
  beforeAll(async () => {
    await settled()
    from = (await slStatus()).DatabaseId
    to = (await sl('POST', '/sandbox/database/move')).moved.DatabaseId
    for (const c of CASES) after.set(c.feed, await c.change(2))
  })

  it.each(CASES)('$feed: a change made after the move arrives; the cursor is the new database\'s', async (c) => {
    await arrives(c, after.get(c.feed)!)
    const feed = await feedOf(c.source)
    expect(feed).toMatchObject({ cursor: `${c.cursor}|DEMO|${to}`, DatabaseId: to, reset: { reason: 'database', from: { DatabaseId: from }, to: { DatabaseId: to } } })
    expect(await resets(c.source, 'database')).toBe(1)
  })
})

describe('at start', () => {
  const products = CASES.find((c) => c.feed === 'products')!
  const writeCursor = async (name: string, position: number): Promise<void> => {
    const { topics } = prefixed(f.prefix)
    const serde = await topicSerdes(b.registry)<Cursor>(topics.cursors)
    await b.producer.send([cursorRecord(topics.cursors.name, serde, name, String(position))])
  }

  it('a cursor of before, under the plain name, is carried on from, and kept under SL\'s database from then on; one above SL\'s rowversion starts over', async () => {
    await settled()
    const { topics } = prefixed(f.prefix)
    const service = 'sl-product-source'
    await f.services[service]!.stop()
    const s = await slStatus()
    await writeCursor('sl-product-source.products', s.Tstamp)
    const change = await products.change(3)
    f.services[service] = await startSlProductSource(f.common as never, noExit)
    await arrives(products, change)
    const feed = await feedOf(service)
    // Only the change: nothing read again.
    expect(feed).toMatchObject({ cursor: `sl-product-source.products|DEMO|${s.DatabaseId}`, position: s.Tstamp + 1, produced: 1, reset: null })
    const serde = await topicSerdes(b.registry)<Cursor>(topics.cursors)
    const kept = await readCursors(b.kafka, topics.cursors.name, serde, (n) => n.startsWith('sl-product-source.products'))
    expect(kept.at(-1)).toMatchObject({ name: `sl-product-source.products|DEMO|${s.DatabaseId}`, position: String(s.Tstamp + 1) })

    // Upgraded while SL was being restored: the cursor of before is above SL's rowversion.
    await f.services[service]!.stop()
    await writeCursor('sl-product-source.products', s.Tstamp + 500)
    const next = await products.change(4)
    f.services[service] = await startSlProductSource(f.common as never, noExit)
    await arrives(products, next)
    expect((await feedOf(service)).reset).toMatchObject({ reason: 'restore', from: { CpnyID: null, DatabaseId: null, position: s.Tstamp + 500 }, to: { DatabaseId: s.DatabaseId } })
    expect(await resets(service, 'restore')).toBe(1)
  })

  it('a source started against another database, rowversions unchanged (a backup restored on another server), reads everything again', async () => {
    await settled()
    const service = 'sl-customer-source'
    await f.services[service]!.stop()
    const moved = (await sl('POST', '/sandbox/database/move', { keepTstamps: true })).moved
    f.services[service] = await startSlCustomerSource(f.common as never, noExit)
    const customers = Object.keys(f.sl.state().customers).length
    const feed = await waitFor('the customers read again', async () => { const x = await feedOf(service); return x.caughtUp && x.produced >= customers ? x : undefined })
    expect(feed).toMatchObject({ DatabaseId: moved.DatabaseId, reset: { reason: 'database', to: { DatabaseId: moved.DatabaseId } } })
    expect(await resets(service, 'database')).toBe(1)
  })
})
