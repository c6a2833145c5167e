// Health, readiness and metrics for every service. build() is separate from
// listen() so routes are tested with inject() and no sockets.
import Fastify, { type FastifyInstance } from 'fastify'
import type { Metrics } from './metrics.ts'

export interface Probe { name: string, ok: () => boolean }

export function buildOpsServer (opts: { metrics: Metrics, ready: Probe[], app?: FastifyInstance }): FastifyInstance {
  const app = opts.app ?? Fastify({ logger: false })
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    const checks = Object.fromEntries(opts.ready.map((p) => [p.name, p.ok()]))
    const ok = Object.values(checks).every(Boolean)
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks })
  })
  app.get('/metrics', async (_req, reply) => {
    return reply.type(opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics())
  })
  return app
}
