// The one module that knows the Kafka client library, with its parts lib/kafka-producer.ts,
// lib/kafka-consumer.ts and lib/kafka-admin.ts. Everything else speaks the small types
// below, so the client can be replaced (kafkajs is unmaintained) without touching services.
import { kafkajs } from '../patches/kafkajs.ts'
import { createAdmin } from './kafka-admin.ts'
import { createConsumer } from './kafka-consumer.ts'
import { createProducer } from './kafka-producer.ts'
import { kafkaSecurity, type KafkaSecurityConfig } from './kafka-security.ts'
import type { Logger } from './logger.ts'

export type { KafkaSecurityConfig } from './kafka-security.ts'

const { Kafka, logLevel } = kafkajs

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
  /** Reads on after `offset` without committing it: for a member that keeps no position (a lease). */
  pass: (offset: string) => void
  heartbeat: () => Promise<void>
  /** False once the consumer is stopping or this partition was revoked. */
  active: () => boolean
}

export interface Producer {
  send: (records: OutRecord[]) => Promise<void>
  disconnect: () => Promise<void>
}

export interface Consumer {
  run: (opts: {
    topics: string[]
    fromBeginning: boolean
    concurrency: number
    onBatch: (batch: Batch, ctl: BatchControl) => Promise<void>
  }) => Promise<void>
  joined: () => boolean
  /**
   * Told the partitions this member was given each time it joins its group, and undefined
   * as soon as it may have lost them (a rebalance begins, the consumer stops or crashes).
   */
  onAssignment: (fn: (partitions: Record<string, number[]> | undefined) => void) => void
  /** The group's coordinator heard from this member recently enough that it still is one. */
  inTouch: () => boolean
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
  describeTopics: (names: string[]) => Promise<TopicSpec[]>
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
  /**
   * `fetch`: how much a fetch waits for (bytes, up to ms); by default it answers as soon
   * as one record is there.
   */
  consumer: (groupId: string, fetch?: { minBytes: number, maxWaitMs: number }) => Promise<Consumer>
  admin: () => Promise<Admin>
}

export interface KafkaOptions {
  brokers: string[]
  clientId: string
  logger: Logger
  sessionTimeoutMs?: number
  lingerMs?: number
  /** How the brokers are reached (TLS, SASL); by default PLAINTEXT. A service passes its config. */
  security?: KafkaSecurityConfig
}

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug'
}

/** Throws ConfigError when `security` contradicts itself (a CA file with PLAINTEXT, say). */
export function createKafka (opts: KafkaOptions): KafkaClient {
  const lingerMs = opts.lingerMs ?? 0
  const log = opts.logger.child({ component: 'kafka' })
  const security = kafkaSecurity(opts.security ?? {})
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    ssl: security.ssl,
    sasl: security.sasl,
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

  // A refused login or certificate fails the connect that meets it, as a fatal error naming the setting.
  const connect = async <T>(make: () => Promise<T>): Promise<T> => {
    await security.check(opts.brokers)
    try {
      return await make()
    } catch (err) {
      throw security.explain(err)
    }
  }
  const { explain } = security
  return {
    producer: () => connect(() => createProducer(kafka, lingerMs, explain)),
    consumer: (groupId, fetch) => connect(() => createConsumer(kafka, groupId, fetch, { ...opts, explain })),
    admin: () => connect(() => createAdmin(kafka, explain))
  }
}
