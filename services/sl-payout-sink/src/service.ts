// payouts.raw → SL's general ledger: each Clarity payout once, as the one balanced batch
// transform.ts makes of it, in the period of the payout's date. The batch is looked up by
// its ExtRefNbr before it is posted, so a post whose answer was lost, or a payout event
// that comes twice (a webhook and the poller), is not posted again. A payout in a period SL
// has closed is never moved to another: it goes to payouts.raw.dlq with the reason, and
// once the period is opened again a retry of that dead letter posts it.
import { Counter } from 'prom-client'
import { rejectedAsPoison } from '../../../lib/clients/http.ts'
import { slClientOf, SlRejected } from '../../../lib/clients/sl.ts'
import { loadPayoutMapping, payoutExtRefOf } from '../../../domain/payouts.ts'
import type { PayoutEvent } from '../../../domain/records.ts'
import { poison } from '../../../lib/errors.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { plan } from './transform.ts'

const refused = (what: string) => (err: unknown): never => rejectedAsPoison(err, what)
const isPeriodRefused = (err: unknown): boolean =>
  err instanceof SlRejected && err.status === 422 && err.violations.some((v) => v.key === 'PerPost')

export async function startSlPayoutSink (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const mapping = loadPayoutMapping(c.PAYOUT_MAPPING_FILE)
  const sl = slClientOf(c)

  return await startService({
    service: services.slPayoutSink, config: c, exit,
    handler: async (kit) => {
      const payouts = await kit.serde<PayoutEvent>(topics.payoutsRaw)
      const outcomes = new Counter({
        name: 'bridge_payout_outcomes_total',
        help: 'What the sink did per payout: posted, exists (SL had its batch), empty (no amounts to post)',
        labelNames: ['outcome'],
        registers: [kit.metrics.registry]
      })

      return async (rec) => {
        if (rec.value === null) throw poison('INVALID_RECORD', `a tombstone on ${rec.topic}`)
        const { payout } = await payouts.decode(rec.value)
        const step = plan(payout, mapping)
        if (step.action === 'none') { outcomes.inc({ outcome: 'empty' }); return [] }
        const ext = payoutExtRefOf(payout)
        const found = await sl.batchesByExtRef(ext).catch(refused(`find the batch of payout ${payout.ID} in SL`))
        if (found.length > 1) {
          const nbrs = found.map((b) => String(b.BatNbr).trim()).join(', ')
          throw poison('DUPLICATE_IN_SL', `payout ${payout.ID}: SL has ${found.length} batches with ExtRefNbr ${ext} ` +
            `(${nbrs}); \`bridge reconcile\` lists them`)
        }
        if (found.length === 1) { outcomes.inc({ outcome: 'exists' }); return [] }
        const { batch } = step
        const made = await sl.postBatch({ ...batch }).catch((err: unknown) => {
          if (isPeriodRefused(err)) {
            throw poison('PERIOD_CLOSED', `payout ${payout.ID} is dated in period ${batch.PerPost}, which SL ` +
              `does not have open (${(err as Error).message}); it is never moved to another period: open the ` +
              'period, then retry this dead letter', err)
          }
          return refused(`post the batch of payout ${payout.ID} in SL`)(err)
        })
        outcomes.inc({ outcome: 'posted' })
        kit.logger.info({ payout: payout.ID, batNbr: String(made.BatNbr).trim(), perPost: batch.PerPost },
          'payout posted in SL')
        return []
      }
    }
  })
}
