// The chaos run's reconciliation, on plain data: what each check finds in two lists that
// agree, and in lists with one thing wrong; and the bad orders' shapes, which the
// storefront simulator must take.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../infra/embedded.ts'
import { loadCatalogueMapping } from '../../domain/catalogue-mapping.ts'
import { loadOrderMapping } from '../../domain/mapping.ts'
import { mapOrder } from '../../services/order-mapper/src/transform.ts'
import { prng } from '../../sandboxes/common/money.ts'
import { placeOrder } from '../../sandboxes/clarity/storefront.ts'
import { seedClarity } from '../../sandboxes/clarity/state.ts'
import { BAD_ORDER_KINDS, badOrder } from '../../chaos/bad-orders.ts'
import { checkWebhooks, checkWriters, type WrittenRecord } from '../../chaos/kafka-read.ts'
import {
  checkBadOrders, checkOrders, checkRetries, checkStatuses, checkStock, expectedStatus,
  type ClarityOrder, type SlOrder, type SlShipper
} from '../../chaos/reconcile.ts'

const mapping = loadOrderMapping(join(projectRoot, 'mappings/orders.yaml'))
const catalogue = loadCatalogueMapping(join(projectRoot, 'mappings/catalogue.yaml'))

const clarity = (ID: number, over: Partial<ClarityOrder> = {}): ClarityOrder => ({
  ID, StatusKey: 'Confirmed', HoldReason: null, ErpOrderNumber: `SO${ID}`, SellingCurrencyKey: 'USD',
  Totals: { Total: 30.5 },
  SalesItems: [{ Sku: 'VALVE-BRASS-1/2IN', Quantity: 2 }, { Sku: 'WIDGET-RED-L', Quantity: 1 }],
  ShippingContact: { Address: { CountryCode: 'US' } }, Shipments: [], ...over
})
const sl = (ID: number, over: Partial<SlOrder> = {}): SlOrder => ({
  OrdNbr: `SO${ID}`, CustOrdNbr: String(ID), Cancelled: 0, CuryID: 'USD', CuryTotOrd: 30.5,
  Lines: [{ InvtID: 'VALVE-BRASS-050', SiteID: 'MAIN', QtyOrd: 2 }, { InvtID: 'WIDGET-RED-L', SiteID: 'MAIN', QtyOrd: 1 }],
  ...over
})
const shipper = (ID: number, over: Partial<SlShipper> = {}): SlShipper => ({
  ShipperID: `S${ID}`, OrdNbr: `SO${ID}`, TrackingNbr: `1Z${ID}`, ShippingConfirmed: 1, Cancelled: 0,
  Lines: [{ InvtID: 'VALVE-BRASS-050', QtyShip: 2 }, { InvtID: 'WIDGET-RED-L', QtyShip: 1 }], ...over
})

describe('orders exactly once in SL', () => {
  it('agrees when every valid order is there once, as mapped; bad, void and rule-held ones are not', () => {
    const held = mapping.rules.find((r) => r.then.hold !== undefined)!.then.hold!
    const r = checkOrders(
      [clarity(1), clarity(2), clarity(3), clarity(4, { StatusKey: 'Void' }),
        clarity(5, { StatusKey: 'On Hold', HoldReason: held })],
      [sl(1), sl(2), sl(4, { Cancelled: 1 })], new Set(['3']), mapping)
    expect(r.check.ok).toBe(true)
    expect(r.figures).toEqual({ sent: 4, created: 2, duplicated: 0, lost: 0 })
    expect([...r.live.keys()]).toEqual(['1', '2'])
  })

  it.each<[string, SlOrder[], Partial<ClarityOrder>, string]>([
    ['a duplicate', [sl(1), sl(1, { OrdNbr: 'SO9' })], {}, '1 duplicated (e.g. 1)'],
    ['a lost order', [], {}, '1 lost (e.g. 1)'],
    ['an SL refusal held in Clarity (not a rule)', [], { StatusKey: 'On Hold', HoldReason: 'SL refused' }, '1 lost'],
    ['a cancelled SL order only', [sl(1, { Cancelled: 1 })], {}, '1 lost'],
    ['an unmapped SKU', [sl(1, { Lines: [{ InvtID: 'VALVE-BRASS-1/2IN', SiteID: 'MAIN', QtyOrd: 2 }, sl(1).Lines[1]!] })],
      {}, 'with other content (e.g. 1: item of line 1 missing)'],
    ['another quantity', [sl(1, { Lines: [sl(1).Lines[0]!, { ...sl(1).Lines[1]!, QtyOrd: 3 }] })], {}, 'quantity of line 2'],
    ['an item not ordered', [sl(1, { Lines: [...sl(1).Lines, { InvtID: 'X', SiteID: 'MAIN', QtyOrd: 1 }] })], {},
      'an item not ordered'],
    ['another total', [sl(1, { CuryTotOrd: 30.51 })], {}, '1: total'],
    ['a void order live in SL', [sl(1)], { StatusKey: 'Void' }, '1 void or held by a rule yet live in SL'],
    ['an SL order of no Clarity order', [sl(1), sl(77)], {}, '1 SL orders of no Clarity order (e.g. 77)']
  ])('finds %s', (_, slOrders, over, said) => {
    const r = checkOrders([clarity(1, over)], slOrders, new Set(), mapping)
    expect(r.check.ok).toBe(false)
    expect(r.check.detail).toContain(said)
  })

  it('takes a line split across sites for the one line it was', () => {
    const split = sl(1, {
      Lines: [{ InvtID: 'VALVE-BRASS-050', SiteID: 'MAIN', QtyOrd: 1 },
        { InvtID: 'VALVE-BRASS-050', SiteID: 'EAST', QtyOrd: 1 }, sl(1).Lines[1]!]
    })
    expect(checkOrders([clarity(1)], [split], new Set(), mapping).check.ok).toBe(true)
  })

  it('counts every extra copy as a duplicate', () => {
    const r = checkOrders([clarity(1)], [sl(1), sl(1), sl(1)], new Set(), mapping)
    expect(r.figures).toMatchObject({ created: 1, duplicated: 2, lost: 0 })
  })
})

describe('Clarity status and tracking', () => {
  const live = (...ids: number[]) => new Map(ids.map((id) => [String(id), sl(id)]))

  it('wants Confirmed, Processing or Shipped by what SL confirmed as shipped', () => {
    expect(expectedStatus(sl(1), [])).toBe('Confirmed')
    expect(expectedStatus(sl(1), [shipper(1, { Lines: [{ InvtID: 'VALVE-BRASS-050', QtyShip: 1 }] })])).toBe('Processing')
    expect(expectedStatus(sl(1), [shipper(1)])).toBe('Shipped')
  })

  it('agrees with each status and the tracking of every confirmed shipper', () => {
    const shipped = clarity(2, { StatusKey: 'Shipped', Shipments: [{ ShipmentKey: 'S2', TrackingNumber: '1Z2' }] })
    const unconfirmed = shipper(1, { ShippingConfirmed: 0 })
    expect(checkStatuses([clarity(1), shipped], live(1, 2), [unconfirmed, shipper(2)]).ok).toBe(true)
  })

  it.each<[string, ClarityOrder, string]>([
    ['a status behind SL', clarity(2), '2: Confirmed, not Shipped'],
    ['another tracking number', clarity(2, { StatusKey: 'Shipped', Shipments: [{ ShipmentKey: 'S2', TrackingNumber: 'X' }] }),
      'without SL\'s tracking'],
    ['another SL number', clarity(2, { StatusKey: 'Shipped', ErpOrderNumber: 'SO7', Shipments: [{ ShipmentKey: 'S2', TrackingNumber: '1Z2' }] }),
      'without SL\'s order number']
  ])('finds %s', (_, order, said) => {
    const c = checkStatuses([order], live(2), [shipper(2)])
    expect(c.ok).toBe(false)
    expect(c.detail).toContain(said)
  })
})

describe('bad orders', () => {
  const bad = [{ orderId: '10', kind: 'ship-city-too-long', expect: ['FIELD_TOO_LONG'] },
    { orderId: '11', kind: 'sl-refused', expect: ['SL_422'] }]
  const dead = [{ topic: 'p.orders.raw.dlq', key: '10', code: 'FIELD_TOO_LONG' },
    { topic: 'p.orders.mapped.dlq', key: '11', code: 'SL_422' }, { topic: 'p.inventory.changes.dlq', key: null, code: 'X' }]
  const orders = [clarity(10, { StatusKey: 'Pending' }), clarity(11, { StatusKey: 'On Hold' })]

  it('agrees when each is dead-lettered with its code, not in SL, held only when SL refused it', () => {
    const r = checkBadOrders(bad, dead, [sl(1)], orders)
    expect(r).toMatchObject({ found: 2, check: { ok: true } })
    expect(r.check.detail).toContain('1 other dead letters (e.g. p.inventory.changes.dlq X)')
  })

  it.each<[string, typeof dead, SlOrder[], ClarityOrder[], string]>([
    ['another code', [{ ...dead[0]!, code: 'NO_LINES' }, dead[1]!], [], orders, '1 not dead-lettered'],
    ['no dead letter', [dead[1]!], [], orders, '10 (ship-city-too-long)'],
    ['one in SL', dead, [sl(10)], orders, '1 in SL (e.g. 10)'],
    ['an SL refusal not held', dead, [], [orders[0]!, clarity(11, { StatusKey: 'Pending' })], 'not On Hold in Clarity (e.g. 11)']
  ])('finds %s', (_, d, slOrders, c, said) => {
    const r = checkBadOrders(bad, d, slOrders, c)
    expect(r.check.ok).toBe(false)
    expect(r.check.detail).toContain(said)
  })
})

describe('stock', () => {
  const sites = [
    { InvtID: 'VALVE-BRASS-050', SiteID: 'MAIN', QtyOnHand: 10, QtyAvail: 7 },
    { InvtID: 'WIDGET-RED-L', SiteID: 'EAST', QtyOnHand: 5, QtyAvail: 0 },
    { InvtID: 'WIDGET-RED-L', SiteID: 'NORTH', QtyOnHand: 5, QtyAvail: 5 },
    { InvtID: 'NOT-SOLD', SiteID: 'MAIN', QtyOnHand: 5, QtyAvail: 5 },
    { InvtID: 'WIDGET-RED-L', SiteID: 'WEST', QtyOnHand: -2, QtyAvail: -2 }
  ]
  const rows = [{ ProductKey: 'VALVE-BRASS-1/2IN', LocationKey: 'MAIN', Quantity: 7 },
    { ProductKey: 'WIDGET-RED-L', LocationKey: 'EAST', Quantity: 0 },
    { ProductKey: 'WIDGET-RED-L', LocationKey: 'WEST', Quantity: 3 }]

  it('compares the published sites under the SKU table, leaving out negatives and unsold items', () => {
    const c = checkStock(sites, rows, catalogue, mapping.skus)
    expect(c).toMatchObject({ ok: true })
    expect(c.detail).toBe('2 levels compared, 1 SL levels of items the store does not sell, 1 negative (not pushed), ' +
      '0 items of orders SL never got not compared')
  })

  it('leaves out the items of orders SL never got: the store took their units where SL never moves', () => {
    const short = [{ ...rows[0]!, Quantity: 5 }, rows[1]!, rows[2]!]
    const c = checkStock(sites, short, catalogue, mapping.skus, new Set(['VALVE-BRASS-1/2IN']))
    expect(c).toMatchObject({ ok: true })
    expect(c.detail).toContain('1 levels compared')
    expect(c.detail).toContain('1 items of orders SL never got not compared')
    expect(checkStock(sites, short, catalogue, mapping.skus).ok).toBe(false)
  })

  it('finds a level that differs, and applies QtyOnHand, safety stock and closed locations as mapped', () => {
    expect(checkStock(sites, [{ ...rows[0]!, Quantity: 8 }], catalogue, mapping.skus).detail)
      .toContain('1 differ (e.g. VALVE-BRASS-1/2IN|MAIN: 8 vs 7)')
    const other = structuredClone(catalogue)
    other.inventory.available = 'QtyOnHand'
    other.inventory.safetyStock = { default: 0, MAIN: 4 }
    expect(checkStock(sites.slice(0, 1), [{ ...rows[0]!, Quantity: 6 }], other, mapping.skus).ok).toBe(true)
    other.inventory.closedLocations = ['OUTLET']
    const closed = { ProductKey: 'VALVE-BRASS-1/2IN', LocationKey: 'OUTLET', Quantity: 2 }
    expect(checkStock(sites.slice(0, 1), [{ ...rows[0]!, Quantity: 6 }, closed], other, mapping.skus).detail)
      .toContain('VALVE-BRASS-1/2IN|OUTLET: 2 at a closed location')
  })
})

describe('webhooks, retries and writers', () => {
  const hooks = { pending: 0, delivered: 3, abandoned: 0, dropped: 1 }
  const seen = [{ eventId: 'e1', withdrawn: false }, { eventId: 'e2', withdrawn: false }, { eventId: 'e2', withdrawn: true }]

  it('wants every taken id on a raw topic and every order on orders.raw; a withdrawn id is not taken', () => {
    expect(checkWebhooks({ seen, eventIds: new Set(['e1']), rawOrderKeys: new Set(['1']) }, ['1'], hooks).ok).toBe(true)
    const c = checkWebhooks({ seen, eventIds: new Set(), rawOrderKeys: new Set() }, ['1'], hooks)
    expect(c.detail).toContain('1 taken webhooks without their record (e.g. e1); 1 Clarity orders not on orders.raw (e.g. 1)')
  })

  it('fails on an early retry and shows its samples', () => {
    const none = { counters: { earlyRetries: 0 }, earlyRetrySamples: [] }
    expect(checkRetries({ sl: none, clarity: none }).ok).toBe(true)
    const early = { counters: { earlyRetries: 2 }, earlyRetrySamples: [{ route: 'POST /api/SalesOrder' }] }
    expect(checkRetries({ sl: early, clarity: none })).toMatchObject({ ok: false, detail: expect.stringContaining('POST /api/SalesOrder') })
  })

  it('finds a superseded writer writing again on a partition, and tells cursors apart by key', () => {
    const w = (topic: string, partition: number, key: string, writer?: string): WrittenRecord =>
      ({ topic, partition, key, writer, fromOutside: false })
    const handover = [w('t', 0, 'a', 'A'), w('t', 0, 'b', undefined), w('t', 0, 'c', 'B'), w('t', 1, 'a', 'A')]
    const cursors = [w('cur', 0, 'f1', 'A'), w('cur', 0, 'f2', 'X'), w('cur', 0, 'f1', 'A'), w('cur', 0, 'f2', 'X')]
    expect(checkWriters([...handover, ...cursors], 'cur').ok).toBe(true)
    const c = checkWriters([...handover, w('t', 0, 'd', 'A')], 'cur')
    expect(c).toMatchObject({ ok: false, detail: expect.stringContaining('t partition 0') })
  })
})

describe('bad orders the storefront takes and the bridge refuses', () => {
  it.each(BAD_ORDER_KINDS.map((k, n) => [k.kind, n] as const))('%s', (kind, n) => {
    const b = badOrder(n, prng(n + 1), { heavy: true })
    expect(b).toMatchObject({ kind, expect: BAD_ORDER_KINDS[n]!.expect })
    // The storefront takes it, from the seed's stock.
    const placed = placeOrder(seedClarity(), b.body, Date.now())
    expect(placed.ID).toBeGreaterThan(0)
    // And the mapper refuses it with the code given, in an orders.raw record of it.
    const ev = {
      eventId: 'evt', eventType: 'order.created', source: 'WEBHOOK', receivedAt: 0,
      order: JSON.parse(JSON.stringify(placed, (_k, v) => typeof v === 'number' && _k !== 'ID' ? v.toFixed(4) : v))
    }
    expect(() => mapOrder(ev as never, mapping)).toThrow(expect.objectContaining({ code: b.expect[0] }))
  })

  it('goes through the light kinds in turn unless heavy ones are asked for', () => {
    const kinds = Array.from({ length: 12 }, (_, n) => badOrder(n, prng(1)).kind)
    expect(new Set(kinds).size).toBe(BAD_ORDER_KINDS.filter((k) => !k.heavy).length)
    expect(kinds).not.toContain('thousand-lines')
    expect(badOrder(3, prng(7))).toEqual(badOrder(3, prng(7)))
  })
})
