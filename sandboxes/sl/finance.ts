// General ledger: batches, and the fiscal periods they post to. Receivables are in receivables.ts.
import { fromMinor, toMinor } from '../common/money.ts'
import { lengths } from './fields.ts'
import { Checker, fail, MSG } from './rules.ts'
import type { Batch, GLTran, SlState } from './state.ts'

const text = (v: unknown): string => (typeof v === 'string' ? v.trimEnd() : '')
const PER_POST = /^\d{4}(0[1-9]|1[0-2])$/

export function postBatch (s: SlState, b: Record<string, unknown>, nowMs: number, tstamp: () => number): Batch {
  const c = new Checker()
  c.fields(b, lengths.batch, ['JrnlType', 'PerPost'])
  const perPost = text(b.PerPost)
  if (perPost !== '' && !PER_POST.test(perPost)) {
    c.add('PerPost', `PerPost ${perPost} is not a period (YYYYPP)`, MSG.PERIOD)
  } else if (perPost !== '' && !s.openPeriods.includes(perPost)) {
    c.add('PerPost', `Period ${perPost} is closed; open periods: ${s.openPeriods.join(', ')}`, MSG.PERIOD)
  }
  const curyId = text(b.CuryId).toUpperCase() || s.baseCuryId
  if (s.currencies[curyId] === undefined) c.add('CuryId', `Currency ${curyId} does not exist`, MSG.UNKNOWN)
  const ctrl = c.number(b, 'CtrlTot', { required: true, min: 0 })
  const raw = c.objects(b.Lines, 'Lines')
  if (raw.length === 0) c.add('Lines', 'A batch needs at least one line', MSG.NO_LINES)
  let dr = 0
  let cr = 0
  const lines: GLTran[] = raw.map((l, i) => {
    const p = `Lines[${i}].`
    c.fields(l, lengths.glTran, ['Acct', 'Sub'], p)
    const acct = s.accounts[text(l.Acct)]
    if (text(l.Acct) !== '' && acct === undefined) {
      c.add(`${p}Acct`, `Account ${text(l.Acct)} does not exist`, MSG.UNKNOWN)
    } else if (acct !== undefined && !acct.Active) {
      c.add(`${p}Acct`, `Account ${acct.Acct} is inactive`, MSG.INACTIVE)
    }
    const sub = s.subaccounts[text(l.Sub)]
    if (text(l.Sub) !== '' && sub === undefined) {
      c.add(`${p}Sub`, `Subaccount ${text(l.Sub)} does not exist`, MSG.UNKNOWN)
    } else if (sub !== undefined && !sub.Active) {
      c.add(`${p}Sub`, `Subaccount ${sub.Sub} is inactive`, MSG.INACTIVE)
    }
    const d = c.number(l, 'DrAmt', { min: 0 }, p) ?? 0
    const k = c.number(l, 'CrAmt', { min: 0 }, p) ?? 0
    if ((d > 0) === (k > 0)) {
      c.add(`Lines[${i}]`, 'A line carries either DrAmt or CrAmt, not both and not neither', MSG.DR_CR)
    }
    dr += toMinor(d)
    cr += toMinor(k)
    return {
      LineNbr: i + 1, Acct: text(l.Acct), Sub: text(l.Sub), DrAmt: d, CrAmt: k, TranDesc: text(l.TranDesc),
      RefNbr: text(l.RefNbr), ExtRefNbr: text(l.ExtRefNbr), TranDate: text(l.TranDate) || new Date(nowMs).toISOString()
    }
  })
  if (raw.length > 0 && ctrl !== undefined && (dr !== cr || dr !== toMinor(ctrl))) {
    const totals = `debits ${fromMinor(dr)}, credits ${fromMinor(cr)}, control total ${ctrl}`
    c.add('CtrlTot', `Batch is out of balance: ${totals}`, MSG.UNBALANCED)
  }
  c.throwIfAny()
  s.lastBatNbr++
  const batch: Batch = {
    BatNbr: String(s.lastBatNbr).padStart(6, '0'), Module: 'GL', JrnlType: text(b.JrnlType), PerPost: perPost,
    Descr: text(b.Descr), CuryId: curyId, CtrlTot: ctrl!, Status: 'B', Crtd_DateTime: new Date(nowMs).toISOString(),
    tstamp: tstamp(), Lines: lines
  }
  s.batches[batch.BatNbr] = batch
  return batch
}

export const batchesByExtRef = (s: SlState, ext: string): Batch[] =>
  Object.values(s.batches).filter((b) => b.Lines.some((l) => l.ExtRefNbr === ext.trimEnd()))

export const mustExist = <T>(v: T | undefined, key: string, what: string): T =>
  v ?? fail(404, key, `${what} does not exist`, MSG.UNKNOWN)

export interface Periods { Current: string, Open: string[] }

export const periodsOf = (s: SlState): Periods => ({ Current: s.currentPeriod, Open: [...s.openPeriods] })

/** The period after `p`: twelve a year, as the sandbox's fiscal calendar has. */
export function nextPeriod (p: string): string {
  const year = Number(p.slice(0, 4))
  const month = Number(p.slice(4))
  return month === 12 ? `${year + 1}01` : `${year}${String(month + 1).padStart(2, '0')}`
}

function periodList (b: Record<string, unknown>, k: string): string[] | string {
  const v = b[k] ?? []
  if (!Array.isArray(v)) return `${k} must be a list of periods (YYYYPP)`
  const bad = v.findIndex((p) => typeof p !== 'string' || !PER_POST.test(p))
  return bad === -1 ? v as string[] : `${k}[${bad}] is not a period (YYYYPP)`
}

/**
 * Opens and closes periods, and moves the current one (PUT /sandbox/periods). Closing the
 * current period without naming another moves Current on to the next period not closed,
 * and opens it, as SL's period close does. A string says what is wrong with the request;
 * nothing changes then.
 */
export function changePeriods (s: SlState, b: Record<string, unknown>): Periods | string {
  const unknown = Object.keys(b).filter((k) => !['open', 'close', 'current'].includes(k))
  if (unknown.length > 0) return `unknown option "${unknown[0]}"; known: open, close, current`
  const open = periodList(b, 'open')
  if (typeof open === 'string') return open
  const close = periodList(b, 'close')
  if (typeof close === 'string') return close
  const both = open.find((p) => close.includes(p))
  if (both !== undefined) return `period ${both} is in both open and close`
  if (b.current !== undefined && (typeof b.current !== 'string' || !PER_POST.test(b.current))) {
    return 'current is not a period (YYYYPP)'
  }
  const next = new Set([...s.openPeriods, ...open])
  for (const p of close) next.delete(p)
  let current = typeof b.current === 'string' ? b.current : s.currentPeriod
  if (b.current === undefined) {
    while (close.includes(current)) current = nextPeriod(current)
    next.add(current)
  }
  if (!next.has(current)) return `current ${current} is not open; open it as well (open)`
  s.openPeriods = [...next].sort()
  s.currentPeriod = current
  return periodsOf(s)
}
