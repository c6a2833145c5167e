// The order mapping's rules for quantities that are not whole units: Clarity's order is the
// shopper's, so a quantity above 0 goes to SL as it was sold (by the foot, by the kilo), the
// line's amount to the cent; at or below 0 it is refused, naming the line's item and the rule.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../infra/embedded.ts'
import { loadOrderMapping } from '../../domain/mapping.ts'
import { mapOrder, type OrderEvent } from '../../services/order-mapper/src/transform.ts'

const mapping = loadOrderMapping(join(projectRoot, 'mappings/orders.yaml'))
const eur = JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/orders.raw/eur-coupon.json'), 'utf8')) as OrderEvent

/** A USD order of one line of `qty` × `price`, nothing else on it, whose total Clarity gives as `total`. */
function outcome (qty: string, price: string, total: string): unknown {
  const ev = structuredClone(eur)
  const o = ev.order
  o.SellingCurrencyKey = 'USD'
  o.SalesItems = [{ ...o.SalesItems[0]!, Quantity: qty, UnitSoldPrice: price }]
  o.Totals = { ...o.Totals, Shipping: '0', Handling: '0', Fees: '0', Tax: '0', Discounts: '0', Total: total }
  try {
    const m = mapOrder(ev, mapping)!
    return { QtyOrd: m.Lines[0]!.QtyOrd, CuryTotOrd: m.CuryTotOrd }
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message }
  }
}

describe('quantities that are not whole units', () => {
  it.each<[string, string, string, string, unknown]>([
    ['half a unit more', '2.5000', '19.9900', '49.9800', { QtyOrd: '2.5000', CuryTotOrd: '49.98' }],
    ['the smallest quantity Clarity keeps', '0.0001', '10000.0000', '1.0000', { QtyOrd: '0.0001', CuryTotOrd: '1.00' }],
    ['a third, its amount rounded to the cent', '0.3333', '3.0000', '1.0000', { QtyOrd: '0.3333', CuryTotOrd: '1.00' }]
  ])('%s maps as sold', (_, qty, price, total, want) => {
    expect(outcome(qty, price, total)).toEqual(want)
  })

  it('a line amount rounded to the cent must still meet Clarity\'s total', () => {
    expect(outcome('0.3333', '3.0000', '0.9999')).toEqual({
      code: 'AMOUNT_NOT_IN_CENTS', message: 'Total 0.9999 has a fraction of a cent; SL keeps money to the cent'
    })
    expect(outcome('0.3333', '3.0000', '0.9900')).toMatchObject({ code: 'TOTALS_DO_NOT_RECONCILE' })
  })

  it.each(['-0.5000', '-0.0001', '0.0000'])('%s is refused, naming the item and the rule', (qty) => {
    expect(outcome(qty, '10.0000', '0')).toEqual({
      code: 'BAD_QUANTITY', message: `WIDGET-RED-L: quantity ${qty} must be above 0`
    })
  })
})
