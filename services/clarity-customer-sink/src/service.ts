// customers.changes → Clarity Account Upsert (matched on CustomKey = CustId). It also
// reads customers.raw, the accounts as Clarity last sent them, to know what Clarity
// holds: an SL change that Clarity already shows (typically one that came from Clarity
// in the first place) is not written back, so nothing echoes; when both sides changed,
// the later change wins (the account's UpdatedDate against SL's LUpd_DateTime). With several instances
// each sees only its partitions of customers.raw; the worst case is a write of what
// Clarity already has, which sl-customer-sink then recognises and stops.
import { Counter } from 'prom-client'
import { clarityClientOf } from '../../../lib/clients/clarity.ts'
import { rejectedAsPoison } from '../../../lib/clients/http.ts'
import {
  accountOf, agrees, loadCustomerMapping, sharedOfAccount, type ClarityAccount, type CustomerEvent, type Shared,
  type SlCustomer
} from '../../../domain/customers.ts'
import { withoutPersonal } from '../../../domain/personal.ts'
import { readToEnd } from '../../../lib/cursor.ts'
import { classify } from '../../../lib/errors.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'

export async function startClarityCustomerSink (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const mapping = loadCustomerMapping(c.CUSTOMER_MAPPING_FILE)
  const clarity = clarityClientOf(c)
  // CustomKey → what Clarity holds in the shared fields, and since when, as last seen or written.
  const known = new Map<string, { shared: Shared, at: number }>()
  const shared = (a: ClarityAccount): Shared | undefined => {
    try { return sharedOfAccount(a) } catch (err) { if (classify(err).kind === 'poison') return undefined; throw err }
  }

  const learn = (account: ClarityAccount | undefined): void => {
    if (account === undefined) return
    const key = account.CustomKey?.trim()
    const s = shared(account)
    if (key !== undefined && key !== '' && s !== undefined) known.set(key, { shared: s, at: account.UpdatedDate })
  }

  return await startService({
    service: services.clarityCustomerSink, config: c, exit,
    handler: async (kit) => {
      const accounts = await kit.serde<CustomerEvent>(topics.customersRaw)
      const customers = await kit.serde<SlCustomer>(topics.customersChanges)
      // What Clarity holds, as far as customers.raw tells, before the first SL change is judged:
      // after a restart the group goes on from its offsets, but the table needs all of it.
      await readToEnd(kit.kafka, topics.customersRaw.name, async (r) => {
        // A record that does not decode is the loop's to dead-letter, not the table's.
        if (r.value !== null) learn((await accounts.decode(r.value).catch(() => undefined))?.account)
      })
      const writes = new Counter({
        name: 'bridge_account_writes_total',
        help: 'SL customer changes: upserted to Clarity, or skipped (Clarity has it, or not published)',
        labelNames: ['action'],
        registers: [kit.metrics.registry]
      })
      return async (rec) => {
        if (rec.value === null) return []
        if (rec.topic === topics.customersRaw.name) {
          learn((await accounts.decode(rec.value)).account)
          return []
        }
        const cust = await customers.decode(rec.value)
        if (mapping.notPublished.includes(cust.CustId)) { writes.inc({ action: 'not_published' }); return [] }
        const body = accountOf(cust)
        const after = shared(body as unknown as ClarityAccount)
        const have = known.get(cust.CustId)
        // Clarity changed after this state of the customer: the later change wins and goes to SL.
        if (have !== undefined && have.at > cust.LUpd_DateTime) { writes.inc({ action: 'older' }); return [] }
        if (after !== undefined && have !== undefined && agrees(after, have.shared) && agrees(have.shared, after)) {
          writes.inc({ action: 'skipped' })
          return []
        }
        // Clarity's words about the account may quote it: the reason goes to the logs and headers.
        await clarity.upsertAccount(body)
          .catch((err: unknown) => {
            try {
              rejectedAsPoison(err, `account for customer ${cust.CustId}`)
            } catch (e) { throw withoutPersonal(e, cust) }
          })
        if (after !== undefined) known.set(cust.CustId, { shared: after, at: cust.LUpd_DateTime })
        writes.inc({ action: 'upserted' })
        return []
      }
    }
  })
}
