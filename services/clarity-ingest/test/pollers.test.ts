// How the ModifiedSince poller pages through a listing that changes while it reads: every
// row listed when a round began is read in that round, whichever order Clarity lists in.
import { describe, expect, it } from 'vitest'
import type { FeedRow } from '../../../lib/feed-source.ts'
import { listingStep, type Listing } from '../src/pollers.ts'

const T0 = Date.parse('2026-12-01T10:00:00Z')
const iso = (t: number): string => new Date(t).toISOString()

/** A Clarity holding `n` rows, listed by `order`, whose clock the test moves. */
function store (n: number, order: 'date' | 'id') {
  const rows = Array.from({ length: n }, (_, i) => ({ ID: 1000 + i, UpdatedDate: iso(T0 + i * 10) }))
  let clock = T0 + n * 10
  return {
    now: () => clock,
    update (id: number): void { clock += 10; rows.find((r) => r.ID === id)!.UpdatedDate = iso(clock) },
    list (since: string, page: number, size: number) {
      const listed = rows.filter((r) => Date.parse(r.UpdatedDate) >= Date.parse(since))
        .sort((a, b) => order === 'id' ? a.ID - b.ID : a.UpdatedDate.localeCompare(b.UpdatedDate) || a.ID - b.ID)
      const Results = listed.slice((page - 1) * size, page * size) as FeedRow[]
      return { TotalPages: Math.max(1, Math.ceil(listed.length / size)), Results }
    }
  }
}

/** One round from `since`, updating `perPage` rows already read after each page. */
function round (s: ReturnType<typeof store>, since: string, perPage: number) {
  let at: Listing = { since, page: 1, began: 0, latest: since }
  const read = new Set<number>()
  let reads = 0
  for (let more = true; more; reads++) {
    const p = s.list(at.since, at.page, 100)
    for (const r of p.Results) read.add(r.ID as number)
    const step = listingStep(at, p, s.now())
    for (const id of [...read].slice(0, perPage)) s.update(id)
    at = step.next
    more = step.more
  }
  return { read, at, reads }
}

describe('the ModifiedSince poller\'s paging', () => {
  it.each(['date', 'id'] as const)('reads every row of a listing in %s order though rows already read change between pages', (order) => {
    const s = store(450, order)
    const { read, at } = round(s, iso(T0), 3)
    expect([...Array(450).keys()].filter((i) => !read.has(1000 + i))).toEqual([])
    expect(at.began).toBe(0)
    expect(Date.parse(at.since)).toBeLessThanOrEqual(s.now())
  })

  it('reads on from a date-ordered page\'s last date, keeping it as the cursor; by page number otherwise', () => {
    const s = store(250, 'date')
    const at: Listing = { since: iso(T0), page: 1, began: 0, latest: iso(T0) }
    const first = listingStep(at, s.list(at.since, 1, 100), s.now())
    const began = s.now()
    expect(first).toEqual({ more: true, next: { since: iso(T0 + 990), page: 1, began, latest: iso(T0 + 990) } })
    const shuffled = s.list(at.since, 1, 100).Results.reverse()
    expect(listingStep(at, { TotalPages: 3, Results: shuffled }, s.now()).next)
      .toMatchObject({ since: iso(T0), page: 2 })
  })

  it('reads by page number when a whole page shares the cursor\'s date, and never keeps a date after the round began', () => {
    const same = Array.from({ length: 100 }, (_, i) => ({ ID: i, UpdatedDate: iso(T0) }))
    const at: Listing = { since: iso(T0), page: 1, began: 0, latest: iso(T0) }
    expect(listingStep(at, { TotalPages: 2, Results: same }, T0 + 5000).next).toMatchObject({ since: iso(T0), page: 2 })
    const future = [{ ID: 1, UpdatedDate: iso(T0 + 10) }, { ID: 2, UpdatedDate: iso(T0 + 99999) }]
    const step = listingStep(at, { TotalPages: 2, Results: future }, T0 + 5000)
    expect(step.next).toMatchObject({ since: iso(T0), page: 2, latest: iso(T0 + 5000) })
    expect(listingStep(step.next, { TotalPages: 2, Results: [] }, T0 + 9000))
      .toEqual({ more: false, next: { since: iso(T0 + 5000), page: 1, began: 0, latest: iso(T0 + 5000) } })
  })
})
