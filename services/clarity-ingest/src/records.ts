// An order's, an account's, a payment's, a payout's or a return's state as orders.raw, customers.raw,
// payments.raw, payouts.raw and returns.raw take it, whichever way it came in. Keys: the Clarity order ID (a payment's
// too) and account ID, so one entity's states stay in order downstream. A time later than
// now (a wrong clock, a bad row) does not become an account's newest state: it would
// outrank every genuine change until then.
import type { OutRecord } from '../../../lib/kafka.ts'
import type { Logger } from '../../../lib/logger.ts'
import type { Serde } from '../../../lib/registry.ts'
import { toAccountRecord, toOrderRecord, toPaymentRecord, toPayoutRecord, toReturnRecord } from './transform.ts'

/** How far Clarity's clock may run ahead of ours before a time counts as from the future. */
export const CLOCK_SKEW_MS = 60000

/** The event a state was taken for: a webhook's, or a poller's `poll:<ID>:<millis>`. */
export interface TakenFor { id: string, type: string, source: 'WEBHOOK' | 'POLL' }

export interface RecordsOptions {
  topics: { orders: string, customers: string, payments: string, payouts: string, returns: string }
  orders: Pick<Serde<Record<string, unknown>>, 'encode'>
  accounts: Pick<Serde<Record<string, unknown>>, 'encode'>
  payments: Pick<Serde<Record<string, unknown>>, 'encode'>
  payouts: Pick<Serde<Record<string, unknown>>, 'encode'>
  returns: Pick<Serde<Record<string, unknown>>, 'encode'>
  logger: Logger
}

export type IngestRecords = ReturnType<typeof ingestRecords>

export function ingestRecords (o: RecordsOptions) {
  // The newest UpdatedDate taken per account: an older state arriving late is not news.
  const accountSeen = new Map<number, number>()
  return {
    topics: o.topics,
    /** Throws poison for what is not Clarity's SalesOrder. */
    order (ev: TakenFor, row: unknown): OutRecord[] {
      const order = toOrderRecord(row)
      const value = o.orders.encode({
        eventId: ev.id, eventType: ev.type, source: ev.source, receivedAt: Date.now(), order
      })
      return [{ topic: o.topics.orders, key: String(order.ID), value, headers: { 'clarity.event.id': ev.id } }]
    },
    /** Keyed by its order, whose payments it joins; throws poison for what is not Clarity's Payment. */
    payment (ev: TakenFor, row: unknown): OutRecord[] {
      const payment = toPaymentRecord(row)
      const value = o.payments.encode({
        eventId: ev.id, eventType: ev.type, source: ev.source, receivedAt: Date.now(), payment
      })
      const key = String(payment.SalesOrderID)
      return [{ topic: o.topics.payments, key, value, headers: { 'clarity.event.id': ev.id } }]
    },
    /** Keyed by its ID; throws poison for what is not Clarity's Payout. */
    payout (ev: TakenFor, row: unknown): OutRecord[] {
      const payout = toPayoutRecord(row)
      const value = o.payouts.encode({
        eventId: ev.id, eventType: ev.type, source: ev.source, receivedAt: Date.now(), payout
      })
      return [{ topic: o.topics.payouts, key: String(payout.ID), value, headers: { 'clarity.event.id': ev.id } }]
    },
    /** Keyed by its ID; throws poison for what is not Clarity's SalesReturn. */
    salesReturn (ev: TakenFor, row: unknown): OutRecord[] {
      const salesReturn = toReturnRecord(row)
      const value = o.returns.encode({
        eventId: ev.id, eventType: ev.type, source: ev.source, receivedAt: Date.now(), salesReturn
      })
      return [{ topic: o.topics.returns, key: String(salesReturn.ID), value, headers: { 'clarity.event.id': ev.id } }]
    },
    /** None for a state older than one already taken; throws poison for what is not Clarity's Account. */
    account (ev: TakenFor, row: unknown): OutRecord[] {
      const now = Date.now()
      let account = toAccountRecord(row)
      if (account.UpdatedDate > now + CLOCK_SKEW_MS) {
        // Here it would outrank every later state of the account; downstream, every change in SL.
        o.logger.warn({ eventId: ev.id, account: account.ID, code: 'UPDATED_IN_FUTURE' },
          'account.UpdatedDate is later than now: taken as now')
        account = { ...account, UpdatedDate: now }
      }
      if ((accountSeen.get(account.ID) ?? -1) > account.UpdatedDate) return []
      accountSeen.set(account.ID, account.UpdatedDate)
      const value = o.accounts.encode({
        eventId: ev.id, eventType: ev.type, source: ev.source, receivedAt: now, account
      })
      return [{ topic: o.topics.customers, key: String(account.ID), value, headers: { 'clarity.event.id': ev.id } }]
    }
  }
}
