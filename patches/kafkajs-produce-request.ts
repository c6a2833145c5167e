// Replaces: kafkajs/src/protocol/requests/produce/v3/request.js (for uncompressed requests; v4–v7 use it)
// Upstream: none filed
// Gain: 9–12 → 1.7–2.2 µs per record to encode a request of 500 × 1 KB
// Tested: test/unit/kit.test.ts, "writes produce requests byte for byte as kafkajs does"
// Remove: if kafkajs is replaced; re-check if a kafkajs after 2.2.4 changes this file (the
//   exact pin in package.json holds it)
//
// kafkajs builds a produce request from an Encoder per record, copied into one per
// batch, again into one with the checksum, again with the batch's offset, the partition
// and the topic (each value's bytes six times), and first copies every message with
// object spread, which alone cost two microseconds a record. Uncompressed requests
// (the kit's) are written here into one Encoder, record by record, with the same bytes;
// the checksum and lengths go in front of each batch once it is written. A message with
// headers is still encoded by kafkajs' own Record.
import { crc32c } from './kafkajs-crc32c.ts'
import type { Encoder, EncoderClass } from './kafkajs-encoder.ts'
import type { Internals } from './kafkajs.ts'

interface ProduceMessage {
  key?: Buffer | string | null
  value?: Buffer | string | null
  headers?: object | null
  timestamp?: number | string | null
}
interface ProduceArgs {
  acks: number
  timeout: number
  transactionalId?: string | null
  producerId?: unknown
  producerEpoch?: number
  compression?: number
  topicData: Array<{
    topic: string
    partitions: Array<{ partition: number, firstSequence?: number, messages: ProduceMessage[] }>
  }>
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
  const bytes = (v: Buffer | string | null | undefined): number =>
    v == null ? 0 : typeof v === 'string' ? v.length * 3 : v.length
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
        e.writeInt16(transactional ? TRANSACTIONAL : 0).writeInt32(messages.length - 1)
          .writeInt64(first).writeInt64(max)
          .writeInt64(producerId).writeInt16(producerEpoch).writeInt32(firstSequence).writeInt32(messages.length)
        for (let i = 0; i < messages.length; i++) {
          const m = messages[i]!
          const delta = Number(m.timestamp || now) - Number(first)
          if (!noHeaders(m.headers)) {
            e.writeEncoder(stockRecord({ ...m, offsetDelta: i, timestampDelta: delta }))
            continue
          }
          const body = 2 + Encoder.sizeOfVarLong(delta) + Encoder.sizeOfVarInt(i) +
            Encoder.sizeOfVarIntBytes(m.key) + Encoder.sizeOfVarIntBytes(m.value)
          e.writeVarInt(body).writeInt8(0).writeVarLong(delta).writeVarInt(i)
            .writeVarIntBytes(m.key).writeVarIntBytes(m.value).writeVarInt(0)
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
    const plain = (args.compression ?? 0) === 0 &&
      args.topicData.every((t) => t.partitions.every((p) => p.messages.length > 0))
    if (plain) request.encode = async () => encode(args)
    return request
  }
}

// After kafkajs-encoder.ts: the request is written into the fixed Encoder.
export function install ({ replace, load }: Internals): void {
  replace<ProduceRequest>('protocol/requests/produce/v3/request.js', (stock) =>
    produceRequest(
      stock, load<EncoderClass>('protocol/encoder.js'), load<RecordOf>('protocol/recordBatch/record/v0/index.js')
    ))
}
