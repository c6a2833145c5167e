// Two instances of a feed service: one polls, the other stands by and takes the feed over
// when the first stops, and no record of the feed is written by a superseded holder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WRITER_HEADER, writerSeenAgain } from '../../lib/lease.ts'
import type { Running } from '../../lib/service.ts'
import { startSlInventorySource } from '../../services/sl-inventory-source/src/service.ts'
import { prefixed } from '../../topology/topology.ts'
import { startFlow, stockOf, type Flow } from '../orders-harness.ts'
import { env, readRecords, recordCount, useBroker, waitFor } from '../helpers.ts'

const b = useBroker()
let f: Flow
let second: Running
const noExit = (() => undefined) as never

beforeAll(async () => {
  f = await startFlow({ ...env(), logLevel: process.env.TEST_LOG_LEVEL, only: ['sl-inventory-source', 'clarity-inventory-sink'] })
  second = await startSlInventorySource(f.common as never, noExit)
})
afterAll(async () => {
  await second.stop()
  await f.stop()
})

// Read at call time: the flow starts in beforeAll.
const adjust = async (invtId: string, site: string, qty: number): Promise<void> =>
  await stockOf(f).adjust(invtId, site, qty)
const slAvail = (invtId: string, site: string): number => stockOf(f).slAvail(invtId, site)
const clarityQty = (sku: string, loc: string): number | undefined => stockOf(f).clarityQty(sku, loc)
const feedOf = async (r: Running): Promise<{ status: number, body: Record<string, unknown> }> => {
  const res = await fetch(`http://127.0.0.1:${r.port!}/feed`)
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}
/** Which of the two polls: exactly one answers its feed, the other says it stands by. */
async function holderOf (pair: Running[]): Promise<Running> {
  return await waitFor('one holder and one standby', async () => {
    const answers = await Promise.all(pair.map(feedOf))
    const holding = pair.filter((_r, i) => answers[i]!.status === 200)
    const standing = answers.filter((a) => a.status === 503 && String(a.body.error).startsWith('standby'))
    return holding.length === 1 && standing.length === 1 ? holding[0] : undefined
  })
}

describe('a feed under its lease', () => {
  it('one of two instances polls; when it stops the other takes over, and no superseded holder writes again', async () => {
    const first = f.services['sl-inventory-source']!
    const holder = await holderOf([first, second])
    const standby = holder === first ? second : first
    await adjust('FILTER-MESH-MD', 'WEST', 3)
    let want = slAvail('FILTER-MESH-MD', 'WEST')
    await waitFor('the level through the holder', () => clarityQty('FILTER-MESH-MD', 'WEST') === want)

    await holder.stop()
    await waitFor('the standby holding the feed', async () => (await feedOf(standby)).status === 200)
    const lease = (await feedOf(standby)).body.lease as { role: string, writer: string }
    expect(lease.role).toBe('holding')
    await adjust('FILTER-MESH-MD', 'WEST', 5)
    want = slAvail('FILTER-MESH-MD', 'WEST')
    await waitFor('the level through the new holder', () => clarityQty('FILTER-MESH-MD', 'WEST') === want)

    const { topics } = prefixed(f.prefix)
    const topic = topics.inventoryChanges.name
    const records = await readRecords(b.kafka, topic, await recordCount(b.admin, topic))
    expect(records.every((r) => r.headers[WRITER_HEADER] !== undefined)).toBe(true)
    const writers = new Set(records.map((r) => r.headers[WRITER_HEADER]))
    expect(writers.size).toBe(2)
    expect(writers.has(lease.writer)).toBe(true)
    for (const p of [0, 1, 2]) {
      const inOrder = records.filter((r) => r.partition === p)
        .sort((x, y) => Number(BigInt(x.offset) - BigInt(y.offset)))
      expect(writerSeenAgain(inOrder.map((r) => r.headers[WRITER_HEADER]))).toBeUndefined()
    }
  })

  it('the lease is handed the cursors it shares a topic with once, not again and again', async () => {
    // A lease that left its records unread was handed them again at once, every cursor
    // written since it joined, in a loop that grew with them.
    const { topics } = prefixed(f.prefix)
    for (const qty of [2, 3, 4]) {
      await adjust('FILTER-MESH-MD', 'WEST', qty)
      const want = slAvail('FILTER-MESH-MD', 'WEST')
      await waitFor('the level through the holder', () => clarityQty('FILTER-MESH-MD', 'WEST') === want)
    }
    const handed = async (r: Running): Promise<number> => {
      const m = await r.kit.metrics.registry.getSingleMetric('bridge_lease_records_total')!.get()
      return m.values.reduce((sum, v) => sum + v.value, 0)
    }
    const written = Number((await b.admin.watermarks(topics.cursors.name))[0]!.high)
    expect(written).toBeGreaterThan(0)
    // The standby of the first test holds the feed now; it joined after some of the cursors were written.
    expect(await handed(second)).toBeGreaterThan(0)
    expect(await handed(second)).toBeLessThanOrEqual(written)
  })
})
