// A rolling upgrade in the middle of the order flow: a newer clarity-ingest, whose
// orders.raw schema has an extra optional field, takes the webhooks while the mapper
// and the sink still run the version before. Every order reaches SL once; nothing is
// dead-lettered.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Running } from '../../lib/service.ts'
import { SCHEMA_DIR } from '../../lib/serdes.ts'
import { startClarityIngest, type IngestRunning } from '../../services/clarity-ingest/src/service.ts'
import { clarityOrder, place, shopper, slOrders, startFlow, stock, type Flow } from '../orders-harness.ts'
import { env, readRecords, recordCount, useBroker, waitFor } from '../helpers.ts'

const b = useBroker()
const noExit = (() => undefined) as never
let f: Flow
let newer: Running | undefined
let dir: string

interface Field { name: string, type: unknown, default?: unknown, doc?: string }
interface RecordSchema { fields: Field[] }

beforeAll(async () => {
  f = await startFlow({ ...env(), logLevel: process.env.TEST_LOG_LEVEL })
  for (const sku of ['WIDGET-RED-L', 'WIDGET-BLUE-M']) stock(f, sku)
  // The next version's schemas: orders.raw gains an optional field at the top and one in the order.
  dir = mkdtempSync(join(tmpdir(), 'bridge-schemas-'))
  cpSync(SCHEMA_DIR, dir, { recursive: true })
  const file = join(dir, 'orders.raw.avsc')
  const schema = JSON.parse(readFileSync(file, 'utf8')) as RecordSchema
  schema.fields.push({ name: 'ingestVersion', type: ['null', 'string'], default: null, doc: 'the version of clarity-ingest that wrote the record' })
  const order = schema.fields.find((x) => x.name === 'order')!.type as RecordSchema
  order.fields.push({ name: 'GiftMessage', type: ['null', 'string'], default: null, doc: 'a newer field of the order' })
  writeFileSync(file, JSON.stringify(schema))
})
afterAll(async () => {
  await newer?.stop()
  await f.stop()
  rmSync(dir, { recursive: true, force: true })
})

const t = (name: string): string => `${f.prefix}${name}`
const webhooksTo = async (url: string): Promise<void> => {
  await f.clarity.app.inject({ method: 'PUT', url: '/sandbox/webhooks', payload: { urls: [`${url}/webhooks/clarity`] } })
}
const confirmed = (id: number) => waitFor(`order ${id} confirmed in Clarity`, () => ['Confirmed', 'Processing', 'Shipped', 'Completed'].includes(clarityOrder(f, id).StatusKey), 60000)
const writerId = (value: Buffer | null): number => value!.readUInt32BE(1)

it('orders written by the newer ingest and by the older one both reach SL exactly once, with nothing dead-lettered', async () => {
  const before = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }]))
  await confirmed(before)

  newer = await startClarityIngest({ ...f.common, SCHEMA_DIR: dir } as never, noExit)
  await webhooksTo(`http://127.0.0.1:${(newer as IngestRunning).webhookPort}`)
  const during = [
    await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 2 }])),
    await place(f, shopper([{ sku: 'WIDGET-BLUE-M', quantity: 1 }], { coupon: 'WELCOME10' })),
    await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }, { sku: 'WIDGET-BLUE-M', quantity: 3 }]))
  ]
  for (const id of during) await confirmed(id)

  // And back: the newer ingest stopped (a rollback), the older one takes the webhooks again.
  await newer.stop()
  newer = undefined
  await webhooksTo(f.ingestUrl)
  const after = await place(f, shopper([{ sku: 'WIDGET-BLUE-M', quantity: 2 }]))
  await confirmed(after)

  for (const id of [before, ...during, after]) {
    const orders = slOrders(f, String(id))
    expect(orders, `order ${id} in SL`).toHaveLength(1)
    expect(orders[0]!.CuryTotOrd).toBe(clarityOrder(f, id).Totals.Total)
  }
  // Each order's first record came from the ingest that took its order.created.
  const raw = await readRecords(b.kafka, t('orders.raw'), await recordCount(b.admin, t('orders.raw')))
  const firstWriter = new Map<number, number>()
  for (const r of raw) {
    const id = Number(r.key!.toString())
    if (!firstWriter.has(id)) firstWriter.set(id, writerId(r.value))
  }
  const oldId = firstWriter.get(before)!
  for (const id of during) expect(firstWriter.get(id), `writer schema of order ${id}`).not.toBe(oldId)
  expect(firstWriter.get(after)).toBe(oldId)
  for (const dlq of ['orders.raw.dlq', 'orders.mapped.dlq', 'orders.status.dlq']) expect(await recordCount(b.admin, t(dlq)), dlq).toBe(0)
})
