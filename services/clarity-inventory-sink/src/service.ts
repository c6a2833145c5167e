// inventory.changes → Clarity UpdateMany, up to 500 rows a call. Within one chunk of a
// partition, several changes of one item site collapse to the latest: the store only
// needs the newest level, and chunks of one partition go strictly in offset order, so
// one key's updates are never reordered. Each item that changes has all its published
// sites pushed, from a table of every level (src/sites.ts), read to the end before the
// first push and followed from then on; every INVENTORY_SWEEP_MS all of them are pushed
// again from it (transform.ts, sweepRows, says why). Throttling and outages back off and pause the
// loop (nothing is dead-lettered); a level that breaks a rule, or a row Clarity refuses,
// is dead-lettered with the reason while the rest of the chunk is pushed.
import { Counter } from 'prom-client'
import { loadCatalogueMapping } from '../../../domain/catalogue-mapping.ts'
import { clarityClientOf, type ClarityClient } from '../../../lib/clients/clarity.ts'
import { rejectedAsPoison } from '../../../lib/clients/http.ts'
import type { BatchResult } from '../../../lib/consumer-loop.ts'
import { classify, poison } from '../../../lib/errors.ts'
import type { InRecord } from '../../../lib/kafka.ts'
import type { Logger } from '../../../lib/logger.ts'
import type { Serde } from '../../../lib/registry.ts'
import { tableFeed } from '../../../lib/table-feed.ts'
import { loadOrderMapping } from '../../../domain/mapping.ts'
import type { ItemSiteLevel } from '../../../domain/records.ts'
import { startService, type Kit, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { SiteTable, type Held } from './sites.ts'
import { planChunk, sweepRows, type ChunkEntry, type StockRow } from './transform.ts'

const MAX_ROWS = 500
/** A level younger than this is the loop's to push, not the sweep's. */
const SWEEP_SETTLE_MS = 10000
const ROW_MESSAGE = /^row (\d+): (.*)$/

const heldOf = (r: InRecord, level: ItemSiteLevel | null): Held =>
  ({ at: { partition: r.partition, offset: BigInt(r.offset), timestamp: r.timestamp }, level })

/** Every level of the topic into the table; resolves once it holds the end the topic had. */
async function loadTable (
  kit: Kit, topic: string, group: string, levels: Serde<ItemSiteLevel>
): Promise<SiteTable> {
  const table = new SiteTable()
  const stop = await tableFeed({
    kafka: kit.kafka, topic, group: `${group}-sites`, follow: true,
    onCrash: (err) => { void kit.lifecycle.stop(1, `site table: ${err.message}`) },
    each: async (r) => {
      const key = r.key?.toString()
      if (key === undefined) return
      try {
        table.apply(key, heldOf(r, r.value === null ? null : await levels.decode(r.value)))
      } catch (err) {
        // The consumer loop dead-letters it; what the table held stays what Clarity was last given.
        if (classify(err).kind !== 'poison') throw err
      }
    }
  })
  kit.lifecycle.onStop('site table', stop)
  kit.logger.info({ levels: table.size() }, 'site table loaded')
  return table
}

/** Pushes the rows, at most MAX_ROWS a call; answers the records whose rows Clarity refused. */
async function pushRows (
  clarity: ClarityClient, logger: Logger, push: Array<{ record: InRecord, row: StockRow }>
): Promise<{ rejected: NonNullable<BatchResult['rejected']>, refused: number }> {
  const rejected: NonNullable<BatchResult['rejected']> = []
  // One dead letter per record, though several of its rows (other sites) may be refused.
  const dead = new Set<InRecord>()
  let refused = 0
  for (let from = 0; from < push.length; from += MAX_ROWS) {
    const part = push.slice(from, from + MAX_ROWS)
    const answer = await clarity.updateStock(part.map((p) => p.row))
      .catch((err: unknown) => rejectedAsPoison(err, 'UpdateMany'))
    const rows = new Set<number>()
    for (const m of answer.Messages ?? []) {
      const hit = ROW_MESSAGE.exec(m)
      const p = hit === null ? undefined : part[Number(hit[1])]
      if (p === undefined) {
        logger.warn({ message: m }, 'Clarity UpdateMany message not tied to a row')
        continue
      }
      rows.add(Number(hit![1]))
      if (dead.has(p.record)) continue
      dead.add(p.record)
      rejected.push({
        record: p.record,
        error: poison('CLARITY_ROW_REFUSED', `${p.row.ProductKey} at ${p.row.LocationKey}: ${hit![2]!}`)
      })
    }
    refused += rows.size
  }
  return { rejected, refused }
}

/**
 * Every published site pushed again from the table, every `everyMs`, one sweep after the
 * other. A sweep that fails (Clarity away) is logged and the next one tries again.
 */
function startSweeps (
  kit: Kit, everyMs: number, sweep: () => StockRow[], clarity: ClarityClient, swept: (n: number) => void
): void {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  let stopped = false
  const once = async (): Promise<void> => {
    const rows = sweep()
    for (let from = 0; from < rows.length; from += MAX_ROWS) {
      if (stopped) return
      const answer = await clarity.updateStock(rows.slice(from, from + MAX_ROWS))
      const refused = answer.Messages?.length ?? 0
      if (refused > 0) kit.logger.warn({ refused }, 'sweep: Clarity refused rows; the loop dead-letters their levels')
      swept(Math.min(MAX_ROWS, rows.length - from))
    }
  }
  const next = (): void => {
    timer = setTimeout(() => {
      running = once().catch((err: Error) => {
        kit.logger.warn({ code: classify(err).code, reason: err.message }, 'sweep not done: the next one tries again')
      }).finally(() => { if (!stopped) next() })
    }, everyMs)
  }
  next()
  kit.lifecycle.onStop('sweeps', async () => { stopped = true; clearTimeout(timer); await running })
}

export async function startClarityInventorySink (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const mapping = loadCatalogueMapping(c.CATALOGUE_MAPPING_FILE)
  const { skus } = loadOrderMapping(c.ORDER_MAPPING_FILE)
  const clarity = clarityClientOf(c)
  const service = services.clarityInventorySink

  return await startService({
    service, config: c, exit,
    batchSize: Math.min(MAX_ROWS, c.INVENTORY_BATCH_SIZE),
    batchHandler: async (kit) => {
      const levels = await kit.serde<ItemSiteLevel>(topics.inventoryChanges)
      const rows = new Counter({
        name: 'bridge_inventory_rows_total',
        help: 'Stock rows by outcome: pushed, coalesced (a newer one followed), unpublished (site not mapped), ' +
          'reasserted (another site of an item that changed, from the table), swept (every site, from the table)',
        labelNames: ['outcome'],
        registers: [kit.metrics.registry]
      })
      const table = await loadTable(kit, topics.inventoryChanges.name, service.name, levels)
      if (c.INVENTORY_SWEEP_MS > 0) {
        startSweeps(kit, c.INVENTORY_SWEEP_MS, () => sweepRows(mapping, skus, table, Date.now(), SWEEP_SETTLE_MS),
          clarity, (n) => { rows.inc({ outcome: 'swept' }, n) })
      }
      return async (records: InRecord[]): Promise<BatchResult> => {
        const rejected: NonNullable<BatchResult['rejected']> = []
        const entries: Array<ChunkEntry<InRecord>> = []
        for (const record of records) {
          try {
            const entry = {
              ref: record,
              key: record.key?.toString() ?? '',
              level: record.value === null ? null : await levels.decode(record.value)
            }
            const held = heldOf(record, entry.level)
            // The table may not have read this far yet; the chunk's levels are then the newest it knows.
            table.apply(entry.key, held)
            entries.push({ ...entry, at: held.at })
          } catch (err) {
            const e = classify(err)
            if (e.kind !== 'poison') throw err
            rejected.push({ record, error: e })
          }
        }
        const plan = planChunk(mapping, skus, entries, table)
        rows.inc({ outcome: 'coalesced' }, plan.coalesced)
        rows.inc({ outcome: 'unpublished' }, plan.unpublished)
        rows.inc({ outcome: 'reasserted' }, plan.reasserted)
        for (const r of plan.rejected) rejected.push({ record: r.ref, error: r.error })
        const push = plan.push.map((p) => ({ record: p.ref, row: p.row }))
        if (push.length === 0) return { rejected }
        const answer = await pushRows(clarity, kit.logger, push)
        rows.inc({ outcome: 'pushed' }, push.length - answer.refused)
        return { rejected: [...rejected, ...answer.rejected] }
      }
    }
  })
}
