// inventory.changes → Clarity UpdateMany, up to 500 rows a call. Within one chunk of a
// partition, several changes of one item site collapse to the latest: the store only
// needs the newest level, and chunks of one partition go strictly in offset order, so
// one key's updates are never reordered. Throttling and outages back off and pause the
// loop (nothing is dead-lettered); a level that breaks a rule, or a row Clarity refuses,
// is dead-lettered with the reason while the rest of the chunk is pushed.
import { Counter } from 'prom-client'
import { loadCatalogueMapping } from '../../../domain/catalogue-mapping.ts'
import { clarityClientOf } from '../../../lib/clients/clarity.ts'
import { rejectedAsPoison } from '../../../lib/clients/http.ts'
import type { BatchResult } from '../../../lib/consumer-loop.ts'
import { classify, poison } from '../../../lib/errors.ts'
import type { InRecord } from '../../../lib/kafka.ts'
import { loadOrderMapping } from '../../../domain/mapping.ts'
import type { ItemSiteLevel } from '../../../domain/records.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { planChunk, type ChunkEntry } from './transform.ts'

const MAX_ROWS = 500
const ROW_MESSAGE = /^row (\d+): (.*)$/

export async function startClarityInventorySink (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const mapping = loadCatalogueMapping(c.CATALOGUE_MAPPING_FILE)
  const { skus } = loadOrderMapping(c.ORDER_MAPPING_FILE)
  const clarity = clarityClientOf(c)

  return await startService({
    service: services.clarityInventorySink, config: c, exit,
    batchSize: Math.min(MAX_ROWS, c.INVENTORY_BATCH_SIZE),
    batchHandler: async (kit) => {
      const levels = await kit.serde<ItemSiteLevel>(topics.inventoryChanges)
      const rows = new Counter({
        name: 'bridge_inventory_rows_total',
        help: 'Stock rows by outcome: pushed, coalesced (a newer one followed), unpublished (site not mapped)',
        labelNames: ['outcome'],
        registers: [kit.metrics.registry]
      })
      return async (records: InRecord[]): Promise<BatchResult> => {
        const rejected: NonNullable<BatchResult['rejected']> = []
        const entries: Array<ChunkEntry<InRecord>> = []
        for (const record of records) {
          try {
            entries.push({
              ref: record,
              key: record.key?.toString() ?? '',
              level: record.value === null ? null : await levels.decode(record.value)
            })
          } catch (err) {
            const e = classify(err)
            if (e.kind !== 'poison') throw err
            rejected.push({ record, error: e })
          }
        }
        const plan = planChunk(mapping, skus, entries)
        rows.inc({ outcome: 'coalesced' }, plan.coalesced)
        rows.inc({ outcome: 'unpublished' }, plan.unpublished)
        for (const r of plan.rejected) rejected.push({ record: r.ref, error: r.error })
        const push = plan.push.map((p) => ({ record: p.ref, row: p.row }))
        if (push.length === 0) return { rejected }
        const answer = await clarity.updateStock(push.map((p) => p.row))
          .catch((err: unknown) => rejectedAsPoison(err, 'UpdateMany'))
        const refused = new Set<number>()
        for (const m of answer.Messages ?? []) {
          const hit = ROW_MESSAGE.exec(m)
          const p = hit === null ? undefined : push[Number(hit[1])]
          if (p === undefined) {
            kit.logger.warn({ message: m }, 'Clarity UpdateMany message not tied to a row')
            continue
          }
          refused.add(Number(hit![1]))
          rejected.push({
            record: p.record,
            error: poison('CLARITY_ROW_REFUSED', `${p.row.ProductKey} at ${p.row.LocationKey}: ${hit![2]!}`)
          })
        }
        rows.inc({ outcome: 'pushed' }, push.length - refused.size)
        return { rejected }
      }
    }
  })
}
