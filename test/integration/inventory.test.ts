// Stock from SL to the store: sl-inventory-source and clarity-inventory-sink with both
// sandboxes, on the real broker and registry.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../../infra/embedded.ts'
import { DLQ_HEADERS } from '../../lib/consumer-loop.ts'
import type { ItemSiteLevel } from '../../domain/records.ts'
import { createSerde } from '../../lib/registry.ts'
import { readSchema } from '../../lib/serdes.ts'
import { prefixed } from '../../topology/topology.ts'
import { ADMIN_TOKEN, startFlow, stockOf, type Flow } from '../orders-harness.ts'
import { env, readRecords, recordCount, useBroker, waitFor } from '../helpers.ts'

const b = useBroker()
let f: Flow

beforeAll(async () => {
  f = await startFlow({ ...env(), logLevel: process.env.TEST_LOG_LEVEL, only: ['sl-inventory-source', 'clarity-inventory-sink'] })
  // The seed's first read covers every item site; start from a store in step with SL.
  await waitFor('the first full push', () => f.clarity.state().stock['PUMP-100-110V|MAIN']?.Quantity === f.sl.state().itemSites['PUMP-100-110V|MAIN']!.QtyAvail)
})
afterAll(async () => { await f.stop() })

// Read at call time: the flow starts in beforeAll.
const adjust = async (invtId: string, site: string, qty: number): Promise<void> =>
  await stockOf(f).adjust(invtId, site, qty)
const slAvail = (invtId: string, site: string): number => stockOf(f).slAvail(invtId, site)
const clarityQty = (sku: string, loc: string): number | undefined => stockOf(f).clarityQty(sku, loc)

describe('inventory SL → Clarity', () => {
  it('an adjustment in SL shows in Clarity for that location, and only there', async () => {
    const east = clarityQty('FILTER-MESH-MD', 'EAST')
    await adjust('FILTER-MESH-MD', 'WEST', 7)
    const want = slAvail('FILTER-MESH-MD', 'WEST')
    await waitFor('WEST level in Clarity', () => clarityQty('FILTER-MESH-MD', 'WEST') === want)
    expect(clarityQty('FILTER-MESH-MD', 'EAST')).toBe(east)
  })

  it('an item sold under another SKU lands on that SKU', async () => {
    await adjust('VALVE-BRASS-050', 'MAIN', 11)
    const want = slAvail('VALVE-BRASS-050', 'MAIN')
    await waitFor('the level on VALVE-BRASS-1/2IN', () => clarityQty('VALVE-BRASS-1/2IN', 'MAIN') === want)
  })

  it('many quick adjustments of one item end at the last value', async () => {
    for (let i = 0; i < 40; i++) await adjust('GAUGE-DRY-0300', 'MAIN', i % 3 === 0 ? -1 : 2)
    const want = slAvail('GAUGE-DRY-0300', 'MAIN')
    await waitFor('the last level', () => clarityQty('GAUGE-DRY-0300', 'MAIN') === want)
  })

  it('a negative level is dead-lettered with the reason and not pushed; the levels around it flow', async () => {
    const { topics } = prefixed(f.prefix)
    const serde = await createSerde<ItemSiteLevel>(b.registry, `${topics.inventoryChanges.name}-value`, readSchema(topics.inventoryChanges))
    const before = clarityQty('SEAL-NBR-A', 'MAIN')
    const level = (invtId: string, avail: string): ItemSiteLevel => ({
      InvtID: invtId, SiteID: 'MAIN', QtyOnHand: avail, QtyAvail: avail, QtyAlloc: '0.0000', QtyShipNotInv: '0.0000', QtyOnPO: '0.0000', LUpd_DateTime: Date.now(), tstamp: 1
    })
    await b.producer.send([
      { topic: topics.inventoryChanges.name, key: 'SEAL-NBR-A|MAIN', value: serde.encode(level('SEAL-NBR-A', '-4.0000')) },
      { topic: topics.inventoryChanges.name, key: 'SEAL-FKM-B|MAIN', value: serde.encode(level('SEAL-FKM-B', '1234.0000')) }
    ])
    const [dead] = await readRecords(b.kafka, `${topics.inventoryChanges.name}.dlq`, 1)
    expect(dead!.headers[DLQ_HEADERS.code]).toBe('NEGATIVE_LEVEL')
    expect(dead!.headers[DLQ_HEADERS.message]).toContain('SEAL-NBR-A at MAIN')
    await waitFor('the neighbour pushed', () => clarityQty('SEAL-FKM-B', 'MAIN') === 1234)
    expect(clarityQty('SEAL-NBR-A', 'MAIN')).toBe(before)
  })

  it('a Clarity outage: levels changed meanwhile arrive after recovery, none dead-lettered', async () => {
    const { topics } = prefixed(f.prefix)
    const deadBefore = await recordCount(b.admin, `${topics.inventoryChanges.name}.dlq`)
    await f.clarity.app.inject({ method: 'PUT', url: '/sandbox/faults', payload: { outageSec: 8, rate429: 0.3, retryAfterSec: 1 } })
    const items = ['CLAMP-SS-08', 'CLAMP-SS-12', 'CLAMP-ZN-16']
    for (const it of items) await adjust(it, 'EAST', 5)
    try {
      await waitFor('the levels after recovery', () => items.every((it) => clarityQty(it, 'EAST') === slAvail(it, 'EAST')), 90000)
      // The sink really met the outage, rather than the levels slipping in before it.
      expect((await f.clarity.app.inject({ method: 'GET', url: '/sandbox/faults' })).json().counters.outage).toBeGreaterThan(0)
    } finally {
      await f.clarity.app.inject({ method: 'DELETE', url: '/sandbox/faults' })
    }
    expect(await recordCount(b.admin, `${topics.inventoryChanges.name}.dlq`)).toBe(deadBefore)
  })

  it('`bridge backfill inventory` puts every level back after the store lost them, and says how many', async () => {
    const stock = f.clarity.state().stock
    const sl = Object.values(f.sl.state().itemSites)
    for (const row of Object.values(stock)) row.Quantity = 99999
    const source = `http://127.0.0.1:${f.services['sl-inventory-source']!.port}`
    const vars = { KAFKA_BROKERS: env().brokers.join(','), SCHEMA_REGISTRY_URL: env().registryUrl, BRIDGE_TOPIC_PREFIX: f.prefix, LOG_LEVEL: 'error', ADMIN_TOKEN }
    const { stdout } = await promisify(execFile)(process.execPath, [join(projectRoot, 'bin/bridge.js'), 'backfill', 'inventory', '--source-url', source], { cwd: projectRoot, env: { ...process.env, ...vars } })
    expect(stdout).toMatch(new RegExp(`^${sl.length} item-site levels re-read from SL and pushed to Clarity in [0-9.]+ s`))
    // The sink has committed everything the source re-read: the store shows SL's levels again.
    const skus = Object.fromEntries(Object.values(f.clarity.state().products).map((p) => [p.CustomKey, p.CustomKey]))
    const wrong = Object.values(stock).filter((r) => r.Quantity === 99999 && skus[r.ProductKey] !== undefined)
    expect(wrong.map((r) => `${r.ProductKey}|${r.LocationKey}`)).toEqual([])
  })
})
