// A source service: the kit with no consumer loop, one SL tstamp feed (lib/feed-source.ts)
// under its lease (lib/lease.ts), so that of several instances only one polls, and the
// feed's routes.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { startFeed, type Feed, type FeedOptions } from './feed-source.ts'
import { adminOnly } from './http.ts'
import { leaseGroup, startLease, type LeaseStatus } from './lease.ts'
import { startService, type HttpConfig, type KitConfig, type Running } from './service.ts'
import type { Service } from '../topology/topology.ts'

export type FeedServiceOptions<T> = Omit<FeedOptions<T>, 'kit' | 'service'> & {
  service: Service, config: KitConfig & HttpConfig, exit?: (code: number) => never
}

/**
 * The feed's status and its rewind, which `bridge backfill` uses: `GET /feed`, and
 * `POST /feed/rewind`, an admin route (lib/http.ts adminOnly). Before the feed exists
 * (the service starting, or standing by while another instance holds the feed), 503.
 */
export function feedRoutes (
  app: FastifyInstance, feed: () => Feed | undefined, adminToken: string | undefined,
  lease?: () => LeaseStatus | undefined
): void {
  const absent = (reply: FastifyReply): FastifyReply => lease?.()?.role === 'standby'
    ? reply.code(503).send({ error: 'standby: another instance polls this feed', lease: lease() })
    : reply.code(503).send({ error: 'starting' })
  app.get('/feed', async (_req, reply) => {
    const f = feed()
    return f === undefined ? absent(reply) : { ...f.status(), lease: lease?.() ?? null }
  })
  app.post('/feed/rewind', { onRequest: adminOnly(adminToken) }, async (_req, reply) => {
    const f = feed()
    if (f === undefined) return absent(reply)
    f.rewind()
    return f.status()
  })
}

/**
 * A whole source service: the kit with no consumer loop, one feed under its lease (so
 * that of several instances only one polls), and its routes (feedRoutes).
 */
export async function startFeedService<T> (
  o: FeedServiceOptions<T>
): Promise<Running & { feed: () => Feed | undefined }> {
  let feed: Feed | undefined
  // Routes may be called before the lease exists (503 then): a const would throw there instead.
  // eslint-disable-next-line prefer-const
  let lease: { status: () => LeaseStatus } | undefined
  const running = await startService({
    service: o.service, config: o.config, exit: o.exit, inputs: [],
    routes: (app) => { feedRoutes(app, () => feed, o.config.ADMIN_TOKEN, () => lease?.status()) }
  })
  const kit = running.kit
  lease = await startLease({
    kit, group: leaseGroup(o.service.name, o.cursor), topic: o.cursors.name,
    start: async (holding) => {
      const f = await startFeed<T>({ ...o, kit, service: o.service.name, holding })
      feed = f
      return { stop: async () => { if (feed === f) feed = undefined; await f.stop() } }
    }
  })
  return { ...running, feed: () => feed }
}
