import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, inject } from 'vitest'
import { createKafka, type Admin, type InRecord, type KafkaClient, type Producer } from '../lib/kafka.ts'
import { createLogger } from '../lib/logger.ts'
import { createRegistry, type Registry } from '../lib/registry.ts'
import type { KitConfig } from '../lib/service.ts'
import type { Topic } from '../topology/topology.ts'

export const quiet = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent')

/** Names made in this test file carry this mark, so they can be cleaned up after it. */
const RUN = randomBytes(3).toString('hex')

/** Every test makes its own topic and group names. */
export const unique = (prefix: string): string => `test.${prefix}.${Date.now().toString(36)}${RUN}${randomBytes(2).toString('hex')}`

export function env (): { brokers: string[], registryUrl: string } {
  return { brokers: inject('brokers'), registryUrl: inject('registryUrl') }
}

export function kitConfig (extra: Partial<KitConfig> = {}): KitConfig {
  const e = env()
  return { KAFKA_BROKERS: e.brokers, SCHEMA_REGISTRY_URL: e.registryUrl, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...extra }
}

export function clients (): { kafka: KafkaClient, registry: Registry } {
  const e = env()
  return { kafka: createKafka({ brokers: e.brokers, clientId: 'test', logger: quiet }), registry: createRegistry(e.registryUrl) }
}

/** Polls until `fn` answers something other than undefined/false. Never a fixed sleep. */
export async function waitFor<T> (
  what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60000
): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < until) {
    try {
      const v = await fn()
      if (v !== undefined && v !== false) return v
    } catch (err) {
      last = err
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`)
}

export { testTopic } from './workers/topics.ts'

/** Topics the tests of this file created; useBroker deletes them after the file. */
const created = new Set<string>()

export async function createTopics (admin: Admin, topics: Topic[]): Promise<void> {
  for (const t of topics) { created.add(t.name); created.add(`${t.name}.dlq`) }
  await admin.createTopics(topics.flatMap((t) => [
    { name: t.name, partitions: t.partitions, configs: {} },
    { name: `${t.name}.dlq`, partitions: t.partitions, configs: {} }
  ]))
}

export async function recordCount (admin: Admin, topic: string): Promise<number> {
  const marks = await admin.watermarks(topic)
  return marks.reduce((n, m) => n + Number(m.high) - Number(m.low), 0)
}

/** Reads `count` records of a topic from the beginning with a throwaway group. */
export async function readRecords (
  kafka: KafkaClient, topic: string, count: number, timeoutMs = 60000
): Promise<InRecord[]> {
  const consumer = await kafka.consumer(unique('reader'))
  const seen: InRecord[] = []
  void consumer.run({
    topics: [topic], fromBeginning: true, concurrency: 1,
    onBatch: async (batch, ctl) => {
      seen.push(...batch.records)
      const last = batch.records.at(-1)
      if (last !== undefined) await ctl.commit(last.offset)
    }
  })
  try {
    await waitFor(`${count} records on ${topic}`, () => seen.length >= count, timeoutMs)
    return seen
  } finally {
    await consumer.disconnect()
  }
}

export interface Broker { kafka: KafkaClient, registry: Registry, admin: Admin, producer: Producer }

/** One admin and one producer for a test file, connected before its tests and closed after. */
export function useBroker (): Broker {
  const b = {} as Broker
  beforeAll(async () => {
    Object.assign(b, clients())
    b.admin = await b.kafka.admin()
    b.producer = await b.kafka.producer()
  })
  afterAll(async () => {
    await b.producer?.disconnect()
    const mine = (await b.admin.listTopics()).filter((n) => created.has(n) || (n.startsWith('test.') && n.includes(RUN)))
    if (mine.length > 0) await b.admin.deleteTopics(mine).catch(() => undefined)
    await b.admin?.disconnect()
  })
  return b
}
