// returns.raw and shipments.changes → SL and back to Clarity. An approved return becomes one
// RMA (transform.ts), looked up by its CustOrdNbr before it is created, so a create whose
// answer was lost, or a return that comes twice (a webhook and the poller), is made once;
// Clarity is then told the RMA number. When SL receives the goods, its receiver on the
// shipper feed marks the Clarity return Received (SL's stock, and so Clarity's, rises through
// the inventory flow). When Clarity has refunded the card, one AR refund settles the RMA's
// credit memo, looked up by its ExtRefNbr first; until SL has invoiced the receipt into that
// memo, the return waits (this record only). SL's refusals become dead letters that say why.
import { Counter } from 'prom-client'
import { ClarityRejected, clarityClientOf } from '../../../lib/clients/clarity.ts'
import { rejectedAsPoison } from '../../../lib/clients/http.ts'
import { slClientOf, SlRejected, type SlRow } from '../../../lib/clients/sl.ts'
import { custOrdNbrOf, loadOrderMapping } from '../../../domain/mapping.ts'
import type { ClaritySalesReturn, ReturnEvent, Shipment } from '../../../domain/records.ts'
import { loadReturnMapping, refundExtRefOf, returnIdOf, rmaCustOrdNbrOf } from '../../../domain/returns.ts'
import { poison, retriable } from '../../../lib/errors.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { refundOf, rmaOf, stepOf } from './transform.ts'

const refused = (what: string) => (err: unknown): never => rejectedAsPoison(err, what)
const trim = (v: unknown): string => typeof v === 'string' ? v.trim() : ''
const isQtyRefused = (err: unknown): boolean => err instanceof SlRejected && err.status === 422 &&
  err.violations.some((v) => /^Lines\[\d+\]\.QtyOrd$/.test(v.key))

export async function startSlReturnSink (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const orders = loadOrderMapping(c.ORDER_MAPPING_FILE)
  const mapping = loadReturnMapping(c.RETURN_MAPPING_FILE, orders)
  const sl = slClientOf(c)
  const clarity = clarityClientOf(c)

  const live = (found: SlRow[]): SlRow | undefined => found.find((o) => Number(o.Cancelled) !== 1)

  /** The return's RMA in SL, made now if SL has none: its OrdNbr. */
  async function authorised (r: ClaritySalesReturn, made: Counter<'outcome'>): Promise<string> {
    const custOrdNbr = rmaCustOrdNbrOf(mapping, r.ID)
    const existing = live(await sl.findOrders(custOrdNbr).catch(refused(`find RMA ${custOrdNbr} in SL`)))
    if (existing !== undefined) { made.inc({ outcome: 'exists' }); return trim(existing.OrdNbr) }
    const origNbr = custOrdNbrOf(orders, r.SalesOrderID)
    const found = live(await sl.findOrders(origNbr).catch(refused(`find SL order ${origNbr}`)))
    if (found === undefined) {
      throw poison('RETURN_ORDER_UNKNOWN', `return ${r.ID}: SL has no live sales order ${origNbr} ` +
        `(Clarity order ${r.SalesOrderID}) to return goods of`)
    }
    const original = await sl.order(trim(found.OrdNbr)).catch(refused(`read SL order ${trim(found.OrdNbr)}`))
    const rma = await sl.createOrder(rmaOf(r, original, mapping, orders)).catch((err: unknown) => {
      if (isQtyRefused(err)) {
        throw poison('RETURN_EXCEEDS_SHIPPED', `return ${r.ID} returns more than SL shipped on ` +
          `${trim(found.OrdNbr)}, ` +
          `counting earlier returns (${(err as Error).message}); the Clarity return stays unconfirmed`, err)
      }
      return refused(`create the RMA of return ${r.ID} in SL`)(err)
    })
    made.inc({ outcome: 'created' })
    return trim(rma.OrdNbr)
  }

  /** The refund of a refunded return, once: after its RMA's credit memo exists. */
  async function refund (r: ClaritySalesReturn, rmaNbr: string, made: Counter<'outcome'>): Promise<void> {
    const ext = refundExtRefOf(r)
    const docs = await sl.documentsByExtRef(ext).catch(refused(`find the refund of return ${r.ID} in SL`))
    if (docs.some((d) => trim(d.DocType) === 'RF')) { made.inc({ outcome: 'exists' }); return }
    const rma = await sl.order(rmaNbr).catch(refused(`read RMA ${rmaNbr}`))
    const memoNbr = trim(rma.InvcNbr)
    if (memoNbr === '') {
      throw retriable('CREDIT_PENDING', `return ${r.ID} is refunded; SL has not yet invoiced RMA ${rmaNbr}'s ` +
        'receipt into a credit memo', { local: true })
    }
    const custId = trim(rma.CustID)
    const open = await sl.openDocuments(custId).catch(refused(`list the open documents of ${custId}`))
    const memo = open.find((d) => trim(d.DocType) === 'CM' && trim(d.RefNbr) === memoNbr)
    if (memo === undefined) {
      throw poison('REFUND_EXCEEDS_CREDIT', `return ${r.ID} is refunded and SL credit memo ${memoNbr} of RMA ` +
        `${rmaNbr} has nothing open: it was settled otherwise, so a person must decide`)
    }
    await sl.createRefund(refundOf(r, memo, mapping)).catch((err: unknown) => {
      if (err instanceof SlRejected && err.status === 422 && err.violations.some((v) => v.key.startsWith('ApplyTo'))) {
        throw poison('REFUND_EXCEEDS_CREDIT', `return ${r.ID}: SL refused the refund against credit memo ${memoNbr} ` +
          `(${err.message})`, err)
      }
      return refused(`create the refund of return ${r.ID} in SL`)(err)
    })
    made.inc({ outcome: 'created' })
  }

  /** Tells Clarity, which answers a repeat as done; any refusal is a return that moved on elsewhere. */
  async function tell (id: number, what: 'confirm' | 'receive', rmaNbr: string): Promise<void> {
    const call = what === 'confirm' ? clarity.confirmReturn : clarity.receiveReturn
    await call(id, rmaNbr).catch((err: unknown) => {
      if (!(err instanceof ClarityRejected)) throw err
      throw poison(`CLARITY_${err.status}`, `${what} return ${id} with RMA ${rmaNbr}: ${err.message}`, err)
    })
  }

  return await startService({
    service: services.slReturnSink, config: c, exit,
    handler: async (kit) => {
      const returns = await kit.serde<ReturnEvent>(topics.returnsRaw)
      const shipments = await kit.serde<Shipment>(topics.shipmentsChanges)
      const metric = (name: string, help: string): Counter<'outcome'> => new Counter({
        name, help, labelNames: ['outcome'], registers: [kit.metrics.registry]
      })
      const rmas = metric('bridge_return_rmas_total', 'RMAs per return state taken: created, exists (SL had it)')
      const refunds = metric('bridge_return_refunds_total', 'AR refunds per refunded return: created, exists')
      const receipts = metric('bridge_return_receipts_total', 'Receipts of returned goods told to Clarity: received')

      return async (rec) => {
        if (rec.value === null) throw poison('INVALID_RECORD', `a tombstone on ${rec.topic}`)
        if (rec.topic === topics.returnsRaw.name) {
          const { salesReturn: r } = await returns.decode(rec.value)
          const step = stepOf(r)
          if (step === 'nothing') return []
          const rmaNbr = await authorised(r, rmas)
          if (r.StatusKey === 'Approved' && trim(r.ErpReference) !== rmaNbr) {
            await tell(r.ID, 'confirm', rmaNbr)
          }
          if (step === 'refund') await refund(r, rmaNbr, refunds)
          return []
        }
        const sh = await shipments.decode(rec.value)
        if (sh.SOTypeID !== mapping.rma.type || !sh.ShippingConfirmed || sh.Cancelled) return []
        const id = returnIdOf(mapping, sh.CustOrdNbr)
        // An RMA the bridge did not make has no Clarity return.
        if (id === undefined) return []
        await tell(id, 'receive', trim(sh.OrdNbr))
        receipts.inc({ outcome: 'received' })
        kit.logger.info({ salesReturn: id, rma: trim(sh.OrdNbr), receiver: sh.ShipperID }, 'return received in SL')
        return []
      }
    }
  })
}
