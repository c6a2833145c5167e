// What a chaos run does and when, drawn from its seed: the same seed gives the same
// faults at the same moments, so a failing run can be replayed. Pure: no I/O, no clock.

// The sandboxes' own seeded PRNG (mulberry32): the same seed, the same draws.
import { prng } from '../sandboxes/common/money.ts'

export { prng }

export type ChaosEvent =
  | { kind: 'broker-kill', downMs: number }
  | { kind: 'registry-restart' }
  | { kind: 'kill', service: string, instance: number, downMs: number }
  | { kind: 'retire', service: string, instance: number }
  | { kind: 'sl-outage', sec: number }
  | { kind: 'sl-throttle', rate429: number, sec: number }
  | { kind: 'sl-refuse', sec: number }
  | { kind: 'clarity-tokens-expire' }
  | { kind: 'bad-order', n: number }

export interface Timed { at: number, event: ChaosEvent }

export interface PlanOptions {
  seed: number
  orders: number
  runMs: number
  services: string[]
  /** Instances of each service; the last one is retired half-way. */
  instances: number
  /** Share of orders that are bad. */
  badShare: number
}

export interface Plan {
  seed: number
  ratePerSec: number
  runMs: number
  /** The SL windows' lengths are the full ones from a run of this length on; shorter runs scale them down. */
  windowScale: number
  events: Timed[]
}

/** A run of at least this long has the SL fault windows at full length (30 s, 60 s, 10 s). */
export const FULL_WINDOWS_MS = 10 * 60_000

export function plan (o: PlanOptions): Plan {
  const rand = prng(o.seed)
  const T = o.runMs
  const between = (from: number, to: number): number => Math.round(T * (from + rand() * (to - from)))
  const ms = (lo: number, hi: number): number => Math.round(lo + rand() * (hi - lo))
  const scale = Math.min(1, T / FULL_WINDOWS_MS)
  const sec = (full: number): number => Math.max(2, Math.round(full * scale))
  const events: Timed[] = []
  const at = (t: number, event: ChaosEvent): void => { events.push({ at: t, event }) }

  at(between(0.15, 0.3), { kind: 'broker-kill', downMs: ms(3000, 8000) })
  at(between(0.6, 0.75), { kind: 'broker-kill', downMs: ms(3000, 8000) })
  at(between(0.38, 0.46), { kind: 'registry-restart' })

  // One after another, as the issue of an SL upgrade night goes: down, then throttled, then gone.
  const outage = between(0.08, 0.14)
  at(outage, { kind: 'sl-outage', sec: sec(30) })
  at(outage + sec(30) * 1000, { kind: 'sl-throttle', rate429: 0.2, sec: sec(60) })
  at(between(0.8, 0.85), { kind: 'sl-refuse', sec: sec(10) })
  for (let i = 0; i < 3; i++) at(between(0.05, 0.9), { kind: 'clarity-tokens-expire' })

  const half = Math.round(T / 2)
  const last = o.instances - 1
  for (const service of o.services) {
    for (let instance = 0; instance < o.instances; instance++) {
      const retired = o.instances > 1 && instance === last
      // A retired instance dies in the first half (before it is retired), the others at any time.
      const t = retired ? between(0.05, 0.45) : between(0.05, 0.9)
      at(t, { kind: 'kill', service, instance, downMs: ms(1000, 4000) })
    }
    if (o.instances > 1) at(half + ms(0, 2000), { kind: 'retire', service, instance: last })
  }

  const bad = Math.round(o.orders * o.badShare)
  for (let n = 0; n < bad; n++) at(between(0.02, 0.95), { kind: 'bad-order', n })

  events.sort((a, b) => a.at - b.at)
  return { seed: o.seed, ratePerSec: (o.orders - bad) / (T / 1000), runMs: T, windowScale: scale, events }
}

/** The run as lines to print before it starts: what happens when. */
export function describePlan (p: Plan): string[] {
  const s = (t: number): string => `${(t / 1000).toFixed(1).padStart(7)} s`
  const shown = p.events.filter((e) => e.event.kind !== 'bad-order')
  const bad = p.events.length - shown.length
  return [
    `seed ${p.seed}: ${p.ratePerSec.toFixed(1)} orders/s for ${(p.runMs / 1000).toFixed(0)} s, ${bad} bad orders`,
    ...shown.map(({ at, event }) => `${s(at)}  ${describe(event)}`)
  ]
}

function describe (e: ChaosEvent): string {
  switch (e.kind) {
    case 'broker-kill': return `Kafka broker SIGKILL, restarted after ${(e.downMs / 1000).toFixed(1)} s`
    case 'registry-restart': return 'schema registry restarted'
    case 'kill': return `${e.service}#${e.instance} SIGKILL, restarted after ${(e.downMs / 1000).toFixed(1)} s`
    case 'retire': return `${e.service}#${e.instance} stopped for good (SIGKILL)`
    case 'sl-outage': return `SL answers 503 for ${e.sec} s`
    case 'sl-throttle': return `SL answers ${e.rate429 * 100}% 429 with Retry-After for ${e.sec} s`
    case 'sl-refuse': return `SL refuses connections for ${e.sec} s`
    case 'clarity-tokens-expire': return 'Clarity expires every token'
    case 'bad-order': return `bad order ${e.n}`
  }
}
