// Fault injection shared by both sandboxes: latency, a share of 429 (with
// Retry-After) and 503 answers, a full outage, refused connections, a steady
// rate limit as the real systems have, and writes whose answer is lost. Counters say
// what was injected, and how often a client came back before a Retry-After said to.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { routeOf } from './guard.ts'
import { createRetryLedger, watchRetryAfter, type EarlyRetry, type RetryLedger } from './retry-after.ts'

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
  /**
   * 0..1 of writes (not GET) that are done and then lose their answer: the connection is cut,
   * so the client cannot tell whether the write happened.
   */
  dropAnswerRate: number
}

export const noFaults = (): Faults => ({
  latencyMs: 0, rate429: 0, retryAfterSec: 1, rate503: 0, outageUntil: 0, rateLimitPerSec: 0, answerDelayMs: 0,
  dropAnswerRate: 0
})

export interface FaultState {
  faults: Faults
  counters: {
    latency: number, throttled: number, unavailable: number, outage: number, refused: number, rateLimited: number,
    slowAnswers: number, droppedAnswers: number,
    /** Requests that came back sooner than the Retry-After of a 429 or 503 to the same request said. */
    earlyRetries: number
  }
  /** The last few early retries: route pattern and method only. */
  earlyRetrySamples: EarlyRetry[]
  retries: RetryLedger
  /** Writes the API accepted, per route ("PUT /api/Customer/:custId"): what a client really changed. */
  writes: Record<string, number>
  /** Called by the admin API to refuse connections for N seconds (closes the listener). */
  refuse: (seconds: number) => Promise<void>
}

export function createFaultState (): FaultState {
  const counters = {
    latency: 0, throttled: 0, unavailable: 0, outage: 0, refused: 0, rateLimited: 0, slowAnswers: 0,
    droppedAnswers: 0, earlyRetries: 0
  }
  const retries = createRetryLedger(() => { counters.earlyRetries++ })
  return {
    faults: noFaults(),
    counters,
    earlyRetrySamples: retries.samples,
    retries,
    writes: {},
    refuse: async () => { throw new Error('refusing connections needs a listening server') }
  }
}

/** What PUT /sandbox/faults sets. */
const SETTABLE = [
  'latencyMs', 'answerDelayMs', 'rate429', 'rate503', 'retryAfterSec', 'rateLimitPerSec', 'outageSec', 'refuseSec',
  'dropAnswerRate'
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
  const faulty = (req: FastifyRequest): boolean => prefixes.some((p) => routeOf(req).startsWith(p))
  watchRetryAfter(app, state.retries, faulty)
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!faulty(req)) return
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
    if (req.method === 'GET' || !faulty(req)) return payload
    const done = reply.statusCode < 400
    if (done) {
      const route = `${req.method} ${routeOf(req)}`
      state.writes[route] = (state.writes[route] ?? 0) + 1
    }
    // Only a write that happened loses its answer: that is the case a client must resolve by reading back.
    if (done && state.faults.dropAnswerRate > 0 && rand() < state.faults.dropAnswerRate) {
      state.counters.droppedAnswers++
      reply.raw.destroy()
      return payload
    }
    if (state.faults.answerDelayMs > 0) {
      state.counters.slowAnswers++
      await new Promise((resolve) => setTimeout(resolve, state.faults.answerDelayMs))
    }
    return payload
  })
  adminRoutes(app, state)
}

// The admin API: /sandbox/faults
function adminRoutes (app: FastifyInstance, state: FaultState): void {
  const view = () => ({ faults: state.faults, counters: state.counters, earlyRetrySamples: state.earlyRetrySamples })
  app.get('/sandbox/faults', async () => view())
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
          case 'dropAnswerRate': next.dropAnswerRate = fraction(v, k); break
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
      reply.send({ ...view(), refusingForSec: seconds })
      setImmediate(() => { void state.refuse(seconds) })
      return reply
    }
    return view()
  })
  app.delete('/sandbox/faults', async () => {
    state.faults = noFaults()
    return view()
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
    // Not unref'd: with the listener closed, this timer is what keeps a sandbox process alive.
    setTimeout(() => { app.server.listen(port, host) }, seconds * 1000)
  }
}
