// The one source for SL's tstamp change feeds (shippers, inventory, products,
// customers): read a page after the cursor, produce one record per row and the new
// cursor in the same send, so a crash re-reads a little and never skips. A row that
// cannot be turned into a record goes to the topic's dead-letter topic with the reason.
import { deadLetter } from './consumer-loop.ts'
import { cursorRecord, readCursor, type Cursor } from './cursor.ts'
import { classify } from './errors.ts'
import type { OutRecord } from './kafka.ts'
import { startPoller } from './poller.ts'
import { startService, type Kit, type KitConfig, type Running } from './service.ts'
import type { Service, Topic } from '../topology/topology.ts'

export type FeedRow = Record<string, unknown>
export interface FeedPage { Items: FeedRow[], NextTstamp: number }

export interface FeedOptions<T> {
  kit: Kit
  service: string
  /** The cursor's name in bridge.cursors; one per feed. */
  cursor: string
  cursors: Topic
  topic: Topic
  intervalMs: number
  read: (since: number, limit: number) => Promise<FeedPage>
  /** Pure: a row → the record's key and value; throws poison for a row that makes no sense. */
  toRecord: (row: FeedRow) => { key: string, value: T, headers?: Record<string, string> }
  pageSize?: number
}

export interface FeedStatus {
  cursor: string
  /** The last tstamp read. */
  position: number
  /** Records produced since the start or the last rewind. */
  produced: number
  /** The last read found nothing more to read. */
  caughtUp: boolean
}

export interface Feed {
  stop: () => Promise<void>
  status: () => FeedStatus
  /** Reads the whole feed again from its start, in order, as the one writer of the topic. */
  rewind: () => void
}

async function startFeed<T> (o: FeedOptions<T>): Promise<Feed> {
  const { kit } = o
  const limit = o.pageSize ?? 500
  const values = await kit.serde<T>(o.topic)
  const cursors = await kit.serde<Cursor>(o.cursors)
  let since = Number(await readCursor(kit.kafka, o.cursors.name, cursors, o.cursor) ?? 0)
  let produced = 0
  let caughtUp = false
  // A rewind during a read must not be undone by that read's answer.
  let generation = 0
  const rowRecord = (row: FeedRow): OutRecord => {
    try {
      const r = o.toRecord(row)
      return { topic: o.topic.name, key: r.key, value: values.encode(r.value), headers: r.headers }
    } catch (err) {
      const e = classify(err)
      if (e.kind !== 'poison') throw err
      kit.metrics.deadLettered.inc({ topic: o.topic.name, code: e.code })
      kit.logger.warn({ feed: o.cursor, code: e.code, reason: e.message }, 'dead-lettering a row of the feed')
      return deadLetter({ topic: o.topic.name, partition: -1, offset: '-1', key: null, value: Buffer.from(JSON.stringify(row)), headers: {}, timestamp: Date.now() }, o.service, e, Date.now())
    }
  }
  const poller = startPoller({
    name: o.cursor, intervalMs: o.intervalMs, logger: kit.logger, metrics: kit.metrics,
    onFatal: (reason) => { void kit.lifecycle.stop(1, reason) },
    poll: async () => {
      const gen = generation
      const page = await o.read(since, limit)
      if (gen !== generation) return true
      if (page.Items.length === 0) { caughtUp = true; return false }
      const out = page.Items.map(rowRecord)
      out.push(cursorRecord(o.cursors.name, cursors, o.cursor, String(page.NextTstamp)))
      await kit.producer.send(out)
      for (const r of out) kit.metrics.messagesOut.inc({ topic: r.topic })
      if (gen !== generation) return true
      since = page.NextTstamp
      produced += page.Items.length
      // Only now is what was read in the topic: a backfill watching may move on.
      caughtUp = page.Items.length < limit
      return !caughtUp
    }
  })
  kit.lifecycle.onStop(`feed ${o.cursor}`, poller.stop)
  return {
    stop: poller.stop,
    status: () => ({ cursor: o.cursor, position: since, produced, caughtUp }),
    rewind: () => {
      generation++
      since = 0
      produced = 0
      caughtUp = false
      kit.logger.info({ feed: o.cursor }, 'rewound: reading the whole feed again')
    }
  }
}

export type FeedServiceOptions<T> = Omit<FeedOptions<T>, 'kit' | 'service'> & { service: Service, config: KitConfig, exit?: (code: number) => never }

/**
 * A whole source service: the kit with no consumer loop, one feed, and its status
 * and rewind on the service's HTTP port (`GET /feed`, `POST /feed/rewind`), which
 * `bridge backfill` uses.
 */
export async function startFeedService<T> (o: FeedServiceOptions<T>): Promise<Running & { feed: Feed }> {
  let feed: Feed | undefined
  const running = await startService({
    service: o.service, config: o.config, exit: o.exit, inputs: [],
    routes: (app) => {
      app.get('/feed', async (_req, reply) => feed === undefined ? reply.code(503).send({ error: 'starting' }) : feed.status())
      app.post('/feed/rewind', async (_req, reply) => {
        if (feed === undefined) return reply.code(503).send({ error: 'starting' })
        feed.rewind()
        return feed.status()
      })
    }
  })
  feed = await startFeed<T>({ ...o, kit: running.kit, service: o.service.name })
  return { ...running, feed }
}
