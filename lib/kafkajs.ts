// kafkajs (2.2.4, no longer maintained) as the kit runs it: the library plus fixes for
// what profiling found it spending. Three of them replace files of kafkajs in the
// require cache before the files that use them load, so kafkajs must be imported from
// here, never from 'kafkajs' directly (lib/kafka.ts does; the benchmarks also load a
// stock copy as their baseline).
import { createRequire } from 'node:module'
import type KafkaJS from 'kafkajs'

const require = createRequire(import.meta.url)
const FIXED = Symbol.for('clarity-sl-bridge.kafkajs-fixed')
const path = (file: string): string => require.resolve(`kafkajs/src/${file}`)

// kafkajs 2.2.4 re-arms a 1 ms timer for ever on every broker connection once its
// request queue has nothing waiting (tulios/kafkajs#1556; the fix, #1667, was never
// released): an idle service burnt ~6% of a core, and under load each of its
// connections still fired a thousand timers a second. Only a queue with requests
// waiting (throttled, or too many in flight) needs checking again later.
interface RequestQueue { pending: unknown[], throttledUntil: number, throttleCheckTimeoutId: NodeJS.Timeout | null, checkPendingRequests: () => void }
function scheduleCheckPendingRequests (this: RequestQueue): void {
  if (this.throttleCheckTimeoutId !== null || this.pending.length === 0) return
  const throttledFor = this.throttledUntil - Date.now()
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null
    this.checkPendingRequests()
  }, throttledFor > 0 ? throttledFor : 10)
}

// A fetch answered as soon as one record is there costs a round trip, a wake-up of the
// consumer and usually a produce and a commit, per record or two: at a few hundred
// records a second that overhead, not the work, filled two cores. When a fetch brings
// more than one record (they arrive faster than fetches go round), the next one waits
// up to FETCH_GATHER_MS for FETCH_GATHER_BYTES so each cycle carries several; when
// fetches bring one record or none, they are answered at the first record again, so a
// trickle is not delayed and an idle consumer parks at the broker instead of polling.
const FETCH_GATHER_MS = 10
const FETCH_GATHER_BYTES = 256 * 1024
interface ConsumerGroup { minBytes: number, maxWaitTime: number, idle?: { minBytes: number, maxWaitTime: number } }
type Fetch = (this: ConsumerGroup, nodeId: number) => Promise<Array<{ messages: unknown[] }>>
export function gatherWhileFlowing (fetch: Fetch): Fetch {
  return async function (nodeId) {
    this.idle ??= { minBytes: this.minBytes, maxWaitTime: this.maxWaitTime }
    const batches = await fetch.call(this, nodeId)
    let records = 0
    for (const b of batches) records += b.messages.length
    const flowing = records > 1
    this.minBytes = flowing ? FETCH_GATHER_BYTES : this.idle.minBytes
    this.maxWaitTime = flowing ? Math.min(FETCH_GATHER_MS, this.idle.maxWaitTime) : this.idle.maxWaitTime
    return batches
  }
}

// kafkajs groups a send's messages per partition by copying the partition's list for
// every message: quadratic, a tenth of the mapper's main thread at a few hundred
// messages per request.
interface Message { partition?: number | null }
type Partitioner = (args: { topic: string, partitionMetadata: unknown[], message: Message }) => number
export function groupMessagesPerPartition ({ topic, partitionMetadata, messages, partitioner }: { topic: string, partitionMetadata: unknown[], messages: Message[], partitioner: Partitioner }): Record<number, Message[]> {
  const out: Record<number, Message[]> = {}
  if (partitionMetadata.length === 0) return out
  for (const message of messages) {
    const p = partitioner({ topic, partitionMetadata, message })
    ;(out[p] ??= []).push(message)
  }
  return out
}

// Every produced batch is checksummed (CRC-32C) over all its bytes; kafkajs does it a
// byte at a time. Eight bytes a step (slicing-by-8, the eight tables in one array) gives
// the same sums about twice as fast.
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
    crc = T[1792 + (lo & 0xff)]! ^ T[1536 + ((lo >>> 8) & 0xff)]! ^ T[1280 + ((lo >>> 16) & 0xff)]! ^ T[1024 + (lo >>> 24)]! ^
      T[768 + (hi & 0xff)]! ^ T[512 + ((hi >>> 8) & 0xff)]! ^ T[256 + ((hi >>> 16) & 0xff)]! ^ T[hi >>> 24]!
    i += 8
  }
  for (; i < buf.length; i++) crc = T[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}

// kafkajs encodes every request, record batch and record into a fresh Encoder whose
// buffer is zero-filled when made and again each time it doubles: a tenth of a producing
// thread's time went to clearing memory that is written over at once. Every byte an
// Encoder hands out (buffer = bytes 0..offset) has been written, so unfilled memory
// (from Node's pool for small sizes) is safe.
interface EncoderLike { buf: Buffer, offset: number }
type EncoderClass = (new (initialSize?: number) => EncoderLike) & { nextPowerOfTwo: (n: number) => number }
function unfilledEncoder (Encoder: EncoderClass): EncoderClass {
  return class extends Encoder {
    constructor (initialSize = 511) {
      super(0)
      this.buf = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(initialSize))
    }

    ensureAvailable (length: number): void {
      if (this.offset + length <= this.buf.length) return
      const grown = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(this.offset + length))
      this.buf.copy(grown, 0, 0, this.offset)
      this.buf = grown
    }
  }
}

function fix (): void {
  const cache = require.cache
  const group = path('producer/groupMessagesPerPartition.js')
  if ((cache[group]?.exports as { [FIXED]?: boolean } | undefined)?.[FIXED] === true) return // this process has it already
  if (cache[path('producer/sendMessages.js')] !== undefined || cache[path('protocol/recordBatch/v0/index.js')] !== undefined) {
    throw new Error("kafkajs was loaded before lib/kafkajs.ts could fix it: import kafkajs from lib/kafkajs.ts, not from 'kafkajs'")
  }
  const replace = (file: string, exports: object): void => {
    require(file)
    cache[file]!.exports = Object.assign(exports, { [FIXED]: true })
  }
  replace(group, groupMessagesPerPartition)
  replace(path('protocol/encoder.js'), unfilledEncoder(require(path('protocol/encoder.js')) as EncoderClass))
  replace(path('protocol/recordBatch/crc32C/index.js'), crc32c)
  const queue = (require(path('network/requestQueue/index.js')) as { prototype: { scheduleCheckPendingRequests: unknown } }).prototype
  queue.scheduleCheckPendingRequests = scheduleCheckPendingRequests
  const consumer = (require(path('consumer/consumerGroup.js')) as { prototype: { fetch: Fetch } }).prototype
  consumer.fetch = gatherWhileFlowing(consumer.fetch)
}

fix()
export const kafkajs = require('kafkajs') as typeof KafkaJS
