// payments.raw, orders.status and shipments.changes → SL's receivables. Whichever of them
// brings an order up, the sink takes the order's captured payments to where SL should have
// them (transform.ts), so events may come late, twice, out of order or on two instances at
// once: a payment that arrives before SL has its order waits for the order's CREATED
// status, which reads the order's payments from Clarity; a prepayment is applied when the
// shipper that invoiced the order comes by. A payment is looked up by its ExtRefNbr before
// it is written, so a write whose answer was lost is not made twice; two writers that both
// miss it ask SL for the same RefNbr, and SL refuses the second.
import { Counter } from 'prom-client'
import { clarityClientOf } from '../../../lib/clients/clarity.ts'
import { rejectedAsPoison } from '../../../lib/clients/http.ts'
import { slClientOf, SlRejected, type SlClient, type SlRow } from '../../../lib/clients/sl.ts'
import { clarityIdOf, custOrdNbrOf, loadOrderMapping } from '../../../domain/mapping.ts'
import { extRefOf, isCaptured } from '../../../domain/payments.ts'
import { RECEIVER_TYPE } from '../../../domain/returns.ts'
import type { ClarityPayment, OrderStatus, PaymentEvent, Shipment } from '../../../domain/records.ts'
import { poison } from '../../../lib/errors.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { docOf, paymentsOfOrder, plan, type Doc } from './transform.ts'

const refused = (what: string) => (err: unknown): never => rejectedAsPoison(err, what)
const refusedOn = (err: unknown, key: (k: string) => boolean): boolean =>
  err instanceof SlRejected && err.status === 422 && err.violations.some((v) => key(v.key))
const isRefNbrTaken = (err: unknown): boolean => refusedOn(err, (k) => k === 'RefNbr')
const isRefused = (err: unknown): boolean => refusedOn(err, () => true)
/** The invoice's balance moved since it was read: another writer applied a payment to it. */
const isApplyRefused = (err: unknown): boolean => refusedOn(err, (k) => k.startsWith('ApplyTo'))

/** Why a payment is planned again: another writer got to SL first. */
type Again = 'RefNbr taken' | 'invoice moved'

/**
 * SL's document for a created payment, or why to plan it again: another writer made it
 * meanwhile (the lookup then finds it), SL gave the RefNbr to another document, or another
 * payment was applied to the invoice. Once only: a second refusal is SL's word.
 */
async function create (sl: SlClient, p: ClarityPayment, body: SlRow, again?: Again): Promise<SlRow | Again> {
  return await sl.createPayment(again === 'RefNbr taken' ? { ...body, RefNbr: undefined } : body)
    .catch((err: unknown) => {
      if (again === undefined && isRefNbrTaken(err)) return 'RefNbr taken'
      if (again === undefined && isApplyRefused(err)) return 'invoice moved'
      return refused(`create payment ${p.ID} in SL`)(err)
    })
}

export async function startSlPaymentSink (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const mapping = loadOrderMapping(c.ORDER_MAPPING_FILE)
  const sl = slClientOf(c)
  const clarity = clarityClientOf(c)

  /** The order's live SL sales order, if SL has it. */
  const slOrder = async (id: number) => {
    const custOrdNbr = custOrdNbrOf(mapping, id)
    const found = await sl.findOrders(custOrdNbr).catch(refused(`find SL order ${custOrdNbr}`))
    return found.find((o) => Number(o.Cancelled) !== 1)
  }

  /**
   * The invoice as SL holds it; one SL no longer lists as open is paid. Read only when SL
   * refused what was planned on the assumption below: the contract lists a customer's open
   * documents, not one invoice, and a busy customer has thousands.
   */
  const invoiceOf = async (custId: string, invcNbr: string): Promise<Doc> => {
    const open = await sl.openDocuments(custId).catch(refused(`list open documents of ${custId}`))
    return open.map(docOf).find((d) => d.RefNbr === invcNbr && d.DocType === 'IN') ??
      { RefNbr: invcNbr, DocType: 'IN', CuryId: '', CuryDocBal: 0 }
  }
  /**
   * An invoice not read: open for all of the payment, in its currency, which is what it is
   * unless a shipment was invoiced in part or another payment paid it. SL refuses more than
   * the open balance, and the refusal reads the invoice.
   */
  const assumed = (invcNbr: string, p: ClarityPayment): Doc =>
    ({ RefNbr: invcNbr, DocType: 'IN', CuryId: p.CurrencyKey.trim(), CuryDocBal: Infinity })
  const documents = async (p: ClarityPayment): Promise<Doc[]> =>
    (await sl.documentsByExtRef(extRefOf(p)).catch(refused(`find payment ${p.ID} in SL`))).map(docOf)

  return await startService({
    service: services.slPaymentSink, config: c, exit, keyConcurrency: c.SL_IN_FLIGHT,
    handler: async (kit) => {
      const payments = await kit.serde<PaymentEvent>(topics.paymentsRaw)
      const statuses = await kit.serde<OrderStatus>(topics.ordersStatus)
      const shipments = await kit.serde<Shipment>(topics.shipmentsChanges)
      const outcomes = new Counter({
        name: 'bridge_payment_outcomes_total',
        help: 'What the sink did per captured payment: created_pa, created_pp, applied, settled, ' +
          'waiting_order (SL has no order yet), waiting_invoice',
        labelNames: ['outcome'],
        registers: [kit.metrics.registry]
      })

      /** One payment brought to its end in SL; the invoice as it is afterwards. */
      async function settleOne (
        p: ClarityPayment, custId: string, invcNbr: string, invoice: Doc | undefined, again?: Again
      ): Promise<Doc | undefined> {
        const known = invoice ?? (invcNbr === '' ? undefined : assumed(invcNbr, p))
        const step = plan(p, custId, await documents(p), known)
        if (step.action === 'none') {
          outcomes.inc({ outcome: step.why === 'settled' ? 'settled' : 'waiting_invoice' })
          return invoice
        }
        const reread = async (): Promise<Doc> => await invoiceOf(custId, invcNbr)
        let applied: number
        if (step.action === 'create') {
          const made = await create(sl, p, step.body, again)
          if (typeof made === 'string') {
            return await settleOne(p, custId, invcNbr, invcNbr === '' ? undefined : await reread(), made)
          }
          const apply = step.body.ApplyTo as Array<{ CuryAdjgAmt: number }>
          applied = apply.reduce((sum, a) => sum + a.CuryAdjgAmt, 0)
          outcomes.inc({ outcome: String(made.DocType).trim() === 'PA' ? 'created_pa' : 'created_pp' })
          kit.logger.debug({ payment: p.ID, refNbr: made.RefNbr, docType: made.DocType }, 'payment created in SL')
        } else {
          const ok = await sl.applyDocument(step.body).then(() => true, (err: unknown) => {
            // More than the invoice's open balance (assumed, or applied meanwhile by another writer).
            if (again === undefined && isRefused(err)) return false
            return refused(`apply payment ${p.ID} to invoice ${invcNbr}`)(err)
          })
          if (!ok) return await settleOne(p, custId, invcNbr, await reread(), 'invoice moved')
          applied = step.body.CuryAdjgAmt as number
          outcomes.inc({ outcome: 'applied' })
        }
        if (invoice === undefined) return invoice
        return { ...invoice, CuryDocBal: Math.round((invoice.CuryDocBal - applied) * 100) / 100 }
      }

      async function settle (id: number, list: ClarityPayment[], invcNbr?: string): Promise<void> {
        const captured = list.filter(isCaptured)
        if (captured.length === 0) return
        const o = await slOrder(id)
        if (o === undefined) {
          // Its CREATED status brings the order's payments back.
          outcomes.inc({ outcome: 'waiting_order' }, captured.length)
          return
        }
        const custId = String(o.CustID).trim()
        const invoice = invcNbr ?? String(o.InvcNbr ?? '').trim()
        // What the payments before it applied, once the invoice was read.
        let read: Doc | undefined
        for (const p of captured) read = await settleOne(p, custId, invoice, read)
      }

      const orderPayments = async (id: number): Promise<ClarityPayment[]> =>
        paymentsOfOrder(await clarity.order(id).catch(refused(`read Clarity order ${id}`)))

      return async (rec) => {
        if (rec.value === null) throw poison('INVALID_RECORD', `a tombstone on ${rec.topic}`)
        if (rec.topic === topics.paymentsRaw.name) {
          const { payment } = await payments.decode(rec.value)
          await settle(payment.SalesOrderID, [payment])
        } else if (rec.topic === topics.ordersStatus.name) {
          const s = await statuses.decode(rec.value)
          if (s.status === 'CREATED') await settle(s.clarityOrderId, await orderPayments(s.clarityOrderId))
        } else {
          const sh = await shipments.decode(rec.value)
          const id = clarityIdOf(mapping, sh.CustOrdNbr)
          const invcNbr = sh.InvcNbr?.trim() ?? ''
          // An order the bridge did not send has no Clarity payments; a return's receiver invoices a credit.
          const ours = id !== undefined && sh.SOTypeID !== RECEIVER_TYPE
          if (ours && invcNbr !== '' && !sh.Cancelled) await settle(id, await orderPayments(id), invcNbr)
        }
        return []
      }
    }
  })
}
