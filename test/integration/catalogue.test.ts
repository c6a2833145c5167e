// The catalogue from SL (the product master) to the store: sl-product-source and
// clarity-product-sink with both sandboxes, on the real broker and registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backfill } from '../../cli/backfill.ts'
import { skuOf, loadOrderMapping } from '../../domain/mapping.ts'
import { projectRoot } from '../../infra/embedded.ts'
import { join } from 'node:path'
import { ADMIN_TOKEN, startFlow, type Flow } from '../orders-harness.ts'
import { env, useBroker, waitFor } from '../helpers.ts'

const b = useBroker()
let f: Flow

beforeAll(async () => {
  f = await startFlow({ ...env(), logLevel: process.env.TEST_LOG_LEVEL, only: ['sl-product-source', 'clarity-product-sink'] })
})
afterAll(async () => { await f.stop() })

const slAuth = { authorization: `Basic ${Buffer.from('bridge:bridge-dev').toString('base64')}`, 'x-sl-cpnyid': 'DEMO' }
async function changeItem (invtId: string, change: object): Promise<void> {
  const r = await f.sl.app.inject({ method: 'PUT', url: `/api/Product/${encodeURIComponent(invtId)}`, headers: slAuth, payload: change })
  if (r.statusCode !== 200) throw new Error(`SL refused: ${r.body}`)
}
const product = (sku: string) => Object.values(f.clarity.state().products).find((p) => p.CustomKey === sku)

describe('catalogue SL → Clarity', () => {
  it('a change in SL updates the Clarity product', async () => {
    await changeItem('HOSE-PVC-50FT', { Descr: 'PVC hose, 50 ft, UV resistant', StkBasePrc: 17.25, Weight: 2.4 })
    const p = await waitFor('the product updated', () => { const x = product('HOSE-PVC-50FT'); return x?.PriceBase === 17.25 ? x : undefined })
    expect(p).toMatchObject({ Name: 'PVC hose, 50 ft, UV resistant', ShortDescription: 'PVC hose, 50 ft, UV resistant', PriceBase: 17.25, Weight: 2.4, IsDiscontinued: false, IsVisible: true })
  })

  it('a deactivated item becomes discontinued; an item sold under another SKU updates that SKU', async () => {
    await changeItem('PUMP-200-230V', { TranStatusCode: 'IN' })
    await waitFor('discontinued in Clarity', () => product('PUMP200-EU')?.IsDiscontinued === true)
    expect(product('PUMP200-EU')!.IsVisible).toBe(false)
    expect(product('PUMP-200-230V')).toBeUndefined()
    await changeItem('PUMP-200-230V', { TranStatusCode: 'AC' })
    await waitFor('back on sale', () => product('PUMP200-EU')?.IsDiscontinued === false && product('PUMP200-EU')?.IsVisible === true)
  })

  it('an item new in SL appears in the store', async () => {
    f.sl.state().items['GASKET-CORK-5IN'] = { ...f.sl.state().items['GASKET-FIBER-4IN']!, InvtID: 'GASKET-CORK-5IN', Descr: 'Cork gasket, 5 in', StkBasePrc: 4.1, tstamp: f.sl.state().items['GASKET-FIBER-4IN']!.tstamp }
    await changeItem('GASKET-CORK-5IN', { StkBasePrc: 4.15 })
    await waitFor('the new product', () => product('GASKET-CORK-5IN')?.PriceBase === 4.15)
  })

  it('a products backfill puts every SL item back on the store', async () => {
    for (const p of Object.values(f.clarity.state().products)) p.PriceBase = 0
    const phases = new Set<string>()
    const r = await backfill({ kind: 'products', admin: b.admin, sourceUrl: `http://127.0.0.1:${f.services['sl-product-source']!.port}`, token: ADMIN_TOKEN, prefix: f.prefix, progress: (phase) => phases.add(phase) })
    const items = Object.values(f.sl.state().items)
    expect(r).toMatchObject({ records: items.length, pushed: true })
    expect([...phases]).toEqual(['reading SL', 'pushing to Clarity'])
    const mapping = loadOrderMapping(join(projectRoot, 'mappings/orders.yaml'))
    const off = items.filter((i) => product(skuOf(mapping, i.InvtID))?.PriceBase !== i.StkBasePrc).map((i) => i.InvtID)
    expect(off).toEqual([])
  })
})
