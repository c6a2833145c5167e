// orders.mapped → Dynamics SL sales orders, exactly one per Clarity order: the order
// is looked up by CustOrdNbr before it is created, so a crash or a timeout between
// SL's answer and the offset commit never makes a second one (SL does not enforce
// CustOrdNbr uniqueness; we do). An order of a customer SL does not know yet (a new
// account the customer sync is still creating) waits for it, on its own partition,
// before it is held. Emits orders.status.
import { deadLettered } from '../../../lib/consumer-loop.ts'
import { poison, retriable } from '../../../lib/errors.ts'
import { slClientOf, SlRejected, type SlRow } from '../../../lib/clients/sl.ts'
import type { OutRecord } from '../../../lib/kafka.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import type { MappedOrder, OrderStatus } from '../../../domain/records.ts'
import { refusal, slOrderBody } from './transform.ts'

export async function startSlOrderSink (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const sl = slClientOf(c)
  return await startService({
    service: services.slOrderSink, config: c, exit, keyConcurrency: c.SL_IN_FLIGHT,
    handler: async (kit) => {
      const input = await kit.serde<MappedOrder>(topics.ordersMapped)
      const output = await kit.serde<OrderStatus>(topics.ordersStatus)
      const status = (
        m: MappedOrder, s: OrderStatus['status'], OrdNbr: string | null, reason: string | null
      ): OutRecord => ({
        topic: topics.ordersStatus.name,
        key: String(m.clarityOrderId),
        value: output.encode({
          clarityOrderId: m.clarityOrderId, CustOrdNbr: m.CustOrdNbr, status: s, OrdNbr, reason, at: Date.now()
        })
      })
      const live = (rows: SlRow[]): SlRow | undefined => rows.find((o) => o.Cancelled !== 1)
      // CustID → when an order first found that customer missing: its orders share one
      // deadline, so a customer that never comes holds each later order at once, not after a wait.
      const missingSince = new Map<string, number>()
      const customerMissing = async (err: SlRejected, m: MappedOrder): Promise<boolean> =>
        err.status === 422 && err.violations.some((v) => v.key === 'CustID') &&
        await sl.customer(m.CustID).then(() => false, (e: unknown) => e instanceof SlRejected && e.status === 404)

      return async (rec) => {
        if (rec.value === null) throw poison('INVALID_RECORD', 'a tombstone on orders.mapped')
        const m = await input.decode(rec.value)
        if (m.holdReason !== null) return [status(m, 'HELD', null, m.holdReason)]
        try {
          const existing = live(await sl.findOrders(m.CustOrdNbr))
          if (m.cancelled) {
            if (existing === undefined) return [status(m, 'CANCELLED', null, 'cancelled before it reached SL')]
            await sl.updateOrder(String(existing.OrdNbr), { Cancelled: 1 })
            return [status(m, 'CANCELLED', String(existing.OrdNbr), null)]
          }
          if (existing !== undefined) {
            kit.logger.debug({ custOrdNbr: m.CustOrdNbr, ordNbr: existing.OrdNbr }, 'already in SL')
            return [status(m, 'CREATED', String(existing.OrdNbr), null)]
          }
          const created = await sl.createOrder(slOrderBody(m))
          missingSince.delete(m.CustID)
          return [status(m, 'CREATED', String(created.OrdNbr), null)]
        } catch (err) {
          if (!(err instanceof SlRejected)) throw err
          let reason = refusal(m, err.message)
          if (await customerMissing(err, m)) {
            const since = missingSince.get(m.CustID) ?? Date.now()
            missingSince.set(m.CustID, since)
            if (Date.now() - since < c.CUSTOMER_WAIT_MS) {
              throw retriable('CUSTOMER_PENDING', `order ${m.CustOrdNbr} waits for customer ${m.CustID} to reach SL`,
                { local: true, retryAfterMs: 500 })
            }
            const waited = Math.round((Date.now() - since) / 1000)
            reason = `customer ${m.CustID} is not in SL, ${waited} s after an order first waited for it; ${reason}`
          }
          // SL refused this order for its own data: keep it (dead letter) and hold it in Clarity with SL's words.
          const by = { service: services.slOrderSink.name, logger: kit.logger, metrics: kit.metrics }
          return [
            status(m, 'HELD', null, reason),
            deadLettered(rec, poison(`SL_${err.status}`, reason), by, 'SL refused the order',
              { custOrdNbr: m.CustOrdNbr })
          ]
        }
      }
    }
  })
}
