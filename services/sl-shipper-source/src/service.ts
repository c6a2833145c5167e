// SL shippers → shipments.changes, read from SL's tstamp change feed. The cursor
// (the last tstamp read) is written to bridge.cursors after the shipments it covers,
// so a crash re-reads a little, never skips; downstream Ship is idempotent on ShipperID.
import { deadLetter } from '../../../lib/consumer-loop.ts'
import { createSlClient } from '../../../lib/clients/sl.ts'
import { cursorRecord, readCursor, type Cursor } from '../../../lib/cursor.ts'
import { classify } from '../../../lib/errors.ts'
import type { OutRecord } from '../../../lib/kafka.ts'
import { startPoller } from '../../../lib/poller.ts'
import type { Shipment } from '../../../lib/records.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { toShipment } from './transform.ts'

const CURSOR = 'sl-shipper-source.shippers'
const PAGE = 500

export async function startSlShipperSource (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const sl = createSlClient({ baseUrl: c.SL_BASE_URL ?? 'http://127.0.0.1:7301', user: c.SL_API_USER, password: c.SL_API_PASSWORD, cpnyId: c.SL_CPNY_ID })
  const running = await startService({ service: services.slShipperSource, config: c, exit, inputs: [] })
  const { kit } = running
  const shipments = await kit.serde<Shipment>(topics.shipmentsChanges)
  const cursors = await kit.serde<Cursor>(topics.cursors)
  let since = Number(await readCursor(kit.kafka, topics.cursors.name, cursors, CURSOR) ?? 0)
  const poller = startPoller({
    name: 'sl-shippers', intervalMs: c.SL_POLL_INTERVAL_MS, logger: kit.logger, metrics: kit.metrics,
    onFatal: (reason) => { void kit.lifecycle.stop(1, reason) },
    poll: async () => {
      const page = await sl.shippers(since, PAGE)
      if (page.Items.length === 0) return false
      const out: OutRecord[] = page.Items.map((row) => {
        try {
          const s = toShipment(row)
          return { topic: topics.shipmentsChanges.name, key: s.CustOrdNbr, value: shipments.encode(s), headers: { 'sl.shipper': s.ShipperID } }
        } catch (err) {
          const e = classify(err)
          if (e.kind !== 'poison') throw err
          kit.metrics.deadLettered.inc({ topic: topics.shipmentsChanges.name, code: e.code })
          return deadLetter({ topic: topics.shipmentsChanges.name, partition: -1, offset: '-1', key: null, value: Buffer.from(JSON.stringify(row)), headers: {}, timestamp: Date.now() }, services.slShipperSource.name, e, Date.now())
        }
      })
      out.push(cursorRecord(topics.cursors.name, cursors, CURSOR, String(page.NextTstamp)))
      await kit.producer.send(out)
      since = page.NextTstamp
      return page.Items.length === PAGE
    }
  })
  kit.lifecycle.onStop('poller', poller.stop)
  return running
}
