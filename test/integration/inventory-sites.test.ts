// The store lowers the locations it sells from by its own choice (the fullest first),
// while an order ships from the site the order mapper picks: SL's level at the location the
// store lowered never changes. Each SL change to an item must put every location of that
// item in Clarity back to SL's level, whichever instance of the sink reads it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startClarityInventorySink } from '../../services/clarity-inventory-sink/src/service.ts'
import type { Running } from '../../lib/service.ts'
import { place, shopper, startFlow, stockOf, type Flow } from '../orders-harness.ts'
import { env, useBroker, waitFor } from '../helpers.ts'

useBroker()
const SITES = ['MAIN', 'EAST', 'WEST']
const noExit = (() => undefined) as never
let f: Flow
const extra: Running[] = []

const adjust = async (invtId: string, site: string, qty: number): Promise<void> =>
  await stockOf(f).adjust(invtId, site, qty)
const slAvail = (invtId: string, site: string): number => stockOf(f).slAvail(invtId, site)
const clarityQty = (sku: string, loc: string): number | undefined => stockOf(f).clarityQty(sku, loc)
const inStep = (item: string): boolean => SITES.every((s) => clarityQty(item, s) === slAvail(item, s))
const levels = (item: string): string => SITES.map((s) => `${s} SL ${slAvail(item, s)} Clarity ${clarityQty(item, s)}`).join(', ')

/** Items sold under their own InvtID with stock to sell at every site, in step with SL. */
const items = (n: number, skip: string[] = []): string[] => {
  const ids = [...new Set(Object.values(f.sl.state().itemSites).map((s) => s.InvtID))].sort()
  const picked = ids.filter((id) => !skip.includes(id) && inStep(id) && SITES.every((s) => slAvail(id, s) >= 5))
  expect(picked.length).toBeGreaterThanOrEqual(n)
  return picked.slice(0, n)
}

/** A storefront order of 2 for `item`, and the location the store took it from. */
async function sell (item: string): Promise<string> {
  const before = Object.fromEntries(SITES.map((s) => [s, clarityQty(item, s)!]))
  await place(f, shopper([{ sku: item, quantity: 2 }], { customer: { email: `sites-${item.toLowerCase()}@example.com`, firstName: 'Sites', lastName: 'Test' } }))
  const lowered = SITES.filter((s) => clarityQty(item, s) !== before[s])
  expect(lowered).toHaveLength(1)
  expect(clarityQty(item, lowered[0]!)).toBe(before[lowered[0]!]! - 2)
  return lowered[0]!
}

/** The store sells an item from one location, SL then changes another site of it. */
async function sellThenShipElsewhere (item: string): Promise<void> {
  const lowered = await sell(item)
  expect(clarityQty(item, lowered)).toBeLessThan(slAvail(item, lowered))
  await adjust(item, SITES.find((s) => s !== lowered)!, -1)
}

beforeAll(async () => {
  f = await startFlow({ ...env(), logLevel: process.env.TEST_LOG_LEVEL, only: ['sl-inventory-source', 'clarity-inventory-sink'] })
  // The seed starts the store in step with SL, so equal levels say nothing: wait until the
  // sink has pushed every item site once, or that first push would mend what the tests break.
  const seeded = Object.values(f.clarity.state().products)[0]!.CreatedDate
  await waitFor('the first full push', () => Object.keys(f.sl.state().itemSites).every((k) => {
    const row = f.clarity.state().stock[k]
    return row === undefined || row.UpdatedDate !== seeded
  }))
})
afterAll(async () => {
  for (const s of extra) await s.stop()
  await f.stop()
})

describe('every location of an item follows SL, not only the site that changed', () => {
  it('the location the store sold from is put back when SL changes another site of the item', async () => {
    const [item] = items(1)
    await sellThenShipElsewhere(item!)
    await waitFor(`every location of ${item!} at SL's level`, () => inStep(item!), 30000)
      .catch(() => { throw new Error(`${item!}: ${levels(item!)}`) })
  })

  it('two instances, restarted: each reads every partition to the end before it pushes', async () => {
    await f.services['clarity-inventory-sink']!.stop()
    // Two members of one group: an item's sites land on partitions of either.
    for (let i = 0; i < 2; i++) extra.push(await startClarityInventorySink(f.common as never, noExit))
    await waitFor('both members ready', async () => {
      for (const s of extra) if (!(await fetch(`http://127.0.0.1:${s.port!}/readyz`)).ok) return false
      return true
    })
    const some = items(6)
    for (const item of some) await sellThenShipElsewhere(item)
    await waitFor('every location of every item at SL\'s level', () => some.every(inStep), 60000)
      .catch(() => { throw new Error(some.filter((i) => !inStep(i)).map((i) => `${i}: ${levels(i)}`).join('; ')) })
  })

  it('a location the store lowered for an order that changed no SL level is put back by the sweep', async () => {
    for (const s of extra.splice(0)) await s.stop()
    extra.push(await startClarityInventorySink({ ...f.common, INVENTORY_SWEEP_MS: 1000 } as never, noExit))
    // No order service runs here: like an order SL backorders at a sold-out site, or one it never
    // gets, SL changes no level for these sales.
    const some = items(2)
    for (const item of some) {
      const lowered = await sell(item)
      expect(clarityQty(item, lowered)).toBeLessThan(slAvail(item, lowered))
    }
    await waitFor('every location of the items sold at SL\'s level', () => some.every(inStep), 60000)
      .catch(() => { throw new Error(some.filter((i) => !inStep(i)).map((i) => `${i}: ${levels(i)}`).join('; ')) })
  })
})
