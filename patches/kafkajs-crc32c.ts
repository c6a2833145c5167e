// Replaces: kafkajs/src/protocol/recordBatch/crc32C/index.js
// Upstream: none filed
// Gain: the same sums 2.2× faster, on every produced batch
// Tested: test/unit/kit.test.ts, "checksums as CRC-32C does"
// Remove: if kafkajs is replaced; re-check if a kafkajs after 2.2.4 changes this file (the
//   exact pin in package.json holds it)
//
// Every produced batch is checksummed (CRC-32C) over all its bytes; kafkajs does it a
// byte at a time. This goes eight bytes a step (slicing-by-8, the eight tables in one array).
import type { Internals } from './kafkajs.ts'

const CRC_TABLES = new Int32Array(8 * 256)
for (let n = 0; n < 256; n++) {
  let c = n
  for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  CRC_TABLES[n] = c
}
for (let n = 0; n < 256; n++) {
  let c = CRC_TABLES[n]!
  for (let t = 1; t < 8; t++) { c = CRC_TABLES[c & 0xff]! ^ (c >>> 8); CRC_TABLES[t * 256 + n] = c }
}

export function crc32c (buf: Uint8Array): number {
  const T = CRC_TABLES
  let crc = -1
  let i = 0
  const end8 = buf.length - (buf.length & 7)
  while (i < end8) {
    const lo = crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))
    const hi = buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24)
    crc = T[1792 + (lo & 0xff)]! ^ T[1536 + ((lo >>> 8) & 0xff)]! ^
      T[1280 + ((lo >>> 16) & 0xff)]! ^ T[1024 + (lo >>> 24)]! ^
      T[768 + (hi & 0xff)]! ^ T[512 + ((hi >>> 8) & 0xff)]! ^
      T[256 + ((hi >>> 16) & 0xff)]! ^ T[hi >>> 24]!
    i += 8
  }
  for (; i < buf.length; i++) crc = T[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}

export function install ({ replace }: Internals): void {
  replace('protocol/recordBatch/crc32C/index.js', () => crc32c)
}
