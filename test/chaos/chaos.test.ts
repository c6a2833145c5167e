// The chaos run's small variant (README "What it survives"): the order, stock, payment and
// payout flows and the customer sync that orders of accounts wait for, two instances of each, a few thousand
// orders over a few minutes with every fault of the full run, on a broker and registry of
// its own. CHAOS_SEED replays another draw.
import { describe, expect, it } from 'vitest'
import { runChaos } from '../../chaos/run.ts'

const SEED = Number(process.env.CHAOS_SEED ?? 20261202)

describe('chaos run (small)', () => {
  it('loses nothing, duplicates nothing and lets no bad order through, whatever is killed', async () => {
    const lines: string[] = []
    const report = await runChaos({
      orders: 2000, minutes: 2.5, seed: SEED, basePort: 17600,
      services: [
        'clarity-ingest', 'order-mapper', 'sl-order-sink', 'sl-shipper-source', 'clarity-order-sink',
        'sl-inventory-source', 'clarity-inventory-sink', 'sl-customer-sink', 'sl-payment-sink', 'sl-payout-sink'
      ],
      say: (l) => { lines.push(l) }
    })
    const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)
    expect(failed, `seed ${SEED}; logs in ${report.logs}\n${lines.join('\n')}`).toEqual([])
    expect(report.figures.duplicated).toBe(0)
    expect(report.figures.lost).toBe(0)
    expect(report.figures.deadLetteredFound).toBe(report.figures.deadLetteredExpected)
    expect(report.figures.created).toBeGreaterThan(1500)
  })
})
