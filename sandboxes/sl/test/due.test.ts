import { describe, expect, it } from 'vitest'
import { schedule, takeDue } from '../due.ts'
import type { SlState, SOHeader } from '../state.ts'

const order = (OrdNbr: string, dueAt: number): SOHeader => ({ OrdNbr, dueAt, Cancelled: 0 }) as SOHeader
const tables = (...orders: SOHeader[]): SlState =>
  ({ orders: Object.fromEntries(orders.map((o) => [o.OrdNbr, o])) }) as unknown as SlState
const nbrs = (os: SOHeader[]): string[] => os.map((o) => o.OrdNbr)

describe('the Process Manager\'s due queue', () => {
  it('starts from the orders already in the tables (a snapshot loaded) and gives what is due, earliest first, once', () => {
    const s = tables(order('SO3', 300), order('SO1', 100), order('SO2', 200), order('SO9', Number.MAX_SAFE_INTEGER))
    expect(nbrs(takeDue(s, 50))).toEqual([])
    expect(nbrs(takeDue(s, 250))).toEqual(['SO1', 'SO2'])
    expect(nbrs(takeDue(s, 250))).toEqual([])
    expect(nbrs(takeDue(s, Number.MAX_SAFE_INTEGER - 1))).toEqual(['SO3'])
  })

  it('takes an order created later when it is due, in the order queued on a tie', () => {
    const s = tables(order('SO1', 100))
    expect(takeDue(s, 0)).toEqual([])
    for (const o of [order('SO2', 100), order('SO3', 50)]) { s.orders[o.OrdNbr] = o; schedule(s, o) }
    expect(nbrs(takeDue(s, 100))).toEqual(['SO3', 'SO1', 'SO2'])
  })

  it('skips an order cancelled meanwhile, and one rescheduled goes by its new time only', () => {
    const a = order('SO1', 100)
    const b = order('SO2', 100)
    const s = tables(a, b)
    expect(takeDue(s, 0)).toEqual([])
    a.Cancelled = 1
    b.dueAt = 500
    schedule(s, b)
    expect(takeDue(s, 400)).toEqual([])
    expect(nbrs(takeDue(s, 500))).toEqual(['SO2'])
  })

  it('a thousand orders in any order come out sorted by due time', () => {
    const s = tables()
    expect(takeDue(s, 0)).toEqual([])
    const times = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000)
    times.forEach((t, i) => { const o = order(`SO${i}`, t); s.orders[o.OrdNbr] = o; schedule(s, o) })
    const due = takeDue(s, 999).map((o) => o.dueAt)
    expect(due).toEqual([...times].sort((x, y) => x - y))
  })
})
