// A state file, or a backup, written before a field existed gets it once, from what it
// already holds: the sandbox's data outlives its code.
import { rateOf, toBase } from './receivables.ts'
import { period, type ARDoc, type SlState } from './state.ts'

type OldDoc = Omit<ARDoc, 'CuryRate' | 'CuryMultDiv' | 'OrigDocAmt' | 'DocBal'> & Partial<ARDoc>

/** Fills in what `s` lacks, in place. Answers whether anything changed. */
export function upgrade (s: SlState, now = new Date()): boolean {
  let changed = false
  const old = s as Omit<SlState, 'currentPeriod'> & { currentPeriod?: string }
  if (old.currentPeriod === undefined) {
    // The period of today if it is open, else the last one open: SL's current period is always open.
    const today = period(now)
    old.currentPeriod = s.openPeriods.includes(today) ? today : [...s.openPeriods].sort().at(-1) ?? today
    if (!s.openPeriods.includes(old.currentPeriod)) s.openPeriods.push(old.currentPeriod)
    changed = true
  }
  for (const d of Object.values(s.arDocs) as OldDoc[]) {
    if (d.OrigDocAmt !== undefined) continue
    // The rate the document was written at is lost; the currency table's is the best there is.
    const rate = rateOf(s, d.CuryId) ?? { CuryRate: 1, CuryMultDiv: 'M' }
    Object.assign(d, rate, { OrigDocAmt: toBase(d.CuryOrigDocAmt, rate), DocBal: toBase(d.CuryDocBal, rate) })
    changed = true
  }
  return changed
}
