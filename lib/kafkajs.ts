// kafkajs (2.2.4, no longer maintained) as the kit runs it: the library plus fixes for
// what profiling found it spending. Six of them replace files of kafkajs in the
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
// (from Node's pool for small sizes) is safe. Its varints went through an array and a
// Buffer each, and 64-bit ones through Long arithmetic: numbers are written in place.
interface Encoder {
  buf: Buffer
  offset: number
  ensureAvailable (length: number): void
  writeInt8 (v: number): this
  writeInt16 (v: number): this
  writeInt32 (v: number): this
  writeInt64 (v: unknown): this
  writeString (v: string | null | undefined): this
  writeVarInt (v: number): this
  writeUVarInt (v: number): this
  writeVarLong (v: unknown): this
  writeVarIntBytes (v: Buffer | string | null | undefined): this
  writeEncoder (e: Encoder): this
  readonly buffer: Buffer
}
interface EncoderClass {
  new (initialSize?: number): Encoder
  nextPowerOfTwo: (n: number) => number
  sizeOfVarInt: (v: number) => number
  sizeOfVarLong: (v: unknown) => number
  sizeOfVarIntBytes: (v: Buffer | string | null | undefined) => number
}
/** A 64-bit value that doubles without leaving the integers a number holds exactly. */
const small = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && Math.abs(v) <= 2 ** 51
const zigZag = (v: number): number => v >= 0 ? v * 2 : -v * 2 - 1

function fixedEncoder (Encoder: EncoderClass): EncoderClass {
  return class extends Encoder {
    static override sizeOfVarLong (value: unknown): number {
      if (!small(value)) return Encoder.sizeOfVarLong(value)
      let bytes = 1
      for (let z = zigZag(value); z >= 128; z = Math.floor(z / 128)) bytes++
      return bytes
    }

    constructor (initialSize = 511) {
      super(0)
      this.buf = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(initialSize))
    }

    override ensureAvailable (length: number): void {
      if (this.offset + length <= this.buf.length) return
      const grown = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(this.offset + length))
      this.buf.copy(grown, 0, 0, this.offset)
      this.buf = grown
    }

    // As kafkajs: a negative int32 (a large zig-zagged value) is written as unsigned.
    override writeUVarInt (value: number): this {
      this.ensureAvailable(5)
      const buf = this.buf
      let at = this.offset
      while ((value & 0xffffff80) !== 0) {
        buf[at++] = (value & 0x7f) | 0x80
        value >>>= 7
      }
      buf[at++] = value & 0x7f
      this.offset = at
      return this
    }

    override writeVarLong (value: unknown): this {
      if (!small(value)) return super.writeVarLong(value)
      this.ensureAvailable(8)
      const buf = this.buf
      let z = zigZag(value)
      for (; z >= 128; z = Math.floor(z / 128)) buf[this.offset++] = (z % 128) | 0x80
      buf[this.offset++] = z
      return this
    }

    override writeInt64 (value: unknown): this {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return super.writeInt64(value)
      this.ensureAvailable(8)
      this.buf.writeInt32BE(Math.floor(value / 2 ** 32), this.offset)
      this.buf.writeUInt32BE(value >>> 0, this.offset + 4)
      this.offset += 8
      return this
    }
  }
}

// kafkajs builds a produce request from an Encoder per record, copied into one per
// batch, again into one with the checksum, again with the batch's offset, the partition
// and the topic (each value's bytes six times), and first copies every message with
// object spread, which alone cost two microseconds a record. Uncompressed requests
// (the kit's) are written here into one Encoder, record by record, with the same bytes;
// the checksum and lengths go in front of each batch once it is written. A message with
// headers is still encoded by kafkajs' own Record.
interface ProduceMessage { key?: Buffer | string | null, value?: Buffer | string | null, headers?: object | null, timestamp?: number | string | null }
interface ProduceArgs {
  acks: number
  timeout: number
  transactionalId?: string | null
  producerId?: unknown
  producerEpoch?: number
  compression?: number
  topicData: Array<{ topic: string, partitions: Array<{ partition: number, firstSequence?: number, messages: ProduceMessage[] }> }>
}
type ProduceRequest = (args: ProduceArgs) => { encode: () => Promise<Encoder> }
type RecordOf = (m: ProduceMessage & { offsetDelta: number, timestampDelta: number }) => Encoder
const MAGIC = 2
const TRANSACTIONAL = 16
/** Partition, batch size, first offset, batch length, leader epoch, magic byte, checksum. */
const BATCH_PREFIX = 25

function noHeaders (h: object | null | undefined): boolean {
  if (h === undefined) return true
  if (h === null) return false // kafkajs throws on it; left to its Record
  for (const k in h) if (Object.hasOwn(h, k)) return false
  return true
}

function produceRequest (stock: ProduceRequest, Encoder: EncoderClass, stockRecord: RecordOf): ProduceRequest {
  const bytes = (v: Buffer | string | null | undefined): number => v == null ? 0 : typeof v === 'string' ? v.length * 3 : v.length
  function encode (a: ProduceArgs): Encoder {
    const transactional = Boolean(a.transactionalId)
    const producerId = a.producerId ?? -1
    const producerEpoch = a.producerEpoch ?? 0
    let size = 64
    for (const t of a.topicData) {
      for (const p of t.partitions) for (const m of p.messages) size += 32 + bytes(m.key) + bytes(m.value)
      size += 8 + bytes(t.topic) + t.partitions.length * 128
    }
    const e = new Encoder(size)
    e.writeString(a.transactionalId).writeInt16(a.acks).writeInt32(a.timeout).writeInt32(a.topicData.length)
    for (const { topic, partitions } of a.topicData) {
      e.writeString(topic).writeInt32(partitions.length)
      for (const { partition, firstSequence = 0, messages } of partitions) {
        const now = Date.now()
        let first: number | string = now
        let max: number | string = now
        if (messages.some((m) => m.timestamp != null)) {
          // As kafkajs, to the byte: its sort compares them as strings.
          const ts = messages.map((m) => m.timestamp).filter((t) => t != null).sort()
          first = ts[0]!
          max = ts.at(-1)!
        }
        e.writeInt32(partition)
        e.ensureAvailable(BATCH_PREFIX)
        const prefixAt = e.offset
        e.offset += BATCH_PREFIX
        const bodyAt = e.offset
        e.writeInt16(transactional ? TRANSACTIONAL : 0).writeInt32(messages.length - 1).writeInt64(first).writeInt64(max)
          .writeInt64(producerId).writeInt16(producerEpoch).writeInt32(firstSequence).writeInt32(messages.length)
        for (let i = 0; i < messages.length; i++) {
          const m = messages[i]!
          const delta = Number(m.timestamp || now) - Number(first) // eslint-disable-line @typescript-eslint/prefer-nullish-coalescing -- as kafkajs: a timestamp of 0 or '' means now
          if (!noHeaders(m.headers)) {
            e.writeEncoder(stockRecord({ ...m, offsetDelta: i, timestampDelta: delta }))
            continue
          }
          const body = 2 + Encoder.sizeOfVarLong(delta) + Encoder.sizeOfVarInt(i) + Encoder.sizeOfVarIntBytes(m.key) + Encoder.sizeOfVarIntBytes(m.value)
          e.writeVarInt(body).writeInt8(0).writeVarLong(delta).writeVarInt(i).writeVarIntBytes(m.key).writeVarIntBytes(m.value).writeVarInt(0)
        }
        const batch = e.offset - bodyAt + 9
        const b = e.buf
        b.writeInt32BE(batch + 12, prefixAt)
        b.writeInt32BE(0, prefixAt + 4)
        b.writeInt32BE(0, prefixAt + 8)
        b.writeInt32BE(batch, prefixAt + 12)
        b.writeInt32BE(0, prefixAt + 16)
        b.writeInt8(MAGIC, prefixAt + 20)
        b.writeUInt32BE(crc32c(b.subarray(bodyAt, e.offset)), prefixAt + 21)
      }
    }
    return e
  }
  return (args) => {
    const request = stock(args)
    const plain = (args.compression ?? 0) === 0 && args.topicData.every((t) => t.partitions.every((p) => p.messages.length > 0))
    if (plain) request.encode = async () => encode(args)
    return request
  }
}

// Reading, kafkajs turns every record's timestamp and offset into 64-bit Long objects
// and back into strings (BigInt parsing and printing per record). Deltas of up to 48
// bits from a base of up to 15 digits are exact as numbers, which gives the same
// strings; anything larger is left to kafkajs' own decoder.
interface Decoder {
  buffer: Buffer
  offset: number
  readInt8 (): number
  readVarInt (): number
  readVarIntBytes (): Buffer | null
  readVarIntArray<T> (reader: (d: Decoder) => T): T[]
}
interface BatchContext { firstOffset?: string, firstTimestamp?: string, magicByte?: number, isControlBatch?: boolean, timestampType?: number, maxTimestamp?: string }
type RecordDecoder = (decoder: Decoder, batchContext?: BatchContext) => object
type Header = { key: string, value: Buffer | null }

/** A zig-zag varint of up to 7 bytes as a number; undefined, and nothing read, when longer. */
function readVarLong48 (d: Decoder): number | undefined {
  const buf = d.buffer
  let z = 0
  let scale = 1
  for (let at = d.offset; at < d.offset + 7 && at < buf.length; at++) {
    const byte = buf[at]!
    z += (byte & 0x7f) * scale
    if (byte < 0x80) {
      d.offset = at + 1
      return z % 2 === 0 ? z / 2 : -(z + 1) / 2
    }
    scale *= 128
  }
  return undefined
}

const exact = (s: string | undefined): s is string => s !== undefined && s.length <= 15

function recordDecoder (stock: RecordDecoder, readHeader: (d: Decoder) => Header, logAppendTime: number): RecordDecoder {
  return (decoder, batchContext = {}) => {
    const { firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext
    const start = decoder.offset
    const attributes = decoder.readInt8()
    const timestampDelta = readVarLong48(decoder)
    if (timestampDelta === undefined || !exact(firstOffset) || !exact(firstTimestamp)) {
      decoder.offset = start
      return stock(decoder, batchContext)
    }
    const timestamp = timestampType === logAppendTime && typeof maxTimestamp === 'string' && maxTimestamp !== '' ? maxTimestamp : String(Number(firstTimestamp) + timestampDelta)
    const offset = String(Number(firstOffset) + decoder.readVarInt())
    const key = decoder.readVarIntBytes()
    const value = decoder.readVarIntBytes()
    const headers: Record<string, Buffer | null | Array<Buffer | null>> = {}
    for (const h of decoder.readVarIntArray(readHeader)) {
      const had = headers[h.key]
      // As kafkajs (which spreads into a literal): '__proto__' is a header like any other.
      Object.defineProperty(headers, h.key, { value: had === undefined ? h.value : Array.isArray(had) ? had.concat([h.value]) : [had, h.value], enumerable: true, writable: true, configurable: true })
    }
    return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: isControlBatch, batchContext }
  }
}

// kafkajs' murmur2 (which partition a key goes to) runs on Long objects, a dozen
// allocations per four bytes of key; 32-bit multiplication gives the same hash.
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
  const Encoder = fixedEncoder(require(path('protocol/encoder.js')) as EncoderClass)
  replace(path('protocol/encoder.js'), Encoder)
  replace(path('protocol/recordBatch/crc32C/index.js'), crc32c)
  replace(path('producer/partitioners/default/murmur2.js'), murmur2)
  const records = path('protocol/recordBatch/record/v0/decoder.js')
  replace(records, recordDecoder(require(records) as RecordDecoder, require(path('protocol/recordBatch/header/v0/decoder.js')) as (d: Decoder) => Header,
    (require(path('protocol/timestampTypes.js')) as { LOG_APPEND_TIME: number }).LOG_APPEND_TIME))
  const produce = path('protocol/requests/produce/v3/request.js')
  replace(produce, produceRequest(require(produce) as ProduceRequest, Encoder, require(path('protocol/recordBatch/record/v0/index.js')) as RecordOf))
  const queue = (require(path('network/requestQueue/index.js')) as { prototype: { scheduleCheckPendingRequests: unknown } }).prototype
  queue.scheduleCheckPendingRequests = scheduleCheckPendingRequests
  const consumer = (require(path('consumer/consumerGroup.js')) as { prototype: { fetch: Fetch } }).prototype
  consumer.fetch = gatherWhileFlowing(consumer.fetch)
}

fix()
export const kafkajs = require('kafkajs') as typeof KafkaJS

/**
 * A module of kafkajs as published (`kafkajs` or `kafkajs/src/…`), from a copy of its
 * own beside the fixed one, for the benchmarks' baseline and the tests' comparisons:
 * kafkajs' files are loaded afresh and the fixed ones put back in the require cache.
 */
export function stock<T> (id = 'kafkajs'): T {
  const dir = require.resolve('kafkajs').replace(/index\.js$/, '')
  const fixed = Object.entries(require.cache).filter(([file]) => file.startsWith(dir))
  for (const [file] of fixed) Reflect.deleteProperty(require.cache, file)
  try {
    return require(id) as T
  } finally {
    for (const file of Object.keys(require.cache)) if (file.startsWith(dir)) Reflect.deleteProperty(require.cache, file)
    for (const [file, m] of fixed) require.cache[file] = m
  }
}
