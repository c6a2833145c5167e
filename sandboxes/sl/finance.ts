// General ledger batches and accounts receivable documents.
import { fromMinor, toMinor } from '../common/money.ts'
import { lengths } from './fields.ts'
import { Checker, fail, MSG } from './rules.ts'
import type { ARDoc, Batch, GLTran, SlState } from './state.ts'

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

function checkDoc (s: SlState, c: Checker, b: Record<string, unknown>): void {
  c.fields(b, lengths.arDoc, ['CustId'])
  if (text(b.CustId) !== '' && s.customers[text(b.CustId).toUpperCase()] === undefined) {
    c.add('CustId', `Customer ${text(b.CustId)} does not exist`, MSG.UNKNOWN)
  }
  const cury = text(b.CuryId).toUpperCase()
  if (cury !== '' && s.currencies[cury] === undefined) c.add('CuryId', `Currency ${cury} does not exist`, MSG.UNKNOWN)
  c.number(b, 'CuryOrigDocAmt', { required: true, gt: 0 })
  if (b.DocDate !== undefined && Number.isNaN(Date.parse(text(b.DocDate)))) {
    c.add('DocDate', 'DocDate is not an ISO-8601 date', MSG.BAD_VALUE)
  }
}

function newDoc (
  s: SlState, b: Record<string, unknown>, type: ARDoc['DocType'], nowMs: number, tstamp: () => number
): ARDoc {
  s.lastArRefNbr++
  const amount = b.CuryOrigDocAmt as number
  const doc: ARDoc = {
    RefNbr: text(b.RefNbr) || String(s.lastArRefNbr).padStart(10, '0'), DocType: type,
    CustId: text(b.CustId).toUpperCase(), DocDate: text(b.DocDate) || new Date(nowMs).toISOString(),
    CuryId: text(b.CuryId).toUpperCase() || s.baseCuryId, CuryOrigDocAmt: amount, CuryDocBal: amount,
    PmtMethod: text(b.PmtMethod), ExtRefNbr: text(b.ExtRefNbr), InvcNbr: text(b.InvcNbr), Descr: text(b.Descr),
    tstamp: tstamp()
  }
  s.arDocs[doc.RefNbr] = doc
  return doc
}

export function createPayment (s: SlState, b: Record<string, unknown>, nowMs: number, tstamp: () => number): ARDoc {
  const c = new Checker()
  checkDoc(s, c, b)
  const apply = c.objects(b.ApplyTo, 'ApplyTo')
  let applied = 0
  const targets: Array<{ doc: ARDoc, amt: number }> = []
  apply.forEach((a, i) => {
    const amt = c.number(a, 'CuryAdjgAmt', { required: true, gt: 0 }, `ApplyTo[${i}].`) ?? 0
    applied += toMinor(amt)
    const inv = s.arDocs[text(a.InvcNbr)]
    if (inv !== undefined && inv.DocType === 'IN') {
      if (toMinor(amt) > toMinor(inv.CuryDocBal)) {
        c.add(`ApplyTo[${i}].CuryAdjgAmt`, `Invoice ${inv.RefNbr} has a balance of ${inv.CuryDocBal}`, MSG.BAD_VALUE)
      }
      targets.push({ doc: inv, amt })
    }
  })
  if (typeof b.CuryOrigDocAmt === 'number' && applied > toMinor(b.CuryOrigDocAmt)) {
    c.add('ApplyTo', 'More is applied than the payment amount', MSG.BAD_VALUE)
  }
  if (text(b.RefNbr) !== '' && s.arDocs[text(b.RefNbr)] !== undefined) {
    c.add('RefNbr', `Document ${text(b.RefNbr)} already exists`, MSG.EXISTS)
  }
  c.throwIfAny()
  // Money that arrives before its invoice is a prepayment, applied later.
  const type = targets.length === 0 || targets.length < apply.length ? 'PP' : 'PA'
  const doc = newDoc(s, b, type, nowMs, tstamp)
  if (type === 'PA') {
    for (const t of targets) {
      t.doc.CuryDocBal = fromMinor(toMinor(t.doc.CuryDocBal) - toMinor(t.amt))
      t.doc.tstamp = tstamp()
      s.arAdjust.push({ AdjgRefNbr: doc.RefNbr, AdjgDocType: 'PA', AdjdRefNbr: t.doc.RefNbr, CuryAdjgAmt: t.amt })
      doc.CuryDocBal = fromMinor(toMinor(doc.CuryDocBal) - toMinor(t.amt))
    }
  }
  return doc
}

export function createCreditMemo (s: SlState, b: Record<string, unknown>, nowMs: number, tstamp: () => number): ARDoc {
  const c = new Checker()
  checkDoc(s, c, b)
  const inv = text(b.InvcNbr)
  if (inv !== '' && s.arDocs[inv]?.DocType !== 'IN') c.add('InvcNbr', `Invoice ${inv} does not exist`, MSG.UNKNOWN)
  c.throwIfAny()
  return newDoc(s, b, 'CM', nowMs, tstamp)
}

export const documentsByExtRef = (s: SlState, ext: string): ARDoc[] =>
  Object.values(s.arDocs).filter((d) => d.ExtRefNbr === ext.trimEnd())

export const mustExist = <T>(v: T | undefined, key: string, what: string): T =>
  v ?? fail(404, key, `${what} does not exist`, MSG.UNKNOWN)
