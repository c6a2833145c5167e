// Replaces: kafkajs/src/producer/partitioners/default/murmur2.js
// Upstream: none filed
// Gain: no Long objects (a dozen allocations per four bytes of key) on every keyed send
// Tested: test/unit/kit.test.ts, "partitions keys as kafkajs does"
// Remove: if kafkajs is replaced; re-check if a kafkajs after 2.2.4 changes this file (the
//   exact pin in package.json holds it)
//
// kafkajs' murmur2 (which partition a key goes to) runs on Long objects; 32-bit
// multiplication gives the same hash.
import type { Internals } from './kafkajs.ts'

const M = 0x5bd1e995
export function murmur2 (key: Buffer | string): number {
  const data = Buffer.isBuffer(key) ? key : Buffer.from(String(key))
  const length = data.length
  let h = 0x9747b28c ^ length
  const whole = length & ~3
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    h = Math.imul(h, M) ^ Math.imul(k, M)
  }
  switch (length & 3) {
    case 3: h ^= data[whole + 2]! << 16 // falls through
    case 2: h ^= data[whole + 1]! << 8 // falls through
    case 1: h = Math.imul(h ^ data[whole]!, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  return h ^ (h >>> 15)
}

export function install ({ replace }: Internals): void {
  replace('producer/partitioners/default/murmur2.js', () => murmur2)
}
