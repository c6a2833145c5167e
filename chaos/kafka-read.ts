// The topics' side of the reconciliation: whole topics read from their start to the end
// they had when asked (lib/cursor.ts readToEnd: a throwaway group, no commits), the facts
// taken from keys and headers only, and the pure checks over them (chaos/reconcile.ts
// has the sandboxes' side).
import { DLQ_HEADERS } from '../lib/consumer-loop.ts'
import { readToEnd } from '../lib/cursor.ts'
import type { InRecord, KafkaClient } from '../lib/kafka.ts'
import { WRITER_HEADER, writerSeenAgain } from '../lib/lease.ts'
import { prefixed } from '../topology/topology.ts'

/**
 * Every record of `topic` up to its end at the time of the call, in offset order per
 * partition. A batch handed over twice (the client fetches again from the last offset
 * it resolved) is counted once: a writer check must not see a run of writers repeated.
 */
export async function readTopic (kafka: KafkaClient, topic: string, timeoutMs = 120000): Promise<InRecord[]> {
  const byOffset = new Map<string, InRecord>()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`reading ${topic} to its end took over ${timeoutMs} ms`)) }, timeoutMs)
    timer.unref()
  })
  try {
    await Promise.race([readToEnd(kafka, topic, (r) => { byOffset.set(`${r.partition}:${r.offset}`, r) }), timeout])
  } finally {
    clearTimeout(timer)
  }
  const cmp = (a: InRecord, b: InRecord): number => {
    const d = BigInt(a.offset) - BigInt(b.offset)
    return a.partition - b.partition || (d < 0n ? -1 : d > 0n ? 1 : 0)
  }
  return [...byOffset.values()].sort(cmp)
}

/** Several topics at once (each has its own group, and a join costs seconds); absent topics read as empty. */
export async function readTopics (kafka: KafkaClient, topics: string[]): Promise<Map<string, InRecord[]>> {
  const admin = await kafka.admin()
  let existing: string[]
  try {
    existing = await admin.listTopics()
  } finally {
    await admin.disconnect()
  }
  const unique = [...new Set(topics)]
  const read = await Promise.all(unique.map(async (t) => existing.includes(t) ? await readTopic(kafka, t) : []))
  return new Map(unique.map((t, i) => [t, read[i]!]))
}

/** The topics that exist under the prefix and end in .dlq. */
export async function deadLetterTopics (kafka: KafkaClient, prefix: string): Promise<string[]> {
  const admin = await kafka.admin()
  try {
    return (await admin.listTopics()).filter((t) => t.startsWith(prefix) && t.endsWith('.dlq')).sort()
  } finally {
    await admin.disconnect()
  }
}

export interface DeadLetter { topic: string, key: string | null, code: string }
export interface WrittenRecord {
  topic: string, partition: number, key: string | null, writer: string | undefined
  /** A dead letter of something that never was in Kafka (a feed's row, a webhook): partition -1. */
  fromOutside: boolean
}
interface Check { name: string, ok: boolean, detail: string }

export interface KafkaFacts {
  deadLetters: DeadLetter[]
  writes: WrittenRecord[]
  cursorsTopic: string
  /** bridge.webhooks-seen in offset order: an id's later tombstone withdraws it. */
  seen: Array<{ eventId: string, withdrawn: boolean }>
  /** The Clarity event ids on orders.raw and customers.raw (their clarity.event.id header). */
  eventIds: Set<string>
  rawOrderKeys: Set<string>
}

/** The topics the leased feed pollers write, every record with its writer header. */
export function leasedTopics (prefix: string): string[] {
  const { services, topics } = prefixed(prefix)
  const feeds = [services.slShipperSource, services.slInventorySource, services.slProductSource,
    services.slCustomerSource, services.clarityIngest]
  // bridge.webhooks-seen is the webhook path's, unleased: every instance takes webhooks.
  return [...new Set(feeds.flatMap((f) => f.produces.map((x) => x.name)))].filter((n) => n !== topics.webhooksSeen.name)
}

const writesOf = (topic: string, records: InRecord[]): WrittenRecord[] => records.map((r) => ({
  topic, partition: r.partition, key: r.key?.toString() ?? null, writer: r.headers[WRITER_HEADER],
  fromOutside: r.headers[DLQ_HEADERS.partition] === '-1'
}))

export async function kafkaFacts (kafka: KafkaClient, prefix: string): Promise<KafkaFacts> {
  const { topics } = prefixed(prefix)
  const leased = leasedTopics(prefix)
  const dlqs = await deadLetterTopics(kafka, prefix)
  const all = await readTopics(kafka, [...dlqs, ...leased, topics.webhooksSeen.name])
  const of = (name: string): InRecord[] => all.get(name) ?? []
  const deadLetters = dlqs.flatMap((d) => of(d).map((r) => ({
    topic: d, key: r.key?.toString() ?? null, code: r.headers[DLQ_HEADERS.code] ?? ''
  })))
  // A consumer's dead letter copies the headers of the record it read: only a feed's own rows count.
  const writes = leased.flatMap((n) => writesOf(n, of(n)))
    .concat(leased.flatMap((n) => writesOf(`${n}.dlq`, of(`${n}.dlq`)).filter((w) => w.fromOutside)))
  const seen = of(topics.webhooksSeen.name).map((r) => ({ eventId: r.key?.toString() ?? '', withdrawn: r.value === null }))
  const taken = [topics.ordersRaw, topics.customersRaw, topics.paymentsRaw, topics.payoutsRaw].map((x) => x.name)
  const eventIds = new Set(taken
    .flatMap((n) => of(n).map((r) => r.headers['clarity.event.id'])).filter((x): x is string => x !== undefined))
  const rawOrderKeys = new Set(of(topics.ordersRaw.name).map((r) => r.key?.toString() ?? ''))
  return { deadLetters, writes, cursorsTopic: topics.cursors.name, seen, eventIds, rawOrderKeys }
}

const few = (xs: string[], n = 5): string =>
  xs.length === 0 ? '' : ` (e.g. ${xs.slice(0, n).join(', ')}${xs.length > n ? ', …' : ''})`

/**
 * (e) Every webhook clarity-ingest took is in Kafka: each id on bridge.webhooks-seen (not
 * withdrawn) has its record on orders.raw, customers.raw, payments.raw or payouts.raw; and every Clarity order has a
 * record on orders.raw, pushed or polled. The sandbox counts its 2xx deliveries but keeps
 * no ids, so "answered 2xx" is judged from the bridge's side: an id is seen only once its
 * 2xx is due.
 */
export function checkWebhooks (
  k: Pick<KafkaFacts, 'seen' | 'eventIds' | 'rawOrderKeys'>, clarityOrderIds: string[],
  hooks: { pending: number, delivered: number, abandoned: number, dropped: number }
): Check {
  const taken = new Map<string, boolean>()
  for (const s of k.seen) taken.set(s.eventId, !s.withdrawn)
  const ids = [...taken].filter(([, on]) => on).map(([id]) => id)
  const notInKafka = ids.filter((id) => !k.eventIds.has(id))
  const noRecord = clarityOrderIds.filter((id) => !k.rawOrderKeys.has(id))
  const p = [[notInKafka, 'taken webhooks without their record'], [noRecord, 'Clarity orders not on orders.raw']]
    .filter(([xs]) => xs!.length > 0).map(([xs, what]) => `${xs!.length} ${what as string}${few(xs as string[])}`)
  return {
    name: 'every webhook taken is in Kafka',
    ok: p.length === 0,
    detail: `${ids.length} webhook ids taken; the sandbox delivered ${hooks.delivered} (2xx), abandoned ` +
      `${hooks.abandoned}, dropped ${hooks.dropped}, has ${hooks.pending} pending` +
      (p.length === 0 ? '' : `; ${p.join('; ')}`)
  }
}

/**
 * (g) One writer per feed: on each partition of a feed's topic (on bridge.cursors, which
 * every feed shares, for each cursor's key), a writer superseded by another never writes again.
 */
export function checkWriters (writes: WrittenRecord[], cursorsTopic: string): Check {
  const runs = new Map<string, Array<string | undefined>>()
  for (const w of writes) {
    const at = w.topic === cursorsTopic ? `${w.topic} key ${w.key ?? ''}` : `${w.topic} partition ${w.partition}`
    runs.set(at, [...runs.get(at) ?? [], w.writer])
  }
  const twice = [...runs].filter(([, ws]) => writerSeenAgain(ws) !== undefined).map(([at]) => at)
  const writers = new Set(writes.map((w) => w.writer).filter((w) => w !== undefined))
  return {
    name: 'one writer per feed',
    ok: twice.length === 0,
    detail: `${writes.filter((w) => w.writer !== undefined).length} records by ${writers.size} writers over ` +
      `${runs.size} partitions` +
      (twice.length === 0 ? '' : `; a superseded writer wrote again on ${twice.length}${few(twice)}`)
  }
}
