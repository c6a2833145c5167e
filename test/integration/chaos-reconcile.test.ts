// The chaos run's reconciliation against a real flow: the order and stock services
// in-process on the shared broker, good and bad orders placed through the storefront.
// Once they have flowed every check agrees; an SL order made twice, or one gone, is found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { badOrder } from '../../chaos/bad-orders.ts'
import { reconcile, type Reconciliation, type ReconcileInput } from '../../chaos/reconcile.ts'
import { prng } from '../../sandboxes/common/money.ts'
import { ORDER_SERVICES, shopper, startFlow, stock, type Flow } from '../orders-harness.ts'
import { clients, env, waitFor } from '../helpers.ts'

let f: Flow
let input: ReconcileInput
const good: number[] = []

async function post (body: unknown): Promise<number> {
  const res = await fetch(`${f.clarityUrl}/sandbox/storefront/orders`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  if (res.status !== 201) throw new Error(`the storefront answered ${res.status}: ${await res.text()}`)
  return (await res.json() as { ID: number }).ID
}

/** Reconciles until every check agrees; on a timeout, the last verdict is what the test shows. */
async function settled (timeoutMs = 90000): Promise<Reconciliation> {
  let last: Reconciliation | undefined
  await waitFor('the reconciliation to agree', async () => {
    last = await reconcile(input)
    return last.ok
  }, timeoutMs).catch(() => undefined)
  expect(last?.checks.filter((c) => !c.ok)).toEqual([])
  return last!
}

beforeAll(async () => {
  f = await startFlow({
    ...env(), logLevel: process.env.TEST_LOG_LEVEL, pollMs: 500,
    only: [...ORDER_SERVICES, 'sl-inventory-source', 'clarity-inventory-sink']
  })
  // The store takes stock from its fullest location, SL from the site the mapping names
  // (MAIN for the US): equal levels everywhere make the two the same.
  stock(f, 'WIDGET-RED-L', 400)
  for (const site of ['MAIN', 'EAST', 'WEST']) {
    // Sold under another SKU (the mapping's skus table), so set on each side by its own name.
    Object.assign(f.sl.state().itemSites[`VALVE-BRASS-050|${site}`]!, { QtyOnHand: 400, QtyAvail: 400, QtyAlloc: 0 })
    f.clarity.state().stock[`VALVE-BRASS-1/2IN|${site}`]!.Quantity = 400
  }
  const shown = (k: string) => f.clarity.state().stock[k]?.Quantity
  await waitFor('the first full push of stock', () => Object.entries(f.sl.state().itemSites)
    .every(([k, s]) => shown(k) === undefined || shown(k) === Math.max(0, s.QtyAvail)), 60000)
  input = {
    slUrl: f.slUrl, clarityUrl: f.clarityUrl, kafka: clients().kafka, registryUrl: env().registryUrl, prefix: f.prefix,
    bad: []
  }
}, 120000)

afterAll(async () => { await f?.stop() })

describe('reconcile', () => {
  it('agrees once good and bad orders have flowed', async () => {
    good.push(await post(shopper([{ sku: 'WIDGET-RED-L', quantity: 2 }])))
    good.push(await post(shopper([{ sku: 'VALVE-BRASS-1/2IN', quantity: 1 }, { sku: 'WIDGET-RED-L', quantity: 1 }])))
    good.push(await post(shopper([{ sku: 'VALVE-BRASS-1/2IN', quantity: 3 }])))
    for (const n of [0, 3]) {
      const b = badOrder(n, prng(n + 11))
      input.bad.push({ orderId: String(await post(b.body)), kind: b.kind, expect: b.expect })
    }
    await waitFor('the good orders shipped in Clarity', () =>
      good.every((id) => f.clarity.state().orders[String(id)]?.StatusKey === 'Shipped'), 60000)
    const r = await settled()
    expect(r.figures).toEqual({ sent: 3, created: 3, duplicated: 0, lost: 0, deadLettered: { expected: 2, found: 2 } })
    expect(r.checks.map((c) => c.name)).toHaveLength(7)
  }, 180000)

  it('finds an order made twice in SL, and one that is gone', async () => {
    const s = f.sl.state()
    const original = Object.values(s.orders).find((o) => o.CustOrdNbr === String(good[0]))!
    s.orders.SO9999999 = { ...structuredClone(original), OrdNbr: 'SO9999999' }
    const twice = await reconcile(input)
    const orders = twice.checks.find((c) => c.name === 'orders exactly once in SL, as mapped')!
    expect(orders).toMatchObject({ ok: false, detail: expect.stringContaining(`1 duplicated (e.g. ${good[0]})`) })
    expect(twice.figures).toMatchObject({ duplicated: 1, lost: 0 })
    expect(twice.checks.filter((c) => !c.ok)).toHaveLength(1)

    delete s.orders.SO9999999
    const gone = Object.values(s.orders).find((o) => o.CustOrdNbr === String(good[1]))!
    delete s.orders[gone.OrdNbr]
    const lost = await reconcile(input)
    expect(lost.figures).toMatchObject({ duplicated: 0, lost: 1 })
    expect(lost.checks.find((c) => c.name === 'orders exactly once in SL, as mapped')!.detail)
      .toContain(`1 lost (e.g. ${good[1]})`)
    s.orders[gone.OrdNbr] = gone
  }, 120000)
})
