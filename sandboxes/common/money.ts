// Sandbox arithmetic in integer minor units, so totals reconcile to the cent.

/** Amount (number or decimal string) → integer units of 10^-decimals. Rounds half away from zero. */
export function toMinor (v: number | string, decimals = 2): number {
  const n = typeof v === 'number' ? v : Number(v)
  const f = 10 ** decimals
  return Math.sign(n) * Math.round(Math.abs(n) * f + 1e-9)
}

export const fromMinor = (m: number, decimals = 2): number => Number((m / 10 ** decimals).toFixed(decimals))

/** Rounds a number to the currency's decimals, as SL stores money. */
export const round = (v: number, decimals = 2): number => fromMinor(toMinor(v, decimals), decimals)

/** A deterministic PRNG (mulberry32) so seeds and simulations repeat. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
