import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { MappedOrder } from '../../../domain/records.ts'
import { emptyTotals, fold, report } from '../src/transform.ts'

const eur = JSON.parse(readFileSync(new URL('../../../test/fixtures/orders.mapped/eur.json', import.meta.url), 'utf8')) as MappedOrder
const AT = Date.parse('2026-11-27T10:15:00Z')
type Line = MappedOrder['Lines'][number]
const order = (id: number, over: Partial<MappedOrder> = {}, lines: Array<Partial<Line>> = [{}]): MappedOrder =>
  ({ ...eur, clarityOrderId: id, OrdDate: AT, ...over, Lines: lines.map((l) => ({ ...eur.Lines[0]!, ...l })) })
const folded = (...orders: MappedOrder[]) => { const t = emptyTotals(); for (const o of orders) fold(t, o); return t }

describe('order analytics', () => {
  it('revenue per hour and currency, in the base currency, and the SKUs sold', () => {
    const t = folded(
      order(1),
      order(2, { OrdDate: Date.parse('2026-11-27T10:59:59.999Z'), CuryID: 'USD', CuryTotOrd: '10.05', TotOrdBase: '10.05' }, [{ InvtID: 'HOSE', QtyOrd: '0.5' }]),
      order(3, { OrdDate: Date.parse('2026-11-27T11:00:00Z'), CuryTotOrd: '1.00', TotOrdBase: '1.08' }, [{ QtyOrd: '1' }, { InvtID: 'HOSE', QtyOrd: '1.25' }])
    )
    expect(report(t, 'USD', 10)).toEqual({
      orders: 3,
      cancelled: 0,
      revenuePerHour: [
        { hour: '2026-11-27T10:00:00.000Z', byCurrency: { EUR: '58.33', USD: '10.05' }, totalUSD: '73.23' },
        { hour: '2026-11-27T11:00:00.000Z', byCurrency: { EUR: '1.00' }, totalUSD: '1.08' }
      ],
      topSkus: [{ InvtID: 'WIDGET-RED-L', quantity: '3', orders: 2 }, { InvtID: 'HOSE', quantity: '1.75', orders: 2 }]
    })
  })

  it('hours come out in order whatever order the records came in', () => {
    const t = folded(order(1, { OrdDate: Date.parse('2026-11-27T12:30:00Z') }), order(2, { OrdDate: Date.parse('2026-11-26T23:59:00Z') }), order(3))
    expect(report(t, 'EUR', 10).revenuePerHour.map((h) => h.hour)).toEqual(['2026-11-26T23:00:00.000Z', '2026-11-27T10:00:00.000Z', '2026-11-27T12:00:00.000Z'])
  })

  it('an order mapped again counts once; a cancellation is counted apart, only for an order it counted', () => {
    const t = folded(order(1), order(1, { CuryTotOrd: '99.00' }), order(1, { cancelled: true }), order(2, { cancelled: true }))
    expect(report(t, 'USD', 10)).toMatchObject({ orders: 1, cancelled: 1, revenuePerHour: [{ byCurrency: { EUR: '58.33' }, totalUSD: '63.18' }] })
  })

  it('ranks SKUs by quantity, then by orders, then by InvtID, and keeps the top ones', () => {
    const t = folded(
      order(1, {}, [{ InvtID: 'A', QtyOrd: '5' }, { InvtID: 'C', QtyOrd: '7' }, { InvtID: 'D', QtyOrd: '2.5' }, { InvtID: 'E', QtyOrd: '10' }]),
      order(2, {}, [{ InvtID: 'B', QtyOrd: '2.5' }, { InvtID: 'D', QtyOrd: '2.5' }]),
      order(3, {}, [{ InvtID: 'B', QtyOrd: '2.5' }])
    )
    expect(report(t, 'USD', 10).topSkus).toEqual([
      { InvtID: 'E', quantity: '10', orders: 1 }, { InvtID: 'C', quantity: '7', orders: 1 },
      { InvtID: 'B', quantity: '5', orders: 2 }, { InvtID: 'D', quantity: '5', orders: 2 }, { InvtID: 'A', quantity: '5', orders: 1 }
    ])
    expect(report(t, 'USD', 2).topSkus.map((s) => s.InvtID)).toEqual(['E', 'C'])
    for (const first of ['Y', 'Z']) {
      const tied = folded(order(1, {}, [{ InvtID: first, QtyOrd: '1' }, { InvtID: first === 'Y' ? 'Z' : 'Y', QtyOrd: '1' }]))
      expect(report(tied, 'USD', 10).topSkus.map((s) => s.InvtID)).toEqual(['Y', 'Z'])
    }
    expect(report(emptyTotals(), 'USD', 2)).toEqual({ orders: 0, cancelled: 0, revenuePerHour: [], topSkus: [] })
  })
})
