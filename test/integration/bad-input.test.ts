// The bad-input catalogue, end to end on the real broker and registry: each bad record sits
// between a good one just before it and one just after it, on the same partition, so the
// test shows both that the bad one lands in its dead-letter topic with its code and reason
// and that the service went on with the next record instead of stopping or skipping.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../../infra/embedded.ts'
import { DLQ_HEADERS } from '../../lib/consumer-loop.ts'
import type { Consumer, InRecord } from '../../lib/kafka.ts'
import { createSerde, type Serde } from '../../lib/registry.ts'
import { readSchema } from '../../lib/serdes.ts'
import { murmur2 } from '../../patches/kafkajs-murmur2.ts'
import { prefixed, subjectOf, type Topic } from '../../topology/topology.ts'
import type { ItemSiteLevel, MappedOrder, OrderEvent, OrderStatus } from '../../domain/records.ts'
import { startOrderMapper } from '../../services/order-mapper/src/service.ts'
import { slOrders, startFlow, stock, type Flow } from '../orders-harness.ts'
import { env, unique, useBroker, waitFor } from '../helpers.ts'

const b = useBroker()
let f: Flow
let t: ReturnType<typeof prefixed>['topics']
let raw: Serde<OrderEvent>
let mapped: Serde<MappedOrder>
let statuses: Serde<OrderStatus>
let levels: Serde<ItemSiteLevel>
let tap: { seen: InRecord[], consumer: Consumer }

type Order = OrderEvent['order']
const fixture = JSON.parse(
  readFileSync(join(projectRoot, 'test/fixtures/orders.raw/eur-coupon.json'), 'utf8')
) as OrderEvent

// Kafka's default partitioner, as the producer applies it to keyed records.
const slotOf = (key: string, topic: Topic): number => (murmur2(key) & 0x7fffffff) % topic.partitions
const NO_SCHEMA = 0x7fffff00
let nextId = 810000

/** `n` fresh order IDs whose keys share one partition of orders.raw, and so of orders.mapped (as many). */
function together (n: number): number[] {
  const bySlot = new Map<number, number[]>()
  for (;;) {
    const id = nextId++
    const slot = slotOf(String(id), t.ordersRaw)
    const group = [...(bySlot.get(slot) ?? []), id]
    if (group.length === n) return group
    bySlot.set(slot, group)
  }
}

/** A USD order of one line, 1 × 10.00, nothing else on it: it reconciles and SL takes it. */
function order (id: number, change: (o: Order) => void = () => {}, eventType = 'order.created'): OrderEvent {
  const ev = structuredClone(fixture)
  ev.eventId = `evt_bad_${id}_${eventType}_${nextId++}`
  ev.eventType = eventType
  const o = ev.order
  o.ID = id
  o.SellingCurrencyKey = 'USD'
  o.SalesItems = [{ ...o.SalesItems[0]!, Quantity: '1', UnitSoldPrice: '10.0000' }]
  o.Totals = { SubTotal: '10.0000', Shipping: '0', Handling: '0', Fees: '0', Discounts: '0', Tax: '0', Total: '10.0000' }
  change(o)
  return ev
}

const sendRaw = async (records: Array<[number, Buffer]>): Promise<void> => {
  await b.producer.send(records.map(([id, value]) => ({ topic: t.ordersRaw.name, key: String(id), value })))
}
const service = (name: string): string => `${f.prefix.replace(/\./g, '-')}${name}`
const found = (what: string, topic: string, match: (r: InRecord) => boolean, timeoutMs = 30000): Promise<InRecord> =>
  waitFor(what, () => tap.seen.find((r) => r.topic === topic && match(r)), timeoutMs)
const deadOf = (topic: Topic, key: string): Promise<InRecord> =>
  found(`the dead letter of ${key} on ${topic.name}.dlq`, `${topic.name}.dlq`, (r) => r.key?.toString() === key)
const statusesOf = async (id: number): Promise<OrderStatus[]> => await Promise.all(tap.seen
  .filter((r) => r.topic === t.ordersStatus.name && r.key?.toString() === String(id))
  .map(async (r) => await statuses.decode(r.value!)))
const statusOf = async (id: number): Promise<OrderStatus> =>
  await waitFor(`the status of order ${id}`, async () => (await statusesOf(id))[0], 30000)
/** Waits until the reader has every record the topics held when asked: what it has not seen then is not there. */
async function settled (topics: string[]): Promise<void> {
  const marks = await Promise.all(topics.map(async (topic) => ({ topic, ends: await b.admin.watermarks(topic) })))
  await waitFor(`the reader to reach the end of ${topics.join(', ')}`, () => marks.every(({ topic, ends }) =>
    ends.every((m) => m.high === m.low || tap.seen.some((r) => r.topic === topic && r.partition === m.partition &&
      Number(r.offset) >= Number(m.high) - 1))), 30000)
}
/** The records with this key on these topics, once the reader is at their end. */
async function recordsOf (key: string, topics: string[]): Promise<InRecord[]> {
  await settled(topics)
  return tap.seen.filter((r) => topics.includes(r.topic) && r.key?.toString() === key)
}
const deadLetterTopics = (): string[] => [t.ordersRaw, t.ordersMapped, t.inventoryChanges].map((x) => `${x.name}.dlq`)
const inSl = (id: number) => waitFor(`order ${id} in SL`, () => slOrders(f, String(id))[0], 30000)

/** The before and after orders reached SL, once each, and the bad one did not. */
async function neighboursFlowed (before: number, after: number, bad: number): Promise<void> {
  await inSl(before)
  await inSl(after)
  for (const id of [before, after]) expect(slOrders(f, String(id)), `order ${id}`).toHaveLength(1)
  expect(slOrders(f, String(bad))).toEqual([])
}

// Stock: rows of SL's item-site feed, written into the SL sandbox as SL would show them.
type Row = Record<'QtyOnHand' | 'QtyAvail', unknown>
const taken = new Set(['WIDGET-RED-L'])
let nextLevel = 7000
const invtOf = (key: string): string => key.split('|')[0]!
const storeQty = (key: string): number | undefined => f.clarity.state().stock[key]?.Quantity

/** `n` item sites at MAIN the store sells under the same key, on the partition of inventory.changes `key` takes. */
function sitesBeside (key: string, n: number): string[] {
  const slot = slotOf(key, t.inventoryChanges)
  const out = Object.keys(f.sl.state().itemSites).filter((k) => k.endsWith('|MAIN') && !taken.has(invtOf(k)) &&
    storeQty(k) !== undefined && slotOf(k, t.inventoryChanges) === slot).slice(0, n)
  expect(out).toHaveLength(n)
  for (const k of out) taken.add(invtOf(k))
  return out
}
const freeSite = (): string => sitesBeside(`${nextLevel++}|MAIN`, 1)[0]!

/** The item site as SL's feed shows it next: `row` over what it holds, with the next rowversion. */
function slLevel (key: string, row: Partial<Row>): void {
  const s = f.sl.state()
  const [InvtID, SiteID] = key.split('|') as [string, string]
  const site = s.itemSites[key] ??= {
    InvtID, SiteID, QtyOnHand: 0, QtyAvail: 0, QtyAlloc: 0, QtyShipNotInv: 0, QtyOnPO: 0, LUpd_DateTime: '', tstamp: 0
  }
  const changed = { LUpd_DateTime: new Date().toISOString(), tstamp: ++s.tstamp }
  Object.assign(site, { QtyAlloc: 0, QtyShipNotInv: 0, ...row, ...changed })
}

/** Good levels for `keys` with the bad row between them, in SL's rowversion order; answers the store's quantities. */
function levelsAround (keys: [string, string], bad: () => void): [number, number] {
  const want: [number, number] = [nextLevel++, nextLevel++]
  // One synchronous stretch: the source reads all three in one page, in this order.
  slLevel(keys[0], { QtyOnHand: want[0], QtyAvail: want[0] })
  bad()
  slLevel(keys[1], { QtyOnHand: want[1], QtyAvail: want[1] })
  return want
}
const pushed = (keys: string[], want: number[]) =>
  waitFor(`${keys.join(', ')} in the store`, () => keys.every((k, i) => storeQty(k) === want[i]), 30000)
const unpublished = async (): Promise<number> => {
  const text = (await f.services['clarity-inventory-sink']!.app!.inject('/metrics')).body
  return Number(/bridge_inventory_rows_total\{outcome="unpublished"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0)
}

beforeAll(async () => {
  f = await startFlow({
    ...env(), logLevel: process.env.TEST_LOG_LEVEL, only: ['sl-order-sink', 'sl-inventory-source', 'clarity-inventory-sink']
  })
  t = prefixed(f.prefix).topics
  expect(t.ordersMapped.partitions).toBe(t.ordersRaw.partitions)
  // The shipped mapping with one more rate, for a currency the mapping knows and SL does not.
  const dir = mkdtempSync(join(tmpdir(), 'bad-input-'))
  const mapping = join(dir, 'orders.yaml')
  const shipped = readFileSync(join(projectRoot, 'mappings/orders.yaml'), 'utf8')
  expect(shipped).toContain('    CAD: 0.738\n')
  writeFileSync(mapping, shipped.replace('    CAD: 0.738\n', '    CAD: 0.738\n    JPY: 0.0067\n'))
  f.services['order-mapper'] = await startOrderMapper(
    { ...f.common, ORDER_MAPPING_FILE: mapping } as never, (() => undefined) as never
  )
  stock(f, 'WIDGET-RED-L', 100000)
  // The source's first read covers every item site: the stock tests start from a store in step with SL.
  await waitFor('the first full push', () => Object.entries(f.sl.state().itemSites).every(([k, s]) =>
    storeQty(k) === undefined || storeQty(k) === Math.max(0, s.QtyAvail)), 60000)
  raw = await createSerde(b.registry, subjectOf(t.ordersRaw), readSchema(t.ordersRaw))
  mapped = await createSerde(b.registry, subjectOf(t.ordersMapped), readSchema(t.ordersMapped))
  statuses = await createSerde(b.registry, subjectOf(t.ordersStatus), readSchema(t.ordersStatus))
  levels = await createSerde(b.registry, subjectOf(t.inventoryChanges), readSchema(t.inventoryChanges))
  // One reader for the whole file: a consumer group per look would cost a rebalance each time.
  const consumer = await b.kafka.consumer(unique('bad-input-tap'))
  const seen: InRecord[] = []
  void consumer.run({
    topics: [...deadLetterTopics(), t.ordersMapped.name, t.ordersStatus.name, t.inventoryChanges.name],
    fromBeginning: true,
    concurrency: 6,
    onBatch: async (batch, ctl) => {
      seen.push(...batch.records)
      // Without the commit the loop hands the same batch over again.
      const last = batch.records.at(-1)
      if (last !== undefined) await ctl.commit(last.offset)
    }
  })
  tap = { seen, consumer }
})

afterAll(async () => {
  await tap?.consumer.disconnect()
  await f?.stop()
})

describe('orders the mapper refuses', () => {
  it.each<[string, (o: Order) => void, string, (id: number) => string]>([
    ['a quantity of 0', (o) => { o.SalesItems[0]!.Quantity = '0' }, 'BAD_QUANTITY',
      () => 'WIDGET-RED-L: quantity 0.0000 must be above 0'],
    ['a negative quantity', (o) => { o.SalesItems[0]!.Quantity = '-2' }, 'BAD_QUANTITY',
      () => 'WIDGET-RED-L: quantity -2.0000 must be above 0'],
    ['totals a cent off', (o) => { o.Totals.Total = '10.0100' }, 'TOTALS_DO_NOT_RECONCILE',
      (id) => `order ${id}: lines 10.00 + freight 0.00 + tax 0.0000 − discounts 0.0000 = 10.00, ` +
        'but Clarity\'s total is 10.0100 (difference 0.01 USD)'],
    ['a currency the mapping has no rate for', (o) => { o.SellingCurrencyKey = 'CHF' }, 'NO_CURRENCY_RATE',
      () => 'the mapping has no rate for CHF into USD'],
    ['a country that does not exist', (o) => { o.ShippingContact.Address.CountryCode = 'ZZ' }, 'UNKNOWN_COUNTRY',
      () => 'ShippingContact.Address.CountryCode "ZZ" is not an ISO 3166 country'],
    ['a country written out, not quoted', (o) => { o.BillingContact.Address.CountryCode = 'Atlantis' },
      'UNKNOWN_COUNTRY', () => 'BillingContact.Address.CountryCode (8 characters) is not an ISO 3166 country'],
    ['an empty cart', (o) => { o.SalesItems = [] }, 'NO_LINES', (id) => `order ${id} has no lines`],
    ['1,000 lines', (o) => {
      o.SalesItems = Array.from({ length: 1000 }, (_, i) => ({ ...o.SalesItems[0]!, ID: i + 1 }))
      o.Totals = { ...o.Totals, SubTotal: '10000.0000', Total: '10000.0000' }
    }, 'TOO_MANY_LINES', (id) => `order ${id} has 1000 lines; an SL sales order holds at most 999`]
  ])('%s: dead-lettered with its reason, the orders around it reach SL', async (_, change, code, message) => {
    const [before, bad, after] = together(3)
    await sendRaw([[before!, raw.encode(order(before!))], [bad!, raw.encode(order(bad!, change))],
      [after!, raw.encode(order(after!))]])
    const dead = await deadOf(t.ordersRaw, String(bad))
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.code]: code,
      [DLQ_HEADERS.message]: message(bad!),
      [DLQ_HEADERS.service]: service('order-mapper'),
      [DLQ_HEADERS.topic]: t.ordersRaw.name,
      [DLQ_HEADERS.partition]: String(slotOf(String(before), t.ordersRaw))
    })
    await neighboursFlowed(before!, after!, bad!)
  })
})

describe('orders SL refuses or has no use for', () => {
  it('a currency the mapping has a rate for and SL does not know: held with SL\'s reason, dead-lettered', async () => {
    const [before, bad, after] = together(3)
    await sendRaw([[before!, raw.encode(order(before!))],
      [bad!, raw.encode(order(bad!, (o) => { o.SellingCurrencyKey = 'JPY' }))], [after!, raw.encode(order(after!))]])
    const dead = await deadOf(t.ordersMapped, String(bad))
    const reason = 'SL refused (422): CuryID: Currency JPY does not exist (messageNbr 8012)'
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.code]: 'SL_422', [DLQ_HEADERS.message]: reason, [DLQ_HEADERS.service]: service('sl-order-sink'),
      [DLQ_HEADERS.partition]: String(slotOf(String(before), t.ordersMapped))
    })
    expect(await statusOf(bad!)).toMatchObject({ status: 'HELD', OrdNbr: null, reason })
    await neighboursFlowed(before!, after!, bad!)
  })

  it('a fractional quantity is carried to SL exactly, neither rounded nor refused', async () => {
    const [before, odd, after] = together(3)
    const half = order(odd!, (o) => {
      o.SalesItems[0]!.Quantity = '2.5'
      o.Totals = { ...o.Totals, SubTotal: '25.0000', Total: '25.0000' }
    })
    await sendRaw([[before!, raw.encode(order(before!))], [odd!, raw.encode(half)],
      [after!, raw.encode(order(after!))]])
    const so = await inSl(odd!)
    expect(so.Lines.map((l) => [l.InvtID, l.QtyOrd, l.CurySlsPrice])).toEqual([['WIDGET-RED-L', 2.5, 10]])
    expect(so.CuryTotOrd).toBe(25)
    await inSl(before!)
    await inSl(after!)
    expect(await recordsOf(String(odd), deadLetterTopics())).toEqual([])
  })

  it('an order cancelled before it reached SL: CANCELLED with the reason, nothing made in SL', async () => {
    const [before, gone, after] = together(3)
    const cancelled = order(gone!, (o) => { o.StatusKey = 'Void' }, 'order.cancelled')
    await sendRaw([[before!, raw.encode(order(before!))], [gone!, raw.encode(cancelled)],
      [after!, raw.encode(order(after!))]])
    expect(await statusOf(gone!)).toMatchObject({
      clarityOrderId: gone, CustOrdNbr: String(gone), status: 'CANCELLED', OrdNbr: null,
      reason: 'cancelled before it reached SL'
    })
    await neighboursFlowed(before!, after!, gone!)
    expect(await recordsOf(String(gone), deadLetterTopics())).toEqual([])
  })

  it('an order SL already shipped: an edit in Clarity is left to SL, a cancellation is refused by SL and held', async () => {
    const [shipped, before, middle, after] = together(4)
    const created = order(shipped!)
    await sendRaw([[shipped!, raw.encode(created)]])
    const so = await inSl(shipped!)
    await waitFor('SL to confirm the shipper', () => Object.values(f.sl.state().shippers)
      .some((s) => s.OrdNbr === so.OrdNbr && s.ShippingConfirmed === 1), 30000)
    const edit = order(shipped!, (o) => { o.StatusKey = 'Shipped'; o.SalesItems[0]!.Quantity = '3' }, 'order.updated')
    edit.order.Totals = { ...edit.order.Totals, SubTotal: '30.0000', Total: '30.0000' }
    const cancel = order(shipped!, (o) => { o.StatusKey = 'Void' }, 'order.cancelled')
    await sendRaw([[before!, raw.encode(order(before!))], [shipped!, raw.encode(edit)],
      [middle!, raw.encode(order(middle!))], [shipped!, raw.encode(cancel)], [after!, raw.encode(order(after!))]])

    const dead = await deadOf(t.ordersMapped, String(shipped))
    const reason = `SL refused (422): OrdNbr: Order ${so.OrdNbr} has a confirmed shipper and can no longer change ` +
      '(messageNbr 8020)'
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.code]: 'SL_422', [DLQ_HEADERS.message]: reason, [DLQ_HEADERS.service]: service('sl-order-sink')
    })
    expect((await mapped.decode(dead.value!)).clarityEventId).toBe(cancel.eventId)
    await waitFor('the order held with SL\'s reason', async () => (await statusesOf(shipped!))
      .some((x) => x.status === 'HELD' && x.reason === reason))
    for (const id of [before!, middle!, after!]) await inSl(id)
    // Past Pending, Clarity's order is SL's to change: the edit maps to nothing and is not an error.
    const events = await Promise.all((await recordsOf(String(shipped), [t.ordersMapped.name]))
      .map(async (r) => (await mapped.decode(r.value!)).clarityEventId))
    expect(events).toEqual([created.eventId, cancel.eventId])
    expect(await recordsOf(String(shipped), [`${t.ordersRaw.name}.dlq`])).toEqual([])
    expect(slOrders(f, String(shipped))).toMatchObject([{ OrdNbr: so.OrdNbr, Cancelled: 0 }])
    expect(slOrders(f, String(shipped))[0]!.Lines.map((l) => l.QtyOrd)).toEqual([1])
  })
})

describe('rows of SL\'s inventory feed the store cannot take', () => {
  it('a negative level: dead-lettered by the sink with the reason, not pushed; the levels around it are', async () => {
    const bad = freeSite()
    const around = sitesBeside(bad, 2) as [string, string]
    const was = storeQty(bad)
    const want = levelsAround(around, () => { slLevel(bad, { QtyOnHand: -3, QtyAvail: -3 }) })
    const dead = await deadOf(t.inventoryChanges, bad)
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.code]: 'NEGATIVE_LEVEL',
      [DLQ_HEADERS.message]: `${invtOf(bad)} at MAIN: QtyOnHand -3.0000, QtyAvail -3; a level below zero is not pushed`,
      [DLQ_HEADERS.service]: service('clarity-inventory-sink'),
      [DLQ_HEADERS.partition]: String(slotOf(around[0], t.inventoryChanges))
    })
    await pushed(around, want)
    expect(storeQty(bad)).toBe(was)
  })

  it('a quantity that is not a number: dead-lettered by the source as the row it read; the rows around it flow', async () => {
    const bad = freeSite()
    // The source meets the rows in SL's order, whatever partition their records would take.
    const around = [freeSite(), freeSite()] as [string, string]
    const was = storeQty(bad)
    const want = levelsAround(around, () => { slLevel(bad, { QtyAvail: 'twelve' }) })
    const message = `item site ${invtOf(bad)} at MAIN: QtyAvail is "twelve", not a number`
    const dead = await found('the row\'s dead letter', `${t.inventoryChanges.name}.dlq`,
      (r) => r.headers[DLQ_HEADERS.message] === message)
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.code]: 'INVALID_LEVEL', [DLQ_HEADERS.service]: service('sl-inventory-source'),
      [DLQ_HEADERS.topic]: t.inventoryChanges.name, [DLQ_HEADERS.partition]: '-1'
    })
    expect(JSON.parse(dead.value!.toString())).toMatchObject({ InvtID: invtOf(bad), SiteID: 'MAIN', QtyAvail: 'twelve' })
    await pushed(around, want)
    expect(storeQty(bad)).toBe(was)
    // SL's own row again, so nothing else in the sandbox meets a quantity that is text.
    slLevel(bad, { QtyAvail: 0 })
  })

  it('a site the catalogue mapping does not publish: kept on inventory.changes, counted, not pushed', async () => {
    const invt = invtOf(freeSite())
    const bad = `${invt}|NORTH`
    const around = sitesBeside(bad, 2) as [string, string]
    const before = await unpublished()
    const want = levelsAround(around, () => { slLevel(bad, { QtyOnHand: 40, QtyAvail: 40 }) })
    const kept = await found(`${bad} on inventory.changes`, t.inventoryChanges.name, (r) => r.key?.toString() === bad)
    expect(await levels.decode(kept.value!)).toMatchObject({ InvtID: invt, SiteID: 'NORTH', QtyAvail: '40.0000' })
    await pushed(around, want)
    expect(await unpublished()).toBe(before + 1)
    expect(storeQty(bad)).toBeUndefined()
    expect(await recordsOf(bad, deadLetterTopics())).toEqual([])
  })

  it('an item the store does not sell: Clarity refuses the row, it is dead-lettered; the rows around it are pushed', async () => {
    const bad = `NOT-IN-STORE-${nextLevel++}|MAIN`
    const around = sitesBeside(bad, 2) as [string, string]
    const want = levelsAround(around, () => { slLevel(bad, { QtyOnHand: 5, QtyAvail: 5 }) })
    const dead = await deadOf(t.inventoryChanges, bad)
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.code]: 'CLARITY_ROW_REFUSED',
      [DLQ_HEADERS.message]: `${invtOf(bad)} at MAIN: unknown ProductKey ${invtOf(bad)}`,
      [DLQ_HEADERS.service]: service('clarity-inventory-sink'),
      [DLQ_HEADERS.partition]: String(slotOf(around[0], t.inventoryChanges))
    })
    await pushed(around, want)
  })
})

describe('messages a consuming service cannot read', () => {
  it.each<[string, (good: Buffer) => Buffer, string, (subject: string) => string]>([
    ['not in the Confluent wire format', () => Buffer.from('{"ID":1,"StatusKey":"Pending"}'), 'DECODE_FAILED',
      (subject) => `${subject}: not in the Confluent wire format (no magic byte)`],
    ['written with a schema id the registry does not have', (good) => {
      const bytes = Buffer.from(good)
      bytes.writeUInt32BE(NO_SCHEMA, 1)
      return bytes
    }, 'UNKNOWN_SCHEMA_ID', () => `schema id ${NO_SCHEMA} is not in the registry`]
  ])('%s: the mapper dead-letters it with the reason and maps the orders around it', async (_, bytes, code, message) => {
    const [before, bad, after] = together(3)
    const original = bytes(raw.encode(order(bad!)))
    await sendRaw([[before!, raw.encode(order(before!))], [bad!, original], [after!, raw.encode(order(after!))]])
    const dead = await deadOf(t.ordersRaw, String(bad))
    expect(dead.value).toEqual(original)
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.code]: code, [DLQ_HEADERS.message]: message(subjectOf(t.ordersRaw)),
      [DLQ_HEADERS.service]: service('order-mapper'),
      [DLQ_HEADERS.partition]: String(slotOf(String(before), t.ordersRaw))
    })
    await neighboursFlowed(before!, after!, bad!)
  })

  it('a stock change not in the Confluent wire format: the sink dead-letters it and pushes the changes around it', async () => {
    const bad = freeSite()
    const around = sitesBeside(bad, 2)
    const want = [nextLevel++, nextLevel++]
    const level = (key: string, qty: number): Buffer => levels.encode({
      InvtID: invtOf(key), SiteID: 'MAIN', QtyOnHand: `${qty}.0000`, QtyAvail: `${qty}.0000`, QtyAlloc: '0.0000',
      QtyShipNotInv: '0.0000', QtyOnPO: '0.0000', LUpd_DateTime: Date.now(), tstamp: 1
    })
    const garbage = Buffer.from('PUMP-100-110V,MAIN,12')
    const records: Array<[string, Buffer]> = [
      [around[0]!, level(around[0]!, want[0]!)], [bad, garbage], [around[1]!, level(around[1]!, want[1]!)]
    ]
    await b.producer.send(records.map(([key, value]) => ({ topic: t.inventoryChanges.name, key, value })))
    const dead = await deadOf(t.inventoryChanges, bad)
    expect(dead.value).toEqual(garbage)
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.code]: 'DECODE_FAILED',
      [DLQ_HEADERS.message]: `${subjectOf(t.inventoryChanges)}: not in the Confluent wire format (no magic byte)`,
      [DLQ_HEADERS.service]: service('clarity-inventory-sink'),
      [DLQ_HEADERS.partition]: String(slotOf(around[0]!, t.inventoryChanges))
    })
    await pushed(around, want)
  })
})
