// The ModifiedSince pollers, the safety net for events never pushed, on the one change
// feed (lib/feed-source). The cursor is an UpdatedDate, kept once a round has read every
// page of the listing after it. It never passes the time its round began, whatever the
// rows say: a row dated later would make it skip every genuine change until that date.
import type { ClarityClient } from '../../../lib/clients/clarity.ts'
import { readCursor, type Cursor } from '../../../lib/cursor.ts'
import { startChangeFeed, type FeedRow } from '../../../lib/feed-source.ts'
import type { OutRecord } from '../../../lib/kafka.ts'
import { leaseGroup, startLease, type Holding } from '../../../lib/lease.ts'
import type { Kit } from '../../../lib/service.ts'
import type { Topic } from '../../../topology/topology.ts'
import { CLOCK_SKEW_MS } from './records.ts'

const POLLED_MAX = 100000

/**
 * States this poller produced; one produced again after a restart is harmless downstream.
 * One set per poller: an order and an account can share an ID and a time.
 */
function polledSet () {
  const polled = new Set<string>()
  return {
    has: (id: string) => polled.has(id),
    add (id: string) {
      polled.add(id)
      if (polled.size > POLLED_MAX) polled.delete(polled.values().next().value!)
    }
  }
}

export interface ListingPollerOptions {
  kit: Kit
  service: string
  name: string
  /** The cursor's key in bridge.cursors. */
  cursor: string
  cursors: Topic
  /** Where the rows' records go. */
  topic: string
  intervalMs: number
  list: ClarityClient['orders']
  /** Where a first start reads from. */
  from: string
  /** A listed row's records; `id`, its event id. Throws poison for a row that makes no sense. */
  take: (row: FeedRow, id: string) => OutRecord[]
}

/**
 * Where a poller is: the cursor kept (`since`), and within a round (`began`, when it began;
 * 0 between rounds) the page to read and the latest time seen.
 */
export interface Listing { since: string, page: number, began: number, latest: string }

export interface ListingPage { TotalPages: number, Results: FeedRow[] }

const eventId = (row: FeedRow): string => `poll:${String(row.ID)}:${Date.parse(String(row.UpdatedDate))}`

/** The last date of rows listed in UpdatedDate order; undefined if they are not, or none. */
function lastOfDateOrder (rows: FeedRow[]): number | undefined {
  let prev = -Infinity
  for (const row of rows) {
    const t = Date.parse(String(row.UpdatedDate))
    if (!(t >= prev)) return undefined
    prev = t
  }
  return rows.length === 0 ? undefined : prev
}

/**
 * Where a round goes after a page `p` read at `at`. A listing in UpdatedDate order, as
 * Clarity's is, is read on from the page's last date (page 1 again, inclusive), not by page
 * number: a row updated between two page reads moves to the end and every row after it one
 * place earlier, and reading page 2 then would miss the row that moved onto page 1. A
 * listing in another order (by ID, say, where a change adds a row but moves none) is read
 * by page number.
 */
export function listingStep (at: Listing, p: ListingPage, now: number): { next: Listing, more: boolean } {
  const began = at.began === 0 ? now : at.began
  let latest = at.began === 0 ? at.since : at.latest
  for (const row of p.Results) {
    const updated = String(row.UpdatedDate)
    const mark = Date.parse(updated) > began ? new Date(began).toISOString() : updated
    if (Date.parse(mark) > Date.parse(latest)) latest = mark
  }
  if (at.page >= p.TotalPages) return { next: { since: latest, page: 1, began: 0, latest }, more: false }
  const last = lastOfDateOrder(p.Results)
  if (last !== undefined && last > Date.parse(at.since) && last <= began) {
    return { next: { since: new Date(last).toISOString(), page: 1, began, latest }, more: true }
  }
  return { next: { since: at.since, page: at.page + 1, began, latest }, more: true }
}

/** The poller under its lease (lib/lease.ts): of several instances, one polls. */
export async function startListingPoller (o: ListingPollerOptions): Promise<void> {
  await startLease({
    kit: o.kit, group: leaseGroup(o.service, o.name), topic: o.cursors.name,
    start: async (holding) => await startHeld(o, holding)
  })
}

async function startHeld (o: ListingPollerOptions, holding: Holding): Promise<{ stop: () => Promise<void> }> {
  const { kit } = o
  const polled = polledSet()
  let since = await readCursor(kit.kafka, o.cursors.name, await kit.serde<Cursor>(o.cursors), o.cursor) ?? o.from
  if (Date.parse(since) > Date.now() + CLOCK_SKEW_MS) {
    // Kept by a version without the rule above, or under a clock since set right.
    kit.logger.warn({ poller: o.name, code: 'CURSOR_IN_FUTURE' },
      'the stored cursor is later than now: reading again from the first-start position')
    since = o.from
  }
  return await startChangeFeed<Listing>({
    kit, service: o.service, name: o.name, holding, intervalMs: o.intervalMs, cursors: o.cursors, topic: o.topic,
    cursorName: () => o.cursor, position: (l) => l.since, from: { since, page: 1, began: 0, latest: since },
    read: async (at) => {
      const p = await o.list(at.since, at.page, 100)
      return { rows: p.Results.filter((row) => !polled.has(eventId(row))), ...listingStep(at, p, Date.now()) }
    },
    records: (row) => o.take(row, eventId(row)),
    rowHeaders: (row) => ({ 'Clarity-Event-Id': eventId(row) }),
    round: async (step) => {
      const page = await step()
      // Only once they are in the topic: rows of a send that failed are read again.
      for (const row of page?.rows ?? []) polled.add(eventId(row))
      return page?.more ?? true
    }
  })
}
