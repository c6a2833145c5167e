// The one change feed: read a page after a cursor, produce one record per row and the
// cursor after the page in the same send, so a crash re-reads a little and never skips.
// A row that cannot be turned into a record goes to the topic's dead-letter topic with
// the reason. What a cursor is belongs to the feed: SL's tstamp (below), Clarity's
// UpdatedDate and page (clarity-ingest); so do the checks a feed makes around a round.
//
// SL's tstamp feeds (shippers, inventory, products, customers): a tstamp means something
// only in the database that gave it, so the cursor is kept per SL company and database,
// and SL's Status is read at start, after SL was away, and every few seconds after a
// read, so that an SL restored from a backup (its rowversion now below the cursor) or
// another SL makes the feed say so and read everything again, instead of waiting in
// silence for rowversions it has already passed.
import { Counter } from 'prom-client'
import type { SlStatus } from './clients/sl.ts'
import { deadLettered, fromOutside } from './consumer-loop.ts'
import { cursorRecord, readCursors, type Cursor } from './cursor.ts'
import { classify } from './errors.ts'
import type { OutRecord } from './kafka.ts'
import { WRITER_HEADER, type Holding } from './lease.ts'
import { startPoller } from './poller.ts'
import type { Kit } from './service.ts'
import type { Topic } from '../topology/topology.ts'

export type FeedRow = Record<string, unknown>

/** One read: the rows after the cursor, the cursor after them, and whether more wait to be read. */
export interface FeedRead<C> { rows: FeedRow[], next: C, more: boolean }

/** Where a feed is. */
export interface FeedPosition<C> {
  at: () => C
  /** Puts the feed at `c`; a read under way then is not taken. */
  moveTo: (c: C) => void
}

export interface ChangeFeedOptions<C> {
  kit: Kit
  service: string
  /** The poller's name in logs. */
  name: string
  intervalMs: number
  cursors: Topic
  /** The cursor's key in bridge.cursors. */
  cursorName: () => string
  /** The cursor as bridge.cursors keeps it: a read that leaves it the same writes no cursor. */
  position: (c: C) => string
  from: C
  read: (after: C) => Promise<FeedRead<C>>
  /** Where the rows' records go; its dead-letter topic takes the rows that make no sense. */
  topic: string
  /** A row's records; throws poison for a row that makes no sense. */
  records: (row: FeedRow) => OutRecord[]
  rowHeaders?: (row: FeedRow) => Record<string, string>
  /**
   * One round of the poller around `step`, a read and its send (undefined: the feed was
   * moved meanwhile); true to go on at once. By default, one step, on while there is more.
   */
  round?: (step: () => Promise<FeedRead<C> | undefined>, feed: FeedPosition<C>) => Promise<boolean>
  /** The lease this feed runs under (lib/lease.ts), which then stops it; none: it runs until the service stops. */
  holding?: Holding
}

export async function startChangeFeed<C> (
  o: ChangeFeedOptions<C>
): Promise<FeedPosition<C> & { stop: () => Promise<void> }> {
  const { kit } = o
  const cursors = await kit.serde<Cursor>(o.cursors)
  let at = o.from
  // A move during a read must not be undone by that read's answer.
  let generation = 0
  const feed: FeedPosition<C> = { at: () => at, moveTo: (c) => { generation++; at = c } }
  const by = { service: o.service, logger: kit.logger, metrics: kit.metrics }
  const recordsOf = (row: FeedRow): OutRecord[] => {
    try {
      return o.records(row)
    } catch (err) {
      const e = classify(err)
      if (e.kind !== 'poison') throw err
      const raw = fromOutside(o.topic, Buffer.from(JSON.stringify(row)), o.rowHeaders?.(row))
      return [deadLettered(raw, e, by, 'dead-lettering a row of the feed', { feed: o.name })]
    }
  }
  const step = async (): Promise<FeedRead<C> | undefined> => {
    const gen = generation
    const page = await o.read(at)
    if (gen !== generation || o.holding?.held() === false) return undefined
    const out = page.rows.flatMap((row) => recordsOf(row))
    const position = o.position(page.next)
    if (position !== o.position(at)) out.push(cursorRecord(o.cursors.name, cursors, o.cursorName(), position))
    if (o.holding !== undefined) {
      for (const r of out) r.headers = { ...r.headers, [WRITER_HEADER]: o.holding.writer }
    }
    if (out.length > 0) {
      await kit.producer.send(out)
      for (const r of out) kit.metrics.messagesOut.inc({ topic: r.topic })
    }
    if (gen !== generation) return undefined
    at = page.next
    return page
  }
  const round = o.round ?? (async (s) => (await s())?.more ?? true)
  const poller = startPoller({
    name: o.name, intervalMs: o.intervalMs, logger: kit.logger, metrics: kit.metrics,
    onFatal: (reason) => { void kit.lifecycle.stop(1, reason) },
    // Not at once while the lease may have passed: each such read is thrown away.
    poll: async () => await round(step, feed) && o.holding?.held() !== false
  })
  if (o.holding === undefined) kit.lifecycle.onStop(`feed ${o.name}`, poller.stop)
  return { ...feed, stop: poller.stop }
}

// SL's tstamp feeds on it: the cursor a tstamp, SL's Status read around the rounds.
export interface FeedPage { Items: FeedRow[], NextTstamp: number }

export interface FeedOptions<T> {
  kit: Kit
  service: string
  /**
   * The feed's name. Its cursor in bridge.cursors is `<name>|<CpnyID>|<DatabaseId>`; one
   * under the plain name is from before cursors named their database.
   */
  cursor: string
  cursors: Topic
  topic: Topic
  intervalMs: number
  read: (since: number, limit: number) => Promise<FeedPage>
  /** SL's GET /api/Status. */
  slStatus: () => Promise<SlStatus>
  /** How often, at most, Status is read while the feed runs (default 5 s). */
  statusEveryMs?: number
  /** Pure: a row → the record's key and value; throws poison for a row that makes no sense. */
  toRecord: (row: FeedRow) => { key: string, value: T, headers?: Record<string, string> }
  pageSize?: number
  holding?: Holding
}

export type ResetReason = 'restore' | 'database' | 'company'
const REASONS: ResetReason[] = ['restore', 'database', 'company']

/** The SL company and database a position belongs to. */
export interface FeedDatabase { CpnyID: string, DatabaseId: string }

export interface FeedReset {
  reason: ResetReason
  at: string
  /** Where the feed was; CpnyID and DatabaseId null for a cursor from before they were kept. */
  from: { CpnyID: string | null, DatabaseId: string | null, position: number }
  /** What SL's Status said. */
  to: SlStatus
}

export interface FeedStatus {
  /** The cursor's key in bridge.cursors. */
  cursor: string
  /** The last tstamp read. */
  position: number
  /** Records produced since the start, the last rewind or the last reset. */
  produced: number
  /** The last read found nothing more to read. */
  caughtUp: boolean
  /** Where `position` belongs; null until SL's Status was first read. */
  CpnyID: string | null
  DatabaseId: string | null
  /** The last time (since this process started) SL was found restored or another SL, and the feed started over. */
  reset: FeedReset | null
}

export interface Feed {
  stop: () => Promise<void>
  status: () => FeedStatus
  /** Reads the whole feed again from its start, in order, as the one writer of the topic. */
  rewind: () => void
}

export const cursorName = (feed: string, db: FeedDatabase): string => `${feed}|${db.CpnyID}|${db.DatabaseId}`

/** The database a cursor's name says; undefined for the plain name of before. */
export function databaseOf (feed: string, name: string): FeedDatabase | undefined {
  if (!name.startsWith(`${feed}|`)) return undefined
  const rest = name.slice(feed.length + 1)
  const bar = rest.indexOf('|')
  return bar < 0 ? undefined : { CpnyID: rest.slice(0, bar), DatabaseId: rest.slice(bar + 1) }
}

/**
 * Why SL as it is now cannot be read on from `position`, if it cannot. A position whose
 * database is not known (a cursor from before) is taken to be this database's: only a
 * rowversion below it shows otherwise.
 */
export function staleBecause (
  belongs: FeedDatabase | undefined, position: number, sl: SlStatus
): ResetReason | undefined {
  if (belongs !== undefined && belongs.DatabaseId !== sl.DatabaseId) return 'database'
  if (belongs !== undefined && belongs.CpnyID !== sl.CpnyID) return 'company'
  // @@DBTS is at least every rowversion handed out, ours included, unless SL went back.
  if (sl.Tstamp < position) return 'restore'
  return undefined
}

const SAID: Record<ResetReason, string> = {
  restore: 'SL\'s rowversion is below the feed\'s cursor (SL restored from a backup?): reading SL\'s whole feed again',
  database: 'SL is another database than the feed\'s cursor belongs to: reading SL\'s whole feed again',
  company: 'SL answers for another company than the feed\'s cursor belongs to: reading SL\'s whole feed again'
}

function resetCounter (kit: Kit): Counter<'feed' | 'reason'> {
  const name = 'bridge_feed_resets_total'
  return kit.metrics.registry.getSingleMetric(name) as Counter<'feed' | 'reason'> | undefined ??
    new Counter({
      name,
      help: 'Times a feed read SL again from the start: SL restored (restore), or another database or company',
      labelNames: ['feed', 'reason'],
      registers: [kit.metrics.registry]
    })
}

export async function startFeed<T> (o: FeedOptions<T>): Promise<Feed> {
  const { kit } = o
  const limit = o.pageSize ?? 500
  const statusEveryMs = o.statusEveryMs ?? 5000
  const values = await kit.serde<T>(o.topic)
  const cursors = await kit.serde<Cursor>(o.cursors)
  const resets = resetCounter(kit)
  // At 0 from the start, so an alert on any increase has a series to watch.
  for (const reason of REASONS) resets.inc({ feed: o.cursor, reason }, 0)
  // The one written last is where the feed was, whichever database that was.
  const ours = (n: string): boolean => n === o.cursor || n.startsWith(`${o.cursor}|`)
  const last = (await readCursors(kit.kafka, o.cursors.name, cursors, ours)).at(-1)
  let name = last?.name ?? o.cursor
  let db = last === undefined ? undefined : databaseOf(o.cursor, last.name)
  let produced = 0
  let caughtUp = false
  let reset: FeedReset | undefined
  let checkDue = true
  let checkedAt = 0
  const startOver = (reason: ResetReason, sl: SlStatus, feed: FeedPosition<number>): void => {
    reset = {
      reason, at: new Date().toISOString(),
      from: { CpnyID: db?.CpnyID ?? null, DatabaseId: db?.DatabaseId ?? null, position: feed.at() }, to: sl
    }
    resets.inc({ feed: o.cursor, reason })
    kit.logger.error({ feed: o.cursor, reason, from: reset.from, to: reset.to }, SAID[reason])
    feed.moveTo(0)
    produced = 0
    caughtUp = false
  }
  /** Reads SL's Status; true when the feed has to start over. */
  const check = async (feed: FeedPosition<number>): Promise<boolean> => {
    const sl = await o.slStatus()
    checkDue = false
    checkedAt = Date.now()
    const why = staleBecause(db, feed.at(), sl)
    if (why !== undefined) startOver(why, sl, feed)
    else if (db === undefined && last !== undefined) {
      kit.logger.info(
        { feed: o.cursor, position: feed.at(), CpnyID: sl.CpnyID, DatabaseId: sl.DatabaseId },
        'carrying on from the cursor of before, now kept under SL\'s company and database'
      )
    }
    db = { CpnyID: sl.CpnyID, DatabaseId: sl.DatabaseId }
    const now = cursorName(o.cursor, db)
    if (why !== undefined || now !== name) {
      name = now
      // At once, not with the next page: the position is this database's from now on.
      await kit.producer.send([cursorRecord(o.cursors.name, cursors, name, String(feed.at()))])
    }
    return why !== undefined
  }
  const feed = await startChangeFeed<number>({
    kit, service: o.service, name: o.cursor, intervalMs: o.intervalMs, cursors: o.cursors, topic: o.topic.name,
    holding: o.holding, cursorName: () => name, position: String, from: Number(last?.position ?? 0),
    read: async (since) => {
      const page = await o.read(since, limit)
      const next = page.Items.length > 0 ? page.NextTstamp : since
      return { rows: page.Items, next, more: page.Items.length >= limit }
    },
    records: (row) => {
      const r = o.toRecord(row)
      return [{ topic: o.topic.name, key: r.key, value: values.encode(r.value), headers: r.headers }]
    },
    round: async (step, feed) => {
      try {
        if (checkDue && await check(feed)) return true
        const page = await step()
        if (page === undefined) return true
        produced += page.rows.length
        // Only now is what was read in the topic: a backfill watching may move on.
        caughtUp = !page.more
        // After the read, never in front of it: it costs the freshness nothing, and a
        // Tstamp read after a page is at least that page's last tstamp unless SL went back.
        if (Date.now() - checkedAt >= statusEveryMs && await check(feed)) return true
        return page.more
      } catch (err) {
        // SL away may be SL being restored or switched: look before reading on.
        checkDue = true
        throw err
      }
    }
  })
  return {
    stop: feed.stop,
    status: () => ({
      cursor: name, position: feed.at(), produced, caughtUp,
      CpnyID: db?.CpnyID ?? null, DatabaseId: db?.DatabaseId ?? null, reset: reset ?? null
    }),
    rewind: () => {
      feed.moveTo(0)
      produced = 0
      caughtUp = false
      kit.logger.info({ feed: o.cursor }, 'rewound: reading the whole feed again')
    }
  }
}
