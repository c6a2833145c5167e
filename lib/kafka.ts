// The one module that knows the Kafka client library. Everything else speaks the
// small types below, so the client can be replaced (kafkajs is unmaintained)
// without touching services.
import type { IHeaders, Message, Producer as KafkaProducer } from 'kafkajs'
import { kafkajs } from '../patches/kafkajs.ts'
import type { Logger } from './logger.ts'

const { Kafka, logLevel, ConfigResourceTypes, Partitioners } = kafkajs

export interface InRecord {
  topic: string
  partition: number
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, string>
  timestamp: number
}

export interface OutRecord {
  topic: string
  key: Buffer | string | null
  value: Buffer | null
  headers?: Record<string, string>
  timestamp?: number
  partition?: number
}

export interface Batch {
  topic: string
  partition: number
  /** The partition's end offset when the batch was fetched. */
  highWatermark: string
  records: InRecord[]
}

export interface BatchControl {
  /** Commit the position after `offset` (the next record to read). */
  commit: (offset: string) => Promise<void>
  heartbeat: () => Promise<void>
  /** False once the consumer is stopping or this partition was revoked. */
  active: () => boolean
}

export interface Producer {
  send: (records: OutRecord[]) => Promise<void>
  disconnect: () => Promise<void>
}

export interface Consumer {
  run: (opts: { topics: string[], fromBeginning: boolean, concurrency: number, onBatch: (batch: Batch, ctl: BatchControl) => Promise<void> }) => Promise<void>
  joined: () => boolean
  onCrash: (fn: (err: Error) => void) => void
  disconnect: () => Promise<void>
}

export interface TopicSpec {
  name: string
  partitions: number
  configs: Record<string, string>
}

export interface Offsets { partition: number, offset: string }

export interface Watermarks { partition: number, low: string, high: string }

export interface GroupState { groupId: string, state: string, members: number }

export interface Admin {
  listTopics: () => Promise<string[]>
  createTopics: (topics: TopicSpec[]) => Promise<string[]>
  describeTopics: (names: string[]) => Promise<Array<{ name: string, partitions: number, configs: Record<string, string> }>>
  alterTopicConfigs: (name: string, configs: Record<string, string>) => Promise<void>
  addPartitions: (name: string, count: number) => Promise<void>
  watermarks: (topic: string) => Promise<Watermarks[]>
  offsetsAtTime: (topic: string, timeMs: number) => Promise<Offsets[]>
  groupOffsets: (groupId: string, topic: string) => Promise<Offsets[]>
  setGroupOffsets: (groupId: string, topic: string, offsets: Offsets[]) => Promise<void>
  listGroups: () => Promise<string[]>
  describeGroup: (groupId: string) => Promise<GroupState>
  deleteTopics: (names: string[]) => Promise<void>
  disconnect: () => Promise<void>
}

export interface KafkaClient {
  producer: () => Promise<Producer>
  /** `fetch`: how much a fetch waits for (bytes, up to ms); by default it answers as soon as one record is there. */
  consumer: (groupId: string, fetch?: { minBytes: number, maxWaitMs: number }) => Promise<Consumer>
  admin: () => Promise<Admin>
}

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug'
}

const toBuffer = (v: Buffer | string | null): Buffer | null => v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v)

// Per record read, so no entries array for the usual record without headers.
function headersOf (h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k in h) {
    const v = h[k]
    if (v === undefined || !Object.hasOwn(h, k)) continue
    const one = Array.isArray(v) ? v[v.length - 1] : v
    if (one !== undefined) out[k] = one.toString()
  }
  return out
}

// Also how long one encode holds the thread that feeds the worker threads: keep it short.
const MAX_REQUEST_BYTES = 256 * 1024
const COMMIT_EVERY_MS = 100
// A send this big goes out without lingering: waiting would not make its request much fuller.
const LINGER_BYTES = 64 * 1024

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

export function createKafka (opts: { brokers: string[], clientId: string, logger: Logger, sessionTimeoutMs?: number, lingerMs?: number }): KafkaClient {
  const lingerMs = opts.lingerMs ?? 0
  const log = opts.logger.child({ component: 'kafka' })
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    // kafkajs' INFO is chatty (every join and commit); our own logs say what matters.
    logLevel: logLevel.WARN,
    logCreator: () => ({ level, log: entry }) => {
      const { message, ...rest } = entry
      // Bounded producer retries are deliberate: a send must fail when the broker is away.
      if (message.startsWith('Limiting retries for the idempotent producer')) return
      log[levelNames[level] ?? 'info']({ ...rest, namespace: entry.namespace }, message)
    },
    retry: { initialRetryTime: 100, retries: 8 }
  })

  return {
    async producer () {
      // Idempotent with acks from every in-sync replica: a retried send never duplicates
      // and a confirmed send survives the loss of the leader.
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner })
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
            for (const b of batch) b.reject(err)
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
    },

    async consumer (groupId, fetch) {
      const c = kafka.consumer({
        groupId, allowAutoTopicCreation: false, sessionTimeout: opts.sessionTimeoutMs ?? 30000, heartbeatInterval: 3000,
        // An idle fetch parks at the broker this long; a stop waits for it, so keep it short.
        maxWaitTimeInMs: fetch?.maxWaitMs ?? 1000, minBytes: fetch?.minBytes ?? 1, maxBytesPerPartition: 4 * 1024 * 1024
      })
      let isJoined = false
      let crashHandler: (err: Error) => void = () => {}
      c.on(c.events.GROUP_JOIN, () => { isJoined = true })
      c.on(c.events.STOP, () => { isJoined = false })
      c.on(c.events.CRASH, (e) => {
        isJoined = false
        // kafkajs restarts the consumer itself after a retriable crash.
        if (e.payload.restart !== true) crashHandler(e.payload.error)
      })
      await c.connect()
      // Offsets of finished work, committed together at most every COMMIT_EVERY_MS: one
      // OffsetCommit for all partitions instead of one per batch, which at moderate rates
      // is a request per record. The work and its outputs are already durable when an
      // offset is queued here, so a crash in between only means a little re-processing.
      const queued = new Map<string, { topic: string, partition: number, offset: string }>()
      let timer: NodeJS.Timeout | undefined
      let committing: Promise<void> = Promise.resolve()
      const commitQueued = async (): Promise<void> => {
        timer = undefined
        if (queued.size === 0) return
        const offsets = [...queued.values()]
        queued.clear()
        committing = committing.then(() => c.commitOffsets(offsets)).catch((err: Error) => {
          // A partition moved to another member meanwhile: it re-reads a little, nothing is lost.
          opts.logger.warn({ err: err.message }, 'offset commit failed; the records since the last commit will be read again')
        })
        await committing
      }
      return {
        async run ({ topics, fromBeginning, concurrency, onBatch }) {
          await c.subscribe({ topics, fromBeginning })
          await c.run({
            autoCommit: false,
            eachBatchAutoResolve: false,
            partitionsConsumedConcurrently: concurrency,
            eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
              const records: InRecord[] = batch.messages.map((m) => ({
                topic: batch.topic,
                partition: batch.partition,
                offset: m.offset,
                key: m.key,
                value: m.value,
                headers: headersOf(m.headers),
                timestamp: Number(m.timestamp)
              }))
              await onBatch({ topic: batch.topic, partition: batch.partition, highWatermark: batch.highWatermark, records }, {
                commit: async (offset) => {
                  // kafkajs fetches on from the last resolved offset: resolve, or it re-reads.
                  resolveOffset(offset)
                  queued.set(`${batch.topic}:${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: (BigInt(offset) + 1n).toString() })
                  // Stopping or losing the partition: commit now, while the group still lets us.
                  if (!isRunning() || isStale()) await commitQueued()
                  else timer ??= setTimeout(() => { void commitQueued() }, COMMIT_EVERY_MS)
                },
                heartbeat,
                active: () => isRunning() && !isStale()
              })
            }
          })
        },
        joined: () => isJoined,
        onCrash: (fn) => { crashHandler = fn },
        disconnect: async () => {
          clearTimeout(timer)
          await commitQueued()
          await c.disconnect()
        }
      }
    },

    async admin () {
      const a = kafka.admin()
      await a.connect()
      const self: Admin = {
        listTopics: () => a.listTopics(),
        async createTopics (topics) {
          const existing = new Set(await a.listTopics())
          const missing = topics.filter((t) => !existing.has(t.name))
          if (missing.length > 0) {
            await a.createTopics({
              waitForLeaders: true,
              topics: missing.map((t) => ({
                topic: t.name,
                numPartitions: t.partitions,
                replicationFactor: -1,
                configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value }))
              }))
            })
          }
          return missing.map((t) => t.name)
        },
        async describeTopics (names) {
          if (names.length === 0) return []
          const meta = await a.fetchTopicMetadata({ topics: names })
          const cfg = await a.describeConfigs({
            includeSynonyms: false,
            resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name }))
          })
          return meta.topics.map((t) => {
            const entries = cfg.resources.find((r) => r.resourceName === t.name)?.configEntries ?? []
            const configs: Record<string, string> = {}
            for (const e of entries) if (!e.isDefault) configs[e.configName] = e.configValue
            return { name: t.name, partitions: t.partitions.length, configs }
          })
        },
        async alterTopicConfigs (name, configs) {
          await a.alterConfigs({
            validateOnly: false,
            resources: [{ type: ConfigResourceTypes.TOPIC, name, configEntries: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }]
          })
        },
        async addPartitions (name, count) {
          await a.createPartitions({ topicPartitions: [{ topic: name, count }] })
        },
        async watermarks (topic) {
          return (await a.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
        },
        async offsetsAtTime (topic, timeMs) {
          return (await a.fetchTopicOffsetsByTimestamp(topic, timeMs)).map((o) => ({ partition: o.partition, offset: o.offset }))
        },
        async groupOffsets (groupId, topic) {
          const res = await a.fetchOffsets({ groupId, topics: [topic] })
          return (res[0]?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset }))
        },
        async setGroupOffsets (groupId, topic, offsets) {
          await a.setOffsets({ groupId, topic, partitions: offsets })
        },
        async listGroups () {
          return (await a.listGroups()).groups.map((g) => g.groupId)
        },
        async describeGroup (groupId) {
          const g = (await a.describeGroups([groupId])).groups[0]
          return { groupId, state: g?.state ?? 'Dead', members: g?.members.length ?? 0 }
        },
        async deleteTopics (names) {
          await a.deleteTopics({ topics: names })
        },
        disconnect: () => a.disconnect()
      }
      return self
    }
  }
}
