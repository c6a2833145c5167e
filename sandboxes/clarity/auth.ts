// OAuth client credentials: /oauth/token issues bearer tokens that expire after the
// configured TTL, and every API request needs one that is still valid.
import type { FastifyReply } from 'fastify'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { fail } from './api.ts'

const equal = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

export function createTokens (clientId: string, clientSecret: string) {
  /** Token → when it expires (epoch ms). */
  const tokens = new Map<string, number>()
  let expired = 0
  return {
    issue (body: unknown, ttlSec: number, reply: FastifyReply) {
      const b = (body ?? {}) as Record<string, unknown>
      if (b.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' })
      if (typeof b.client_id !== 'string' || typeof b.client_secret !== 'string' ||
        !equal(b.client_id, clientId) || !equal(b.client_secret, clientSecret)) {
        return reply.code(401).send({ error: 'invalid_client' })
      }
      const token = randomBytes(24).toString('base64url')
      tokens.set(token, Date.now() + ttlSec * 1000)
      return { access_token: token, token_type: 'Bearer', expires_in: ttlSec }
    },
    /** Answers 401 unless `authorization` carries a token that has not expired. */
    check (authorization: string | undefined, reply: FastifyReply): FastifyReply | undefined {
      const h = authorization ?? ''
      const expires = h.startsWith('Bearer ') ? tokens.get(h.slice(7)) : undefined
      if (expires === undefined || expires <= Date.now()) {
        reply.header('WWW-Authenticate', 'Bearer error="invalid_token"')
        const message = expires === undefined ? 'Missing or unknown access token' : 'The access token has expired'
        return fail(reply, 401, message)
      }
      return undefined
    },
    expireAll () {
      for (const k of tokens.keys()) tokens.set(k, 0)
      expired += tokens.size
      return { expired: tokens.size, total: expired }
    },
    clear: (): void => { tokens.clear() }
  }
}
