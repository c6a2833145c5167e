// SL shippers → shipments.changes, read from SL's tstamp change feed (lib/feed-source).
// Downstream Ship is idempotent on ShipperID, so the re-read after a crash is harmless.
import { slClientOf } from '../../../lib/clients/sl.ts'
import { startFeedService } from '../../../lib/feed-service.ts'
import type { Shipment } from '../../../domain/records.ts'
import type { Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { toShipment } from './transform.ts'

export async function startSlShipperSource (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const sl = slClientOf(c)
  return await startFeedService<Shipment>({
    service: services.slShipperSource, config: c, exit, cursor: 'sl-shipper-source.shippers', cursors: topics.cursors,
    topic: topics.shipmentsChanges, intervalMs: c.SL_POLL_INTERVAL_MS, read: sl.shippers, slStatus: sl.status,
    toRecord: (row) => {
      const s = toShipment(row)
      return { key: s.CustOrdNbr, value: s, headers: { 'sl.shipper': s.ShipperID } }
    }
  })
}
