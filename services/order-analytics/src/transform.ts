// Pure: revenue per hour per currency and the best-selling items, folded from orders.mapped.
import { formatUnscaled, toUnscaled } from '../../../lib/avro.ts'
import type { MappedOrder } from '../../../domain/records.ts'

export interface Totals {
  /** hour (ISO, UTC) → currency → revenue in minor units. */
  revenue: Map<string, Map<string, bigint>>
  baseRevenue: Map<string, bigint>
  skus: Map<string, { quantity: bigint, orders: number }>
  orders: Set<number>
  cancelled: Set<number>
}

export const emptyTotals = (): Totals => ({
  revenue: new Map(), baseRevenue: new Map(), skus: new Map(), orders: new Set(), cancelled: new Set()
})

/** Each Clarity order counts once, however often it was mapped; a cancellation takes it out. */
export function fold (t: Totals, m: MappedOrder): void {
  if (m.cancelled) { t.cancelled.add(m.clarityOrderId); return }
  if (t.orders.has(m.clarityOrderId)) return
  t.orders.add(m.clarityOrderId)
  const hour = new Date(Math.floor(m.OrdDate / 3600000) * 3600000).toISOString()
  const byCury = t.revenue.get(hour) ?? new Map<string, bigint>()
  byCury.set(m.CuryID, (byCury.get(m.CuryID) ?? 0n) + toUnscaled(m.CuryTotOrd, 2))
  t.revenue.set(hour, byCury)
  t.baseRevenue.set(hour, (t.baseRevenue.get(hour) ?? 0n) + toUnscaled(m.TotOrdBase, 2))
  for (const l of m.Lines) {
    const s = t.skus.get(l.InvtID) ?? { quantity: 0n, orders: 0 }
    s.quantity += toUnscaled(l.QtyOrd, 4)
    s.orders++
    t.skus.set(l.InvtID, s)
  }
}

export function report (t: Totals, base: string, top: number) {
  return {
    orders: t.orders.size,
    cancelled: [...t.cancelled].filter((id) => t.orders.has(id)).length,
    revenuePerHour: [...t.revenue].sort(([a], [b]) => a.localeCompare(b)).map(([hour, byCury]) => ({
      hour,
      byCurrency: Object.fromEntries([...byCury].map(([c, v]) => [c, formatUnscaled(v, 2)])),
      [`total${base}`]: formatUnscaled(t.baseRevenue.get(hour) ?? 0n, 2)
    })),
    // Ties broken by orders, then InvtID: the list must not depend on which partition came first.
    topSkus: [...t.skus].sort(([ia, a], [ib, b]) =>
      (b.quantity > a.quantity ? 1 : b.quantity < a.quantity ? -1 : b.orders - a.orders || ia.localeCompare(ib)))
      .slice(0, top)
      .map(([InvtID, s]) => ({ InvtID, quantity: formatUnscaled(s.quantity, 4).replace(/\.?0+$/, ''), orders: s.orders }))
  }
}
