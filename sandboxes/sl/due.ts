// Orders by when their next step is due, earliest first (then in the order they were
// queued), so the Process Manager looks at what is due instead of every order ever
// taken: a demo left running for days holds hundreds of thousands. Derived from the
// orders, not persisted; an entry whose order has moved on since is skipped.
import type { SlState, SOHeader } from './state.ts'

interface Due { at: number, seq: number, nbr: string }
interface Queue { heap: Due[], seq: number }

const queues = new WeakMap<SlState, Queue>()
const before = (a: Due, b: Due): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq)

function queueOf (s: SlState): Queue {
  let q = queues.get(s)
  if (q === undefined) {
    q = { heap: [], seq: 0 }
    queues.set(s, q)
    for (const o of Object.values(s.orders)) push(q, o)
  }
  return q
}

function push (q: Queue, o: SOHeader): void {
  if (o.dueAt >= Number.MAX_SAFE_INTEGER || o.Cancelled === 1) return
  const h = q.heap
  h.push({ at: o.dueAt, seq: q.seq++, nbr: o.OrdNbr })
  for (let i = h.length - 1; i > 0;) {
    const up = (i - 1) >> 1
    if (!before(h[i]!, h[up]!)) break
    ;[h[i], h[up]] = [h[up]!, h[i]!]
    i = up
  }
}

function pop (h: Due[]): Due {
  const top = h[0]!
  const last = h.pop()!
  if (h.length > 0) {
    h[0] = last
    for (let i = 0; ;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && before(h[l]!, h[m]!)) m = l
      if (r < h.length && before(h[r]!, h[m]!)) m = r
      if (m === i) break
      ;[h[i], h[m]] = [h[m]!, h[i]!]
      i = m
    }
  }
  return top
}

/**
 * Queues an order whose dueAt was just set; one already in the tables when the queue is
 * first built is queued by that.
 */
export function schedule (s: SlState, o: SOHeader): void {
  const built = queues.has(s)
  const q = queueOf(s)
  if (built) push(q, o)
}

/** Takes every order due by nowMs off the queue, earliest first. Whoever moves one on schedules it again. */
export function takeDue (s: SlState, nowMs: number): SOHeader[] {
  const q = queueOf(s)
  const due = new Set<SOHeader>()
  while (q.heap.length > 0 && q.heap[0]!.at <= nowMs) {
    const d = pop(q.heap)
    const o = s.orders[d.nbr]
    if (o !== undefined && o.dueAt === d.at && o.Cancelled !== 1) due.add(o)
  }
  return [...due]
}
