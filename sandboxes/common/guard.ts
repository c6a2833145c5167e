// What keeps a sandbox to the clients it is for. Checks look at the route the router
// matched, not at the URL as sent: the router decodes the path (`/%61pi/Customer` is
// `/api/Customer`), so a check on the raw URL is one a client steps around by encoding.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { mediaType, sameOrigin } from '../../lib/http.ts'

/** The path of the route that answers the request (its pattern); the URL as sent when none does (a 404). */
export const routeOf = (req: FastifyRequest): string => req.routeOptions.url ?? req.url

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(:\d+)?$/i

/** The rule a /sandbox/* request breaks, if any. */
function steeringRule (req: FastifyRequest): string | undefined {
  const { origin, host } = req.headers
  // A page elsewhere, or one whose name was pointed at 127.0.0.1 (DNS rebinding), says so in Origin.
  if (origin !== undefined && !(sameOrigin(origin, host) && LOOPBACK.test(host ?? ''))) {
    return 'Origin must be the sandbox itself (http://127.0.0.1:<port> or http://localhost:<port>): ' +
      '/sandbox/* takes no requests from web pages'
  }
  if (req.method === 'GET' || req.method === 'HEAD') return undefined
  const type = req.headers['content-type']
  const length = req.headers['content-length']
  const body = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  // A web page can POST text/plain or a form anywhere; JSON only where the server allows it (CORS).
  if ((type !== undefined || body) && mediaType(type) !== 'application/json') {
    return 'content-type must be application/json (or no body at all)'
  }
  return undefined
}

/**
 * /sandbox/* steers the sandbox and has no auth: it is for this machine's programs (the
 * CLI, tests, benchmarks), which send JSON, or nothing, and no Origin. A request from a
 * web page is refused with 403 in the sandbox's error shape (`answer`).
 */
export function guardSteering (
  app: FastifyInstance, answer: (reply: FastifyReply, status: number, message: string) => FastifyReply
): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!routeOf(req).startsWith('/sandbox/')) return
    const broken = steeringRule(req)
    if (broken !== undefined) return answer(reply, 403, broken)
  })
}
