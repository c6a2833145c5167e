// What a chaos run measures besides the reconciliation: the lag left to read, each order's
// time from the store to SL outside the fault windows, and whether every webhook answered
// 2xx was taken into Kafka.
import type { Admin, KafkaClient } from '../lib/kafka.ts'
import { services as allServices, topics } from '../topology/topology.ts'
import { readTopic } from './kafka-read.ts'
import type { Check } from './reconcile.ts'

/** Records the services' groups have yet to read, over every topic each consumes through its group. */
/**
 * `work`, or a rejection naming `what` after `ms`: a broker that answers every group call
 * with NOT_COORDINATOR must end the run with a failed check, not hang it.
 */
export async function bounded<T> (what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`${what} took over ${ms / 1000} s`)) }, ms)
  })
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}

export async function totalLag (admin: Admin, names: string[]): Promise<number> {
  let lag = 0
  const own = new Set<string>([topics.cursors.name, topics.webhooksSeen.name])
  for (const s of Object.values(allServices).filter((x) => names.includes(x.name))) {
    for (const t of s.consumes.filter((x) => !own.has(x.name))) {
      const committed = await admin.groupOffsets(s.name, t.name)
      // A topic a service reads outside its group (the order-mapper's stock table) has no commits of it.
      if (committed.every((c) => c.offset === '-1')) continue
      const marks = await admin.watermarks(t.name)
      for (const m of marks) {
        const at = committed.find((c) => c.partition === m.partition)?.offset ?? '-1'
        // Never read yet: everything since the low mark is behind.
        const from = at === '-1' ? BigInt(m.low) : BigInt(at)
        const d = BigInt(m.high) - from
        if (d > 0n) lag += Number(d)
      }
    }
  }
  return lag
}

/**
 * Every event id a clarity-ingest answered 2xx for, as the balancer in front of them saw
 * it, is taken: its last record in bridge.webhooks-seen is not a tombstone.
 */
export async function webhooksInKafka (kafka: KafkaClient, accepted: Set<string>): Promise<Check> {
  // The ids answered until now: each one's seen id was written before its answer, so the
  // read below finds it. Clarity goes on delivering meanwhile (shipments, its retries), and
  // an id answered during the read may be written after the read's end.
  const answered = [...accepted]
  const last = new Map<string, boolean>()
  for (const r of await readTopic(kafka, topics.webhooksSeen.name)) {
    if (r.key !== null) last.set(r.key.toString(), r.value !== null)
  }
  const missing = answered.filter((id) => last.get(id) !== true)
  return {
    name: 'every webhook a clarity-ingest answered 2xx is in Kafka',
    ok: missing.length === 0,
    detail: `${answered.length} answered 2xx, ${missing.length} not in ${topics.webhooksSeen.name}` +
      (missing.length === 0 ? '' : ` (e.g. ${missing.slice(0, 3).join(', ')})`)
  }
}

const quantile = (sorted: number[], q: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

/** Store to SL: each SL order's creation less its Clarity order's, for orders placed outside every window. */
export async function orderLatency (
  slUrl: string, clarityUrl: string, windows: Array<[number, number]>
): Promise<{ p50: number, p99: number, n: number }> {
  const get = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T
  const { Items: placed } = await get<{ Items: Array<{ ID: number, CreatedDate: string }> }>(`${clarityUrl}/sandbox/state/orders`)
  const { Items: created } = await get<{ Items: Array<{ CustOrdNbr: string, Crtd_DateTime: string }> }>(
    `${slUrl}/sandbox/state/orders`)
  const at = new Map(placed.map((x) => [String(x.ID), Date.parse(x.CreatedDate)]))
  const quiet = (t: number): boolean => !windows.some(([from, to]) => t >= from && t <= to)
  const ms = created.flatMap((x) => {
    const from = at.get(x.CustOrdNbr.trim())
    return from !== undefined && quiet(from) ? [Date.parse(x.Crtd_DateTime) - from] : []
  }).sort((a, b) => a - b)
  return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), n: ms.length }
}
