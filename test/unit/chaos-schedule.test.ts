// The chaos run's plan: drawn from its seed alone, with every fault the run promises.
import { describe, expect, it } from 'vitest'
import { describePlan, plan, prng, type PlanOptions } from '../../chaos/schedule.ts'

const options: PlanOptions = {
  seed: 42, orders: 10_000, runMs: 20 * 60_000, services: ['order-mapper', 'sl-order-sink'], instances: 2, badShare: 0.01
}
const kinds = (p: ReturnType<typeof plan>, kind: string) => p.events.filter((e) => e.event.kind === kind)

describe('plan', () => {
  it('is the same for the same seed, and another for another', () => {
    expect(plan(options)).toEqual(plan(options))
    expect(plan({ ...options, seed: 43 }).events).not.toEqual(plan(options).events)
    expect(prng(7)()).toBe(prng(7)())
  })

  it('kills the broker twice, restarts the registry once, and sends SL through its outage, throttling and refusal in turn', () => {
    const p = plan(options)
    expect(kinds(p, 'broker-kill')).toHaveLength(2)
    expect(kinds(p, 'registry-restart')).toHaveLength(1)
    const [outage] = kinds(p, 'sl-outage')
    const [throttle] = kinds(p, 'sl-throttle')
    const [refuse] = kinds(p, 'sl-refuse')
    expect(outage!.event).toEqual({ kind: 'sl-outage', sec: 30 })
    expect(throttle!.event).toEqual({ kind: 'sl-throttle', rate429: 0.2, sec: 60 })
    expect(refuse!.event).toEqual({ kind: 'sl-refuse', sec: 10 })
    expect(throttle!.at).toBe(outage!.at + 30_000)
    expect(refuse!.at).toBeGreaterThan(throttle!.at + 60_000)
    expect(kinds(p, 'clarity-tokens-expire')).toHaveLength(3)
    expect(p.events.every((e) => e.at >= 0 && e.at <= options.runMs)).toBe(true)
    expect(p.events.map((e) => e.at)).toEqual([...p.events.map((e) => e.at)].sort((a, b) => a - b))
  })

  it('kills every instance once, and stops the last of each service for good half-way, after its kill', () => {
    const p = plan(options)
    for (const service of options.services) {
      const kills = kinds(p, 'kill').filter((e) => 'service' in e.event && e.event.service === service)
      expect(kills.map((e) => 'instance' in e.event && e.event.instance).sort()).toEqual([0, 1])
      const [retire] = kinds(p, 'retire').filter((e) => 'service' in e.event && e.event.service === service)
      expect(retire!.event).toMatchObject({ instance: 1 })
      expect(retire!.at).toBeGreaterThanOrEqual(options.runMs / 2)
      expect(kills.find((e) => 'instance' in e.event && e.event.instance === 1)!.at).toBeLessThan(retire!.at)
    }
    expect(kinds(plan({ ...options, instances: 1 }), 'retire')).toHaveLength(0)
  })

  it('makes 1% of the orders bad and places the rest at the rate that fills the run', () => {
    const p = plan(options)
    expect(kinds(p, 'bad-order')).toHaveLength(100)
    expect(p.ratePerSec).toBeCloseTo(9900 / 1200, 6)
  })

  it('shortens the SL windows in proportion for a run under ten minutes, to no less than 2 s', () => {
    const p = plan({ ...options, runMs: 2 * 60_000 })
    expect(p.windowScale).toBeCloseTo(0.2, 6)
    expect(kinds(p, 'sl-outage')[0]!.event).toEqual({ kind: 'sl-outage', sec: 6 })
    expect(kinds(p, 'sl-refuse')[0]!.event).toEqual({ kind: 'sl-refuse', sec: 2 })
  })

  it('prints the seed, the rate and every fault but the bad orders, in time order', () => {
    const lines = describePlan(plan(options))
    expect(lines[0]).toBe('seed 42: 8.3 orders/s for 1200 s, 100 bad orders')
    expect(lines.filter((l) => l.includes('Kafka broker SIGKILL'))).toHaveLength(2)
    expect(lines.some((l) => l.includes('order-mapper#1 stopped for good'))).toBe(true)
    expect(lines.slice(1).some((l) => l.includes('bad order'))).toBe(false)
  })
})
