// The kit's byte-level pieces against the spec and the stock libraries: the Avro decimal
// and string codec of lib/avro.ts, and the kafkajs patches (patches/). The kit's service
// plumbing (config, errors, retries, dead letters, logging, ops server) is in service-kit.test.ts.
import { describe, expect, it, vi } from 'vitest'
import { formatUnscaled, parseSchema, toUnscaled } from '../../lib/avro.ts'

describe('decimal money', () => {
  const type = parseSchema({ type: 'record', name: 'M', fields: [{ name: 'a', type: { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 4 } }] })
  it.each([
    ['0', '0.0000'], ['62.33', '62.3300'], ['-1.5', '-1.5000'], ['0.1', '0.1000'], ['-0.0001', '-0.0001'],
    ['12345678901234.5678', '12345678901234.5678'], ['128', '128.0000'], ['-129', '-129.0000']
  ])('%s round-trips exactly as %s', (input, expected) => {
    expect(type.fromBuffer(type.toBuffer({ a: input }))).toEqual({ a: expected })
  })
  it('refuses more decimals than the scale instead of rounding', () => {
    expect(() => type.toBuffer({ a: '1.23456' })).toThrow(/more than 4 decimals/)
    expect(type.isValid({ a: 'abc' })).toBe(false)
  })
  it('writes the minimal two\'s-complement bytes the Avro spec asks for, and reads them back', () => {
    // Reference: the unscaled integer's minimal big-endian two's complement, built with BigInt.
    const spec = (unscaled: bigint): Buffer => {
      for (let k = 1; ; k++) {
        if (unscaled < 1n << BigInt(8 * k - 1) && unscaled >= -(1n << BigInt(8 * k - 1))) {
          const v = unscaled < 0n ? (1n << BigInt(8 * k)) + unscaled : unscaled
          return Buffer.from(v.toString(16).padStart(2 * k, '0'), 'hex')
        }
      }
    }
    const bytes = parseSchema({ type: 'bytes' })
    for (const v of ['0', '0.0127', '-0.0128', '3.2767', '-3.2768', '838.8607', '14073748835.5327', '-14073748835.5328', '99999999999999.9999', '-12345678901234.5678']) {
      const onWire = type.toBuffer({ a: v })
      expect(bytes.fromBuffer(onWire)).toEqual(spec(toUnscaled(v, 4)))
      expect(toUnscaled((type.fromBuffer(onWire) as { a: string }).a, 4)).toBe(toUnscaled(v, 4))
    }
  })
  it('writes and reads every size of amount as the BigInt arithmetic does, at scales 0, 2, 4 and 9', () => {
    const bytes = parseSchema({ type: 'bytes' })
    for (const scale of [0, 2, 4, 9]) {
      const t = parseSchema({ type: 'record', name: 'S', fields: [{ name: 'a', type: { type: 'bytes', logicalType: 'decimal', precision: 20, scale } }] })
      const unscaled: bigint[] = [0n, 1n, -1n, 7n, -10n, 99n, 100n, -101n]
      for (let k = 1; k <= 7; k++) {
        for (const d of [-1n, 0n, 1n]) { const edge = 1n << BigInt(8 * k - 1); unscaled.push(edge + d, -edge + d) }
      }
      for (let i = 0; i < 200; i++) {
        unscaled.push(BigInt(Math.floor((i % 2 === 0 ? 1 : -1) * Math.random() * 10 ** (1 + (i % 14)))))
      }
      for (const n of unscaled) {
        const v = formatUnscaled(n, scale)
        const onWire = t.toBuffer({ a: v })
        expect((t.fromBuffer(onWire) as { a: string }).a).toBe(v)
        const raw = bytes.fromBuffer(onWire) as Buffer
        let back = 0n
        for (const byte of raw) back = (back << 8n) | BigInt(byte)
        if ((raw[0]! & 0x80) !== 0) back -= 1n << BigInt(raw.length * 8)
        expect(back).toBe(n)
        expect(raw.length === 1 ||
          (!(raw[0] === 0 && (raw[1]! & 0x80) === 0) && !(raw[0] === 0xff && (raw[1]! & 0x80) !== 0)))
          .toBe(true)
      }
    }
  })
  it('reads and writes decimals inside unions and arrays', () => {
    const t = parseSchema({
      type: 'record', name: 'N', fields: [
        { name: 'm', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 }] },
        { name: 'l', type: { type: 'array', items: { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 } } }
      ]
    })
    const v = { m: '-5.10', l: ['1.00', '-0.01', '123456789.99'] }
    expect(t.fromBuffer(t.toBuffer(v))).toEqual(v)
    expect(t.fromBuffer(t.toBuffer({ ...v, m: null }))).toEqual({ ...v, m: null })
  })
  it('refuses a truncated amount', () => {
    const buf = type.toBuffer({ a: '62.33' })
    expect(() => type.fromBuffer(buf.subarray(0, buf.length - 1))).toThrow(/truncated/)
  })
  it('adds without binary floating point', () => {
    const sum = ['0.1', '0.2'].reduce((n, v) => n + toUnscaled(v, 2), 0n)
    expect(formatUnscaled(sum, 2)).toBe('0.30')
  })
})

describe('strings', () => {
  // The spec's encoding: the UTF-8 length as a zig-zag varint, then the bytes.
  const spec = (s: string): Buffer => {
    const out: number[] = []
    let n = Buffer.byteLength(s) * 2
    while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n >>>= 7 }
    out.push(n)
    return Buffer.concat([Buffer.from(out), Buffer.from(s, 'utf8')])
  }
  const samples = [
    ...Array.from({ length: 14 }, (_, n) => 'abcdefghijklmn'.slice(0, n)), 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(65),
    'Núñez', 'abcé', '€', '😀', `${'x'.repeat(62)}é`, `é${'x'.repeat(62)}`, 'tab\tand\u007f', '\u0080'
  ]
  it('writes and reads each string as the spec does, ASCII or not, short or long', () => {
    const t = parseSchema({ type: 'string' })
    for (const s of samples) {
      expect(t.toBuffer(s), JSON.stringify(s)).toEqual(spec(s))
      expect(t.fromBuffer(spec(s))).toBe(s)
    }
  })
  it('reads bytes that are not UTF-8 as avsc does (replacement characters)', () => {
    const t = parseSchema({ type: 'string' })
    expect(t.fromBuffer(Buffer.from([4, 0x61, 0x80]))).toBe('a\ufffd')
    expect(t.fromBuffer(Buffer.from([4, 0xff, 0x61]))).toBe('\ufffda')
  })
  it('refuses a string cut short', () => {
    const t = parseSchema({ type: 'string' })
    for (const s of ['abcde', 'x'.repeat(40), 'Núñez']) expect(() => t.fromBuffer(t.toBuffer(s).subarray(0, 3)), s).toThrow(/truncated/)
  })
  it('writes a record that outgrows the first buffer whole', () => {
    const fields = Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, type: 'string' }))
    const t = parseSchema({ type: 'record', name: 'Wide', fields })
    const v = Object.fromEntries(fields.map((f, i) => [f.name, samples[i % samples.length]! + String(i)]))
    expect(t.toBuffer(v)).toEqual(Buffer.concat(fields.map((f) => spec(v[f.name]!))))
    expect(t.fromBuffer(t.toBuffer(v))).toEqual(v)
  })
})

describe('kafkajs request queue, as patches/kafkajs.ts leaves it', async () => {
  await import('../../patches/kafkajs.ts')
  const { createRequire } = await import('node:module')
  const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as new (o: object) => {
    pending: unknown[], throttledUntil: number, throttleCheckTimeoutId: unknown, checkPendingRequests: () => void,
    destroy: () => void,
    push: (r: { entry: { correlationId: number }, expectResponse: boolean, sendRequest: () => void }) => void
  }
  const queue = (): InstanceType<typeof RequestQueue> => new RequestQueue({
    maxInFlightRequests: 1, requestTimeout: 30000, enforceRequestTimeout: false, clientId: 't', broker: 'b',
    logger: { debug: () => {}, warn: () => {} }
  })
  it('arms no timer when nothing waits (kafkajs 2.2.4 re-armed a 1 ms one for ever)', () => {
    const q = queue()
    q.checkPendingRequests()
    expect(q.throttleCheckTimeoutId).toBeNull()
    q.destroy()
  })
  it('still sends a request held back by throttling once the throttle ends', async () => {
    const q = queue()
    q.throttledUntil = Date.now() + 30
    const sent = new Promise<void>((resolve) => q.push({
      entry: { correlationId: 1 }, expectResponse: true, sendRequest: resolve
    }))
    expect(q.pending).toHaveLength(1)
    expect(q.throttleCheckTimeoutId).not.toBeNull()
    await sent
    expect(q.pending).toHaveLength(0)
    q.destroy()
  })
})

describe('fetching while records flow', () => {
  it('gathers for a few milliseconds after a fetch that brought several records, and answers at the first record again after one that brought one', async () => {
    const { gatherWhileFlowing } = await import('../../patches/kafkajs.ts')
    const answers = [[{ messages: [1] }, { messages: [2] }], [{ messages: [3] }], []]
    const seen: Array<[number, number]> = []
    const fetch = gatherWhileFlowing(async function (this: { minBytes: number, maxWaitTime: number }) {
      seen.push([this.minBytes, this.maxWaitTime])
      return answers.shift()!
    })
    const group = { minBytes: 1, maxWaitTime: 1000 }
    for (let i = 0; i < 3; i++) await fetch.call(group, 0)
    expect(seen[0]).toEqual([1, 1000])
    expect(seen[1]![0]).toBeGreaterThan(1024)
    expect(seen[1]![1]).toBeLessThanOrEqual(20)
    expect(seen[2]).toEqual([1, 1000])
    expect(group).toMatchObject({ minBytes: 1, maxWaitTime: 1000 })
  })
})

describe('kafkajs produce path, as patches/kafkajs.ts leaves it', async () => {
  const { crc32c, groupMessagesPerPartition, murmur2, stock } = await import('../../patches/kafkajs.ts')
  const { createRequire } = await import('node:module')
  const byteAtATime = createRequire(import.meta.url)('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number
  it('checksums as CRC-32C does', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(Buffer.alloc(0))).toBe(0)
    for (let n = 0; n < 70; n++) {
      const b = Buffer.from(Array.from({ length: n * 7 + (n % 5) }, (_, i) => (i * 131 + n * 17) & 0xff))
      expect(crc32c(b)).toBe(byteAtATime(b))
    }
  })
  it('is what kafkajs itself loads', () => {
    const load = createRequire(import.meta.url)
    for (const file of ['producer/groupMessagesPerPartition.js', 'protocol/recordBatch/crc32C/index.js', 'protocol/encoder.js', 'producer/partitioners/default/murmur2.js', 'protocol/requests/produce/v3/request.js', 'protocol/recordBatch/record/v0/decoder.js']) {
      expect((load(`kafkajs/src/${file}`) as Record<symbol, unknown>)[Symbol.for('clarity-sl-bridge.kafkajs-fixed')]).toBe(true)
    }
  })
  it('encodes the same bytes as kafkajs, without clearing memory first', () => {
    const load = createRequire(import.meta.url)
    type E = {
      writeInt8: (v: number) => E, writeInt32: (v: number) => E, writeVarInt: (v: number) => E,
      writeString: (v: string) => E, writeVarIntBytes: (v: Buffer) => E, writeVarIntString: (v: string) => E,
      writeEncoder: (e: E) => E, buffer: Buffer
    }
    const Unfilled = load('kafkajs/src/protocol/encoder.js') as new (size?: number) => E
    const Original = Object.getPrototypeOf(Unfilled) as typeof Unfilled
    expect(Original).not.toBe(Unfilled)
    const write = (Encoder: typeof Unfilled): Buffer => {
      const inner = new Encoder(8).writeVarIntString('schlüssel').writeVarIntBytes(Buffer.alloc(3000, 0xab))
      const e = new Encoder().writeInt8(2).writeInt32(-7).writeVarInt(300).writeString('Größe ✓')
      for (let i = 0; i < 40; i++) e.writeVarIntBytes(Buffer.from(`value ${i} `.repeat(i)))
      return e.writeEncoder(inner).buffer
    }
    expect(write(Unfilled).equals(write(Original))).toBe(true)
  })
  it('writes varints, 64-bit varints and 64-bit integers as kafkajs does', () => {
    const load = createRequire(import.meta.url)
    type E = {
      writeVarInt: (v: number) => E, writeVarLong: (v: unknown) => E, writeInt64: (v: unknown) => E, buffer: Buffer
    }
    const Fixed = load('kafkajs/src/protocol/encoder.js') as (new () => E) & { sizeOfVarLong: (v: unknown) => number }
    const Original = Object.getPrototypeOf(Fixed) as typeof Fixed
    const ints = [
      0, 1, -1, 63, 64, -64, -65, 127, 128, 300, -300, 2 ** 20, 2 ** 30, -(2 ** 30), 2 ** 31 - 1, -(2 ** 31)
    ]
    const longs = [...ints, 2 ** 31, 2 ** 32, -(2 ** 32) - 5, 1_790_000_000_123, -1_790_000_000_123, 2 ** 51, -(2 ** 51), 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 60, '-42', '9223372036854775807']
    const write = (Encoder: typeof Fixed): Buffer => {
      const e = new Encoder()
      for (const v of ints) e.writeVarInt(v)
      for (const v of longs) e.writeVarLong(v).writeInt64(v)
      return e.buffer
    }
    expect(write(Fixed).equals(write(Original))).toBe(true)
    for (const v of longs) expect(Fixed.sizeOfVarLong(v)).toBe(Original.sizeOfVarLong(v))
  })
  it('writes produce requests byte for byte as kafkajs does', async () => {
    type Produce = (a: object) => { apiVersion: number, encode: () => Promise<{ buffer: Buffer }> }
    const file = 'kafkajs/src/protocol/requests/produce/v7/request.js'
    const fixed = createRequire(import.meta.url)(file) as Produce
    const original = stock<Produce>(file)
    expect(original).not.toBe(fixed)
    const Long = stock<{ fromValue: (v: string) => unknown }>('kafkajs/src/utils/long.js')
    const value = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff))
    const keyed = Array.from({ length: 200 }, (_, i) => ({ key: Buffer.from(`order-${i}`), value: value(900 + i) }))
    const cases: Array<[string, object]> = [
      ['keyed, 3 partitions, idempotent', { acks: -1, timeout: 30000, producerId: Long.fromValue('4711'), producerEpoch: 2, topicData: [{ topic: 'orders.mapped', partitions: [0, 1, 2].map((p) => ({ partition: p, firstSequence: 10 * p, messages: keyed.slice(p * 60, p * 60 + 60 + p) })) }] }],
      ['strings, null key and value, two topics', {
        acks: 1, timeout: 5000, topicData: [
          { topic: 'a', partitions: [{ partition: 0, messages: [{ key: 'schlüssel ✓', value: 'wert' }, { key: null, value: null }, { value: 'no key' }, { key: '', value: '' }] }] },
          { topic: 'b.dlq', partitions: [{ partition: 4, messages: [{ key: Buffer.alloc(0), value: value(70000) }] }] }]
      }],
      ['timestamps (sorted as strings), transactional', {
        acks: -1, timeout: 30000, transactionalId: 'tx-1', producerId: Long.fromValue('123456789012'), producerEpoch: 1, topicData: [{
          topic: 't', partitions: [{
            partition: 1, firstSequence: 3, messages: [
              { key: 'k', value: 'x', timestamp: '1790000000999' }, { key: 'k', value: 'y', timestamp: '999' }, { key: 'k', value: 'z' }, { key: 'k', value: 'w', timestamp: 1790000001000 }]
          }]
        }]
      }],
      ['headers on some records', {
        acks: -1, timeout: 30000, topicData: [{
          topic: 'orders.raw.dlq', partitions: [{
            partition: 0, messages: [
              { key: 'k1', value: 'v1', headers: { 'dlq.error.code': 'UNKNOWN_SKU', multi: ['1', '2'], bytes: Buffer.from([1, 2, 3]) } }, { key: 'k2', value: 'v2', headers: {} }, { key: 'k3', value: 'v3' }]
          }]
        }]
      }],
      ['compressed (left to kafkajs)', { acks: -1, timeout: 30000, compression: 1, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: keyed.slice(0, 5) }] }] }],
      ['a partition with no message (left to kafkajs)', { acks: -1, timeout: 30000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [] }] }] }]
    ]
    vi.spyOn(Date, 'now').mockReturnValue(1_790_000_000_000)
    try {
      for (const [name, args] of cases) {
        const [ours, theirs] = [await fixed(args).encode(), await original(args).encode()]
        expect({ name, same: ours.buffer.equals(theirs.buffer) }).toEqual({ name, same: true })
      }
      expect(fixed(cases[0]![1]).apiVersion).toBe(7)
    } finally {
      vi.restoreAllMocks()
    }
  })
  it('reads records as kafkajs does', async () => {
    type Batch = { records: Array<Record<string, unknown>> }
    const load = (
      from: (id: string) => unknown
    ): { decode: (d: object) => Promise<Batch>, Decoder: new (b: Buffer) => object } => ({
      decode: from('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: object) => Promise<Batch>,
      Decoder: from('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => object
    })
    const fixed = load(createRequire(import.meta.url))
    const original = load((id) => stock(id))
    expect(original.decode).not.toBe(fixed.decode)
    const Long = stock<{ fromValue: (v: string | number) => unknown }>('kafkajs/src/utils/long.js')
    const { RecordBatch } = stock<{ RecordBatch: (o: object) => Promise<{ buffer: Buffer }> }>('kafkajs/src/protocol/recordBatch/v0/index.js')
    const Record = stock<(o: object) => object>('kafkajs/src/protocol/recordBatch/record/v0/index.js')
    const records = [
      { offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k'), value: Buffer.from('v') },
      { offsetDelta: 1, timestampDelta: -5, key: null, value: null },
      { offsetDelta: 2, timestampDelta: 2 ** 40, key: Buffer.from('schlüssel'), value: Buffer.alloc(300, 1), headers: { a: 'x', b: ['1', '2'], ['__proto__']: 'p' } },
      { offsetDelta: 300, timestampDelta: 2 ** 50, key: Buffer.from('beyond 48 bits'), value: Buffer.from('y') },
      { offsetDelta: 70000, timestampDelta: -(2 ** 55), key: Buffer.from('far back'), value: Buffer.from('z') }
    ].map((r) => Record(r))
    for (const [firstOffset, firstTimestamp] of [['0', 1_790_000_000_000], ['123456789012', 0], ['999999999999999', 5], ['1000000000000000', 1_790_000_000_000], ['9223372036854000000', -1]] as const) {
      const bytes = (await RecordBatch({
        firstOffset: Long.fromValue(firstOffset), firstTimestamp, maxTimestamp: firstTimestamp, lastOffsetDelta: 70000,
        records
      })).buffer
      const [ours, theirs] = [
        await fixed.decode(new fixed.Decoder(bytes)), await original.decode(new original.Decoder(bytes))
      ]
      expect(ours.records.map((r) => ({ ...r, batchContext: undefined })))
        .toEqual(theirs.records.map((r) => ({ ...r, batchContext: undefined })))
      expect(ours.records.map((r) => Object.keys(r.headers as object)))
        .toEqual(theirs.records.map((r) => Object.keys(r.headers as object)))
      expect(ours.records[0]!.offset).toBe(firstOffset)
    }
  })
  it('partitions keys as kafkajs does', () => {
    const original = stock<(k: Buffer | string) => number>('kafkajs/src/producer/partitioners/default/murmur2.js')
    expect(original).not.toBe(murmur2)
    const keys: Array<Buffer | string> = ['', 'a', 'ab', 'abc', 'abcd', 'W00042', 'schlüssel ✓', '10042|MAIN', String(2 ** 40)]
    for (let n = 0; n < 300; n++) {
      keys.push(Buffer.from(Array.from({ length: n % 41 }, (_, i) => (i * 151 + n * 29) & 0xff)))
    }
    for (const k of keys) expect(murmur2(k)).toBe(original(k))
  })
  it('groups messages per partition, each in send order', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ partition: i % 3, i }))
    const groups = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}, {}, {}], messages, partitioner: ({ message }) => message.partition! })
    expect(Object.keys(groups)).toEqual(['0', '1', '2'])
    expect(groups[0]!.map((m) => (m as { i: number }).i)).toEqual([0, 3, 6, 9])
    expect(groups[2]!.map((m) => (m as { i: number }).i)).toEqual([2, 5, 8])
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 })).toEqual({})
  })
})
