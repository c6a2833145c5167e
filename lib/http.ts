// Health, readiness and metrics for every service, the guard of its admin routes, and the
// server for what faces the internet. build() is separate from listen() so routes are
// tested with inject() and no sockets.
import { createHash, timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
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

/** How long a client of a public server may take to send its headers, and its whole request. */
export interface PublicServerOptions { headersTimeoutMs?: number, requestTimeoutMs?: number }

/**
 * A server for the internet: a client that sends slowly holds a socket and the memory
 * of what it sent so far, so the headers and the whole request have deadlines. Node
 * checks them only every `connectionsCheckingInterval` (30 s by default).
 */
export function buildPublicServer (o: PublicServerOptions = {}): FastifyInstance {
  const requestTimeout = o.requestTimeoutMs ?? 10000
  const headersTimeout = Math.min(o.headersTimeoutMs ?? 5000, requestTimeout)
  const connectionsCheckingInterval = Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4)))
  return Fastify({
    logger: false, requestTimeout, http: { headersTimeout, requestTimeout, connectionsCheckingInterval }
  })
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

export const mediaType = (contentType: string | undefined): string =>
  (contentType ?? '').split(';')[0]!.trim().toLowerCase()

/** Whether `origin` (an Origin header) is the server that `host` (the Host header) names. */
export function sameOrigin (origin: string, host: string | undefined): boolean {
  if (host === undefined || host === '') return false
  try {
    const from = new URL(origin)
    if (from.protocol !== 'http:' && from.protocol !== 'https:') return false
    return from.host === new URL(`${from.protocol}//${host}`).host
  } catch {
    return false
  }
}

/** The rule an admin request breaks, if any; `token` is the digest of ADMIN_TOKEN. */
function brokenRule (req: FastifyRequest, token: Buffer | undefined): string | undefined {
  if (token === undefined) return 'admin routes are off: set ADMIN_TOKEN (or ADMIN_TOKEN_FILE) to use them'
  const origin = req.headers.origin
  if (origin !== undefined && !sameOrigin(origin, req.headers.host)) {
    return 'Origin must be this server itself (the same host as Host): admin routes take no cross-site requests'
  }
  const bearer = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1]
  // Digests of equal length: the comparison takes as long whatever was sent.
  if (bearer === undefined || !timingSafeEqual(digest(bearer), token)) {
    return 'Authorization must be "Bearer <ADMIN_TOKEN>"'
  }
  if (req.method !== 'GET' && req.method !== 'HEAD' && mediaType(req.headers['content-type']) !== 'application/json') {
    return 'content-type must be application/json'
  }
  return undefined
}

/**
 * The onRequest hook of a route that changes state (POST /feed/rewind). It asks for the
 * token (ADMIN_TOKEN) as `Authorization: Bearer …`; for a JSON body, which a web page
 * cannot send to another site unless that site allows it (CORS), where a text/plain or
 * form POST goes anywhere; and, when a browser names where the request comes from
 * (Origin), for this server itself. Anything else is refused with 403 and the rule it
 * broke; with no token configured, everything is.
 */
export function adminOnly (token: string | undefined) {
  const want = token === undefined ? undefined : digest(token)
  return async function admin (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const broken = brokenRule(req, want)
    if (broken !== undefined) return reply.code(403).send({ error: broken })
    return undefined
  }
}
