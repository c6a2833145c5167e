// customers.raw → SL customers. An account already linked (CustomKey) updates its SL
// customer; an unlinked one is matched by e-mail or created under the mapping's CustId,
// and the CustId is written back to the account's CustomKey. Nothing is written when SL
// already holds what the account says: that is how a change that came from SL is not
// sent back (no echo loop), and why a redelivered state is harmless. When both sides
// changed, the later change wins (SL's LUpd_DateTime against the account's UpdatedDate).
import { Counter } from 'prom-client'
import { clarityClientOf } from '../../../lib/clients/clarity.ts'
import { rejectedAsPoison } from '../../../lib/clients/http.ts'
import { slClientOf, SlRejected } from '../../../lib/clients/sl.ts'
import { custIdFor, loadCustomerMapping, type ClarityAccount, type CustomerEvent } from '../../../domain/customers.ts'
import { withoutPersonal } from '../../../domain/personal.ts'
import { poison } from '../../../lib/errors.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { emailMatch, plan, type SlRow } from './transform.ts'

export async function startSlCustomerSink (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const mapping = loadCustomerMapping(c.CUSTOMER_MAPPING_FILE)
  const sl = slClientOf(c)
  const clarity = clarityClientOf(c)
  const find = async (custId: string): Promise<SlRow | undefined> =>
    await sl.customer(custId).catch((err: unknown) =>
      (err instanceof SlRejected && err.status === 404 ? undefined : rejectedAsPoison(err, `read customer ${custId}`)))

  return await startService({
    service: services.slCustomerSink, config: c, exit,
    handler: async (kit) => {
      const events = await kit.serde<CustomerEvent>(topics.customersRaw)
      const writes = new Counter({
        name: 'bridge_customer_writes_total',
        help: 'What the sink did per account state: created, updated, linked, unchanged',
        labelNames: ['action'],
        registers: [kit.metrics.registry]
      })
      const sync = async (a: ClarityAccount): Promise<[]> => {
        let custId = a.CustomKey?.trim() || undefined
        let current = custId === undefined ? undefined : await find(custId)
        if (custId === undefined && mapping.matchByEmail && a.PrimaryContact.Email1 !== null) {
          current = emailMatch(a, await sl.customersByEmail(a.PrimaryContact.Email1.trim())
            .catch((err: unknown) => rejectedAsPoison(err, `look up account ${a.ID} by e-mail`)))
          if (current !== undefined) custId = String(current.CustId)
        }
        if (custId === undefined) {
          custId = custIdFor(mapping, a.ID)
          // Made by an earlier attempt that stopped before the write-back, or someone else's.
          current = await find(custId)
          if (current !== undefined &&
            String(current.EMailAddr).toLowerCase() !== (a.PrimaryContact.Email1 ?? '').trim().toLowerCase()) {
            throw poison('CUSTID_TAKEN', `account ${a.ID}: CustId ${custId} belongs to another SL customer; ` +
              'change custId in the customer mapping or link the account by hand')
          }
        }
        const p = plan(mapping, a, custId, current)
        if (p.action === 'create') {
          await sl.createCustomer(p.body).catch(async (err: unknown) => {
            // Created meanwhile (a redelivery racing its first attempt): it is there, which is what was wanted.
            if (err instanceof SlRejected && err.status === 409) return
            rejectedAsPoison(err, `create customer ${p.custId}`)
          })
        }
        if (p.action === 'update') {
          await sl.updateCustomer(p.custId, p.body)
            .catch((err: unknown) => rejectedAsPoison(err, `update customer ${p.custId}`))
        }
        const linked = a.CustomKey !== p.custId
        if (linked) {
          await clarity.upsertAccount({ ID: a.ID, CustomKey: p.custId })
            .catch((err: unknown) => rejectedAsPoison(err, `write CustomKey ${p.custId} to account ${a.ID}`))
        }
        writes.inc({
          action: p.action === 'none' ? (linked ? 'linked' : p.why === 'older' ? 'older' : 'unchanged') : `${p.action}d`
        })
        kit.logger.debug({ account: a.ID, custId: p.custId, action: p.action, linked }, 'customer synced')
        return []
      }
      return async (rec) => {
        if (rec.value === null) return []
        const { account: a } = await events.decode(rec.value)
        // SL's and Clarity's words about the account may quote it: the reason goes to the logs and headers.
        return await sync(a).catch((err: unknown) => { throw withoutPersonal(err, a) })
      }
    }
  })
}
