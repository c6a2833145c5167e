// The producer of lib/kafka.ts: one idempotent kafkajs producer, sends batched while one
// request is in flight and lingering from idle.
import type { Kafka, Message, Producer as KafkaProducer } from 'kafkajs'
import { kafkajs } from '../patches/kafkajs.ts'
import type { OutRecord, Producer } from './kafka.ts'

const { Partitioners } = kafkajs

// Also how long one encode holds the thread that feeds the worker threads: keep it short.
const MAX_REQUEST_BYTES = 256 * 1024
// A send this big goes out without lingering: waiting would not make its request much fuller.
const LINGER_BYTES = 64 * 1024

const toBuffer = (v: Buffer | string | null): Buffer | null =>
  v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v)

/** About what a record adds to a produce request. */
const sizeOf = (r: OutRecord): number => (r.value?.length ?? 0) + (r.key?.length ?? 0) + 64

// Brokers refuse requests over message.max.bytes (1 MiB by default): send in chunks,
// one after the other, so order per partition holds.
async function sendInChunks (p: KafkaProducer, records: OutRecord[]): Promise<void> {
  let chunk: OutRecord[] = []
  let bytes = 0
  for (const r of records) {
    const size = sizeOf(r)
    if (chunk.length > 0 && bytes + size > MAX_REQUEST_BYTES) {
      await sendChunk(p, chunk)
      chunk = []
      bytes = 0
    }
    chunk.push(r)
    bytes += size
  }
  if (chunk.length > 0) await sendChunk(p, chunk)
}

async function sendChunk (p: KafkaProducer, records: OutRecord[]): Promise<void> {
  const byTopic = new Map<string, Message[]>()
  for (const r of records) {
    const list = byTopic.get(r.topic) ?? []
    list.push({
      key: toBuffer(r.key),
      value: r.value,
      headers: r.headers,
      partition: r.partition,
      timestamp: r.timestamp === undefined ? undefined : String(r.timestamp)
    })
    byTopic.set(r.topic, list)
  }
  await p.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) })
}

/** `explain` turns what the brokers refused (a login, an ACL) into the error that says why. */
export async function createProducer (
  kafka: Kafka, lingerMs: number, explain: (err: unknown) => unknown = (err) => err
): Promise<Producer> {
  // Idempotent with acks from every in-sync replica: a retried send never duplicates
  // and a confirmed send survives the loss of the leader.
  const p = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner
  })
  await p.connect()
  let waiting: Array<{ records: OutRecord[], resolve: () => void, reject: (e: unknown) => void }> = []
  let waitingBytes = 0
  let draining = false
  let linger: NodeJS.Timeout | undefined
  const drain = async (): Promise<void> => {
    linger = undefined
    while (waiting.length > 0) {
      const batch = waiting
      waiting = []
      waitingBytes = 0
      try {
        await sendInChunks(p, batch.flatMap((b) => b.records))
        for (const b of batch) b.resolve()
      } catch (err) {
        const why = explain(err)
        for (const b of batch) b.reject(why)
      }
    }
    draining = false
  }
  return {
    // Sends that arrive while one is in flight go out together in the next request:
    // with one request in flight (idempotence), that is what keeps many concurrent
    // callers (webhooks, partitions) from queueing behind each other's round trips.
    // From idle, a send waits up to lingerMs for company unless it is big already
    // (as linger.ms in Kafka's own producer): at hundreds of small sends a second,
    // every request saved is broker and client work saved.
    send (records) {
      if (records.length === 0) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        waiting.push({ records, resolve, reject })
        for (const r of records) waitingBytes += sizeOf(r)
        if (draining && (linger === undefined || waitingBytes < LINGER_BYTES)) return
        clearTimeout(linger)
        draining = true
        if (lingerMs > 0 && waitingBytes < LINGER_BYTES) linger = setTimeout(() => { void drain() }, lingerMs)
        else void drain()
      })
    },
    disconnect: async () => {
      if (linger !== undefined) { clearTimeout(linger); await drain() }
      await p.disconnect()
    }
  }
}
