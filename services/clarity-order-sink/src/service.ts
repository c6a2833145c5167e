// orders.status and shipments.changes → Clarity: Confirm with SL's order number,
// Hold with the reason, Ship with tracking (idempotent on ShipmentKey = ShipperID),
// Void on cancellation. Everything here may be delivered twice; every call is safe twice.
import { ClarityRejected, clarityClientOf } from '../../../lib/clients/clarity.ts'
import { poison } from '../../../lib/errors.ts'
import { clarityIdOf, loadOrderMapping, skuOf } from '../../../domain/mapping.ts'
import type { OrderStatus, Shipment } from '../../../domain/records.ts'
import { RECEIVER_TYPE } from '../../../domain/returns.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'

const PAST_CONFIRMED = ['Confirmed', 'Processing', 'Shipped', 'Completed']

export async function startClarityOrderSink (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const mapping = loadOrderMapping(c.ORDER_MAPPING_FILE)
  const clarity = clarityClientOf(c)

  const orderId = (custOrdNbr: string): number => {
    const id = clarityIdOf(mapping, custOrdNbr)
    if (id === undefined) {
      throw poison('NOT_OUR_ORDER',
        `CustOrdNbr "${custOrdNbr}" is not made by this mapping (${mapping.order.customerOrderNumber})`)
    }
    return id
  }
  const refused = async (err: unknown, id: number, what: string, fine: (status: string) => boolean): Promise<void> => {
    if (!(err instanceof ClarityRejected)) throw err
    // A refusal can mean the order already moved on (a redelivery, or SL was quicker): look before calling it poison.
    const current = await clarity.order(id).catch(() => undefined)
    if (current !== undefined && fine(String(current.StatusKey))) return
    throw poison(`CLARITY_${err.status}`, `${what} order ${id}: ${err.message}`)
  }

  return await startService({
    service: services.clarityOrderSink, config: c, exit, keyConcurrency: c.CLARITY_IN_FLIGHT,
    handler: async (kit) => {
      const statuses = await kit.serde<OrderStatus>(topics.ordersStatus)
      const shipments = await kit.serde<Shipment>(topics.shipmentsChanges)
      return async (rec) => {
        if (rec.value === null) throw poison('INVALID_RECORD', `a tombstone on ${rec.topic}`)
        if (rec.topic === topics.ordersStatus.name) {
          const s = await statuses.decode(rec.value)
          const id = orderId(s.CustOrdNbr)
          if (s.status === 'CREATED') {
            await clarity.confirm(id, s.OrdNbr ?? '')
              .catch((e) => refused(e, id, 'confirm', (st) => PAST_CONFIRMED.includes(st)))
          }
          if (s.status === 'HELD') {
            await clarity.hold(id, s.reason ?? 'held by the bridge')
              .catch((e) => refused(e, id, 'hold', (st) => st === 'On Hold'))
          }
          if (s.status === 'CANCELLED') {
            await clarity.void(id).catch((e) => refused(e, id, 'void', (st) => st === 'Void'))
          }
          return []
        }
        const sh = await shipments.decode(rec.value)
        // Only a confirmed shipper has left the warehouse with a tracking number; a receiver of
        // returned goods is sl-return-sink's.
        if (!sh.ShippingConfirmed || sh.Cancelled || sh.SOTypeID === RECEIVER_TYPE) return []
        const id = orderId(sh.CustOrdNbr)
        await clarity.ship(id, {
          ShipmentKey: sh.ShipperID,
          TrackingNumber: sh.TrackingNbr,
          Carrier: sh.ShipViaID,
          ShipDate: new Date(sh.ShipDateAct ?? Date.now()).toISOString(),
          Items: sh.Lines.map((l) => ({ Sku: skuOf(mapping, l.InvtID), Quantity: Number(l.QtyShip) }))
        }).catch((e) => refused(e, id, 'ship', (st) => st === 'Shipped' || st === 'Completed'))
        return []
      }
    }
  })
}
