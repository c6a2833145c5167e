// Fault injection shared by both sandboxes: latency, a share of 429 (with
// Retry-After) and 503 answers, a full outage, refused connections, and a steady
// rate limit as the real systems have. Counters say what was injected.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { routeOf } from './guard.ts'

export interface Faults {
  latencyMs: number
  /** 0..1 of API requests answered 429. */
  rate429: number
  retryAfterSec: number
  /** 0..1 of API requests answered 503. */
  rate503: number
  /** Until this time (epoch ms) every API request gets 503. */
  outageUntil: number
  /** Requests per second before 429; 0 = unlimited. */
  rateLimitPerSec: number
  /**
   * For writes (not GET): delay after the write is done, before the answer; a client may
   * time out on work that happened.
   */
  answerDelayMs: number
}

export const noFaults = (): Faults => ({
  latencyMs: 0, rate429: 0, retryAfterSec: 1, rate503: 0, outageUntil: 0, rateLimitPerSec: 0, answerDelayMs: 0
})

export interface FaultState {
  faults: Faults
  counters: {
    latency: number, throttled: number, unavailable: number, outage: number, refused: number, rateLimited: number,
    slowAnswers: number
  }
  /** Writes the API accepted, per route ("PUT /api/Customer/:custId"): what a client really changed. */
  writes: Record<string, number>
  /** Called by the admin API to refuse connections for N seconds (closes the listener). */
  refuse: (seconds: number) => Promise<void>
}

export function createFaultState (): FaultState {
  return {
    faults: noFaults(),
    counters: { latency: 0, throttled: 0, unavailable: 0, outage: 0, refused: 0, rateLimited: 0, slowAnswers: 0 },
    writes: {},
    refuse: async () => { throw new Error('refusing connections needs a listening server') }
  }
}

/** What PUT /sandbox/faults sets. */
const SETTABLE = [
  'latencyMs', 'answerDelayMs', 'rate429', 'rate503', 'retryAfterSec', 'rateLimitPerSec', 'outageSec', 'refuseSec'
]

const fraction = (v: unknown, name: string): number => {
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`${name} must be a number from 0 to 1`)
  return n
}
const nonNegative = (v: unknown, name: string): number => {
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0`)
  return n
}

/**
 * Applies the faults to every request whose path starts with one of `prefixes`.
 * `answer` writes the system's own error shape.
 */
export function installFaults (
  app: FastifyInstance,
  state: FaultState,
  prefixes: string[],
  answer: (reply: FastifyReply, status: number, message: string) => FastifyReply,
  rand: () => number = Math.random
): void {
  let windowStart = 0
  let inWindow = 0
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!prefixes.some((p) => routeOf(req).startsWith(p))) return
    const f = state.faults
    const c = state.counters
    if (f.latencyMs > 0) {
      c.latency++
      await new Promise((resolve) => setTimeout(resolve, f.latencyMs))
    }
    const now = Date.now()
    if (f.outageUntil > now) {
      c.outage++
      reply.header('Retry-After', String(Math.ceil((f.outageUntil - now) / 1000)))
      return answer(reply, 503, 'The service is down for maintenance (injected outage)')
    }
    if (f.rateLimitPerSec > 0) {
      if (now - windowStart >= 1000) { windowStart = now; inWindow = 0 }
      if (++inWindow > f.rateLimitPerSec) {
        c.rateLimited++
        reply.header('Retry-After', '1')
        return answer(reply, 429, `Rate limit of ${f.rateLimitPerSec} requests per second exceeded`)
      }
    }
    const roll = rand()
    if (roll < f.rate429) {
      c.throttled++
      reply.header('Retry-After', String(f.retryAfterSec))
      return answer(reply, 429, 'Too many requests (injected)')
    }
    if (roll < f.rate429 + f.rate503) {
      c.unavailable++
      return answer(reply, 503, 'Service unavailable (injected)')
    }
  })

  app.addHook('onSend', async (req, reply, payload) => {
    const faulty = prefixes.some((p) => routeOf(req).startsWith(p))
    if (req.method !== 'GET' && reply.statusCode < 400 && faulty) {
      const route = `${req.method} ${routeOf(req)}`
      state.writes[route] = (state.writes[route] ?? 0) + 1
    }
    if (state.faults.answerDelayMs > 0 && req.method !== 'GET' && faulty) {
      state.counters.slowAnswers++
      await new Promise((resolve) => setTimeout(resolve, state.faults.answerDelayMs))
    }
    return payload
  })

  // The admin API: /sandbox/faults
  app.get('/sandbox/faults', async () => ({ faults: state.faults, counters: state.counters }))
  app.get('/sandbox/writes', async () => state.writes)
  app.put('/sandbox/faults', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const next = { ...state.faults }
    try {
      for (const [k, v] of Object.entries(body)) {
        switch (k) {
          case 'latencyMs': next.latencyMs = nonNegative(v, k); break
          case 'answerDelayMs': next.answerDelayMs = nonNegative(v, k); break
          case 'rate429': next.rate429 = fraction(v, k); break
          case 'rate503': next.rate503 = fraction(v, k); break
          case 'retryAfterSec': next.retryAfterSec = nonNegative(v, k); break
          case 'rateLimitPerSec': next.rateLimitPerSec = nonNegative(v, k); break
          case 'outageSec': next.outageUntil = Date.now() + nonNegative(v, k) * 1000; break
          case 'refuseSec': break
          default: throw new Error(`unknown fault "${k}"; known: ${SETTABLE.join(', ')}`)
        }
      }
    } catch (err) {
      return reply.code(400).send({ error: (err as Error).message })
    }
    if (next.rate429 + next.rate503 > 1) return reply.code(400).send({ error: 'rate429 + rate503 must not exceed 1' })
    state.faults = next
    if (body.refuseSec !== undefined) {
      const seconds = nonNegative(body.refuseSec, 'refuseSec')
      // Answer first: once the listener closes, nobody can hear the answer.
      reply.send({ faults: state.faults, counters: state.counters, refusingForSec: seconds })
      setImmediate(() => { void state.refuse(seconds) })
      return reply
    }
    return { faults: state.faults, counters: state.counters }
  })
  app.delete('/sandbox/faults', async () => {
    state.faults = noFaults()
    return { faults: state.faults, counters: state.counters }
  })
}

/** Lets `refuse` close and reopen the listener of an app that is already listening. */
export function bindRefuse (app: FastifyInstance, state: FaultState, port: number, host: string): void {
  state.refuse = async (seconds) => {
    state.counters.refused++
    // Stop accepting: new connections get ECONNREFUSED; open keep-alive ones are cut.
    await new Promise<void>((resolve) => {
      app.server.close(() => resolve())
      app.server.closeAllConnections()
    })
    setTimeout(() => { app.server.listen(port, host) }, seconds * 1000).unref()
  }
}
