// Accounts receivable: invoices, payments and prepayments, credit memos and refunds, the
// applications that settle one with another (ARAdjust), and the lookups a client finds
// them by. Messages name the field and the rule, never what a client sent: these are a
// customer's documents. A balance in base follows the balance in the document's currency at
// the document's rate, so the two reach zero together.
import { fromMinor, toMinor } from '../common/money.ts'
import { lengths, trim } from './fields.ts'
import { Checker, fail, MSG } from './rules.ts'
import type { ARAdjust, ARDoc, SlState, SOHeader } from './state.ts'

const key = (v: unknown): string => trim(v).toUpperCase()

export interface Rate { CuryRate: number, CuryMultDiv: 'M' | 'D' }

/** The currency table's rate to the base currency; none for a currency without one. */
export function rateOf (s: SlState, curyId: string): Rate | undefined {
  if (curyId === s.baseCuryId) return { CuryRate: 1, CuryMultDiv: 'M' }
  const r = s.rates[curyId]
  return r === undefined ? undefined : { CuryRate: r.Rate, CuryMultDiv: r.MultDiv }
}

export const toBase = (amount: number, r: Rate): number => {
  const m = toMinor(amount)
  return fromMinor(Math.round(r.CuryMultDiv === 'D' ? m / r.CuryRate : m * r.CuryRate))
}

/** SL's next AR reference number. A client may choose a payment's, so a number already taken is skipped. */
export function nextRefNbr (s: SlState): string {
  let nbr: string
  do {
    s.lastArRefNbr++
    nbr = String(s.lastArRefNbr).padStart(10, '0')
  } while (s.arDocs[nbr] !== undefined)
  return nbr
}

type Head = Pick<ARDoc, 'RefNbr' | 'DocType' | 'CustId' | 'DocDate' | 'CuryId' | 'CuryOrigDocAmt' | 'PmtMethod' |
  'ExtRefNbr' | 'InvcNbr' | 'Descr'> & Rate

// SL finds documents by ExtRefNbr and customer from indexes; so does the sandbox (derived,
// not persisted): a scan of every document per lookup would make it the slowest part of a
// run with tens of thousands of payments.
type DocIndex = { ext: Map<string, string[]>, cust: Map<string, string[]> }
const indexes = new WeakMap<SlState, DocIndex>()
const push = (m: Map<string, string[]>, k: string, v: string): void => {
  const list = m.get(k)
  if (list === undefined) m.set(k, [v])
  else list.push(v)
}
function docIndex (s: SlState): DocIndex {
  let index = indexes.get(s)
  if (index === undefined) {
    index = { ext: new Map(), cust: new Map() }
    for (const d of Object.values(s.arDocs)) {
      push(index.ext, d.ExtRefNbr, d.RefNbr)
      push(index.cust, d.CustId, d.RefNbr)
    }
    indexes.set(s, index)
  }
  return index
}

function addDoc (s: SlState, h: Head, tstamp: () => number): ARDoc {
  const index = docIndex(s) // built before the insert, so the document is added once
  const base = toBase(h.CuryOrigDocAmt, h)
  const doc: ARDoc = {
    RefNbr: h.RefNbr, DocType: h.DocType, CustId: h.CustId, DocDate: h.DocDate, CuryId: h.CuryId,
    CuryRate: h.CuryRate, CuryMultDiv: h.CuryMultDiv, CuryOrigDocAmt: h.CuryOrigDocAmt, CuryDocBal: h.CuryOrigDocAmt,
    OrigDocAmt: base, DocBal: base, PmtMethod: h.PmtMethod, ExtRefNbr: h.ExtRefNbr, InvcNbr: h.InvcNbr,
    Descr: h.Descr, tstamp: tstamp()
  }
  s.arDocs[doc.RefNbr] = doc
  push(index.ext, doc.ExtRefNbr, doc.RefNbr)
  push(index.cust, doc.CustId, doc.RefNbr)
  return doc
}

/** What SL writes when it invoices a shipper or a receiver: the order's currency at the order's rate. */
function addOrderDoc (
  s: SlState, o: SOHeader, h: Pick<Head, 'DocType' | 'ExtRefNbr' | 'Descr'>, amount: number, now: string,
  tstamp: () => number
): ARDoc {
  const rate: Rate = o.CuryID === s.baseCuryId
    ? { CuryRate: 1, CuryMultDiv: 'M' }
    : { CuryRate: o.CuryRate, CuryMultDiv: o.CuryMultDiv === 'D' ? 'D' : 'M' }
  return addDoc(s, {
    RefNbr: nextRefNbr(s), CustId: o.CustID, DocDate: now, CuryId: o.CuryID, CuryOrigDocAmt: amount, PmtMethod: '',
    InvcNbr: '', ...h, Descr: h.Descr.slice(0, 30), ...rate
  }, tstamp)
}

/** The invoice of a shipper. */
export const addInvoice = (s: SlState, o: SOHeader, amount: number, now: string, tstamp: () => number): ARDoc =>
  addOrderDoc(s, o, { DocType: 'IN', ExtRefNbr: o.CustOrdNbr.slice(0, 15), Descr: `Order ${o.OrdNbr}` }, amount, now,
    tstamp)

/** The credit memo of a return's receiver: SL's own document, so it carries no ExtRefNbr. */
export const addCreditMemo = (s: SlState, o: SOHeader, amount: number, now: string, tstamp: () => number): ARDoc =>
  addOrderDoc(s, o, { DocType: 'CM', ExtRefNbr: '', Descr: `Return ${o.OrdNbr}` }, amount, now, tstamp)

/** Money SL can hold: a number above 0, in minor units of the currency; 0 when it is not one. */
function money (c: Checker, row: Record<string, unknown>, k: string, prefix = ''): number {
  const v = c.number(row, k, { required: true, gt: 0 }, prefix)
  if (v === undefined || v <= 0) return 0
  const m = toMinor(v)
  if (m === 0) c.add(prefix + k, `${prefix + k} rounds to 0 at the currency's 2 decimals`, MSG.QTY)
  return m
}

interface Written { custId: string, curyId: string, rate: Rate, minor: number }

/** The header every new document is checked for. */
function checkDoc (s: SlState, c: Checker, b: Record<string, unknown>): Written {
  c.fields(b, lengths.arDoc, ['CustId'])
  const custId = key(b.CustId)
  if (custId !== '' && s.customers[custId] === undefined) c.add('CustId', 'CustId names no customer', MSG.UNKNOWN)
  const curyId = key(b.CuryId) || s.baseCuryId
  const rate = rateOf(s, curyId)
  if (s.currencies[curyId] === undefined) {
    c.add('CuryId', 'CuryId names no currency', MSG.UNKNOWN)
  } else if (rate === undefined) {
    c.add('CuryId', `CuryId has no rate to the base currency (${s.baseCuryId})`, MSG.UNKNOWN)
  }
  const minor = money(c, b, 'CuryOrigDocAmt')
  if (b.DocDate !== undefined && Number.isNaN(Date.parse(trim(b.DocDate)))) {
    c.add('DocDate', 'DocDate is not an ISO-8601 date', MSG.BAD_VALUE)
  }
  return { custId, curyId, rate: rate ?? { CuryRate: 1, CuryMultDiv: 'M' }, minor }
}

const headOf = (
  b: Record<string, unknown>, w: Written, type: ARDoc['DocType'], refNbr: string, nowMs: number
): Head => ({
  RefNbr: refNbr, DocType: type, CustId: w.custId, DocDate: trim(b.DocDate) || new Date(nowMs).toISOString(),
  CuryId: w.curyId, CuryOrigDocAmt: fromMinor(w.minor), PmtMethod: trim(b.PmtMethod), ExtRefNbr: trim(b.ExtRefNbr),
  InvcNbr: trim(b.InvcNbr), Descr: trim(b.Descr), ...w.rate
})

/**
 * Whether `d`, which the entry at `ref` names, is a document the one being written may settle:
 * of the type asked for, the customer's, in the same currency, and with an open balance for
 * what this entry and the ones before it take from it (`claimed`, minor units per document).
 */
function settles (
  c: Checker, w: Written, d: ARDoc, type: 'IN' | 'CM', at: { ref: string, amt: string }, minor: number,
  claimed: Map<ARDoc, number>
): boolean {
  const what = type === 'IN' ? 'an invoice' : 'a credit memo'
  if (d.DocType !== type) {
    c.add(at.ref, `${at.ref} names a document that is not ${what} (DocType ${type})`, MSG.BAD_VALUE)
  } else if (d.CustId !== w.custId) {
    c.add(at.ref, `${at.ref} names ${what} of another customer than CustId`, MSG.BAD_VALUE)
  } else if (d.CuryId !== w.curyId) {
    c.add(at.ref, `${at.ref} names ${what} in another currency than CuryId`, MSG.BAD_VALUE)
  } else {
    const total = (claimed.get(d) ?? 0) + minor
    claimed.set(d, total)
    if (total <= toMinor(d.CuryDocBal)) return true
    c.add(at.amt, `${at.amt} is more than the open balance (CuryDocBal) of ${what} ${at.ref} names`, MSG.BAD_VALUE)
  }
  return false
}

function setBalance (d: ARDoc, minor: number, tstamp: () => number): void {
  d.CuryDocBal = fromMinor(minor)
  d.DocBal = toBase(d.CuryDocBal, d)
  d.tstamp = tstamp()
}

/** `adjg` (a credit: PA, PP, CM) settles `adjd` (a debit: IN, RF) by `minor`; both balances fall. */
function settle (s: SlState, adjg: ARDoc, adjd: ARDoc, minor: number, nowMs: number, tstamp: () => number): ARAdjust {
  setBalance(adjg, toMinor(adjg.CuryDocBal) - minor, tstamp)
  setBalance(adjd, toMinor(adjd.CuryDocBal) - minor, tstamp)
  const adj: ARAdjust = {
    CustId: adjd.CustId, AdjgRefNbr: adjg.RefNbr, AdjgDocType: adjg.DocType, AdjdRefNbr: adjd.RefNbr,
    AdjdDocType: adjd.DocType, CuryAdjgAmt: fromMinor(minor), DateAppl: new Date(nowMs).toISOString()
  }
  s.arAdjust.push(adj)
  return adj
}

interface Claim { doc: ARDoc, minor: number }

/** A payment's ApplyTo: the invoices it settles, what it applies in all, and how many name no invoice yet. */
function paymentClaims (s: SlState, c: Checker, w: Written, apply: Array<Record<string, unknown>>) {
  const claims: Claim[] = []
  const claimed = new Map<ARDoc, number>()
  let total = 0
  let pending = 0
  apply.forEach((a, i) => {
    const p = `ApplyTo[${i}].`
    c.fields(a, lengths.applyTo, ['InvcNbr'], p)
    const minor = money(c, a, 'CuryAdjgAmt', p)
    total += minor
    const inv = s.arDocs[trim(a.InvcNbr)]
    if (inv === undefined) { pending++; return }
    if (settles(c, w, inv, 'IN', { ref: `${p}InvcNbr`, amt: `${p}CuryAdjgAmt` }, minor, claimed)) {
      claims.push({ doc: inv, minor })
    }
  })
  return { claims, total, pending }
}

export function createPayment (s: SlState, b: Record<string, unknown>, nowMs: number, tstamp: () => number): ARDoc {
  const c = new Checker()
  const w = checkDoc(s, c, b)
  const refNbr = trim(b.RefNbr)
  if (refNbr !== '' && s.arDocs[refNbr] !== undefined) {
    c.add('RefNbr', 'RefNbr is taken: a document with this RefNbr exists', MSG.EXISTS)
  }
  const { claims, total, pending } = paymentClaims(s, c, w, c.objects(b.ApplyTo, 'ApplyTo'))
  if (w.minor > 0 && total > w.minor) {
    c.add('ApplyTo', 'The CuryAdjgAmt of ApplyTo add up to more than CuryOrigDocAmt', MSG.BAD_VALUE)
  }
  c.throwIfAny()
  // Money that arrives before its invoice is a prepayment, applied later (POST …/Applications).
  const type = claims.length > 0 && pending === 0 ? 'PA' : 'PP'
  const doc = addDoc(s, headOf(b, w, type, refNbr || nextRefNbr(s), nowMs), tstamp)
  if (type === 'PA') for (const t of claims) settle(s, doc, t.doc, t.minor, nowMs, tstamp)
  return doc
}

export function createCreditMemo (s: SlState, b: Record<string, unknown>, nowMs: number, tstamp: () => number): ARDoc {
  const c = new Checker()
  const w = checkDoc(s, c, b)
  const inv = trim(b.InvcNbr) === '' ? undefined : s.arDocs[trim(b.InvcNbr)]
  if (trim(b.InvcNbr) !== '' && inv?.DocType !== 'IN') {
    c.add('InvcNbr', 'InvcNbr names no invoice', MSG.UNKNOWN)
  } else if (inv !== undefined && inv.CustId !== w.custId) {
    c.add('InvcNbr', 'InvcNbr names an invoice of another customer than CustId', MSG.BAD_VALUE)
  }
  c.throwIfAny()
  return addDoc(s, headOf(b, w, 'CM', nextRefNbr(s), nowMs), tstamp)
}

/** Money paid back to the customer: it settles open credit memos, to the cent of what it pays. */
export function createRefund (s: SlState, b: Record<string, unknown>, nowMs: number, tstamp: () => number): ARDoc {
  const c = new Checker()
  const w = checkDoc(s, c, b)
  const apply = c.objects(b.ApplyTo, 'ApplyTo')
  if (apply.length === 0 && (b.ApplyTo === undefined || Array.isArray(b.ApplyTo))) {
    c.add('ApplyTo', 'ApplyTo is required: a refund settles a credit memo (AdjdDocType CM)', MSG.REQUIRED)
  }
  const claims: Claim[] = []
  const claimed = new Map<ARDoc, number>()
  let total = 0
  apply.forEach((a, i) => {
    const p = `ApplyTo[${i}].`
    c.fields(a, lengths.applyTo, ['AdjdRefNbr', 'AdjdDocType'], p)
    if (trim(a.AdjdDocType) !== '' && key(a.AdjdDocType) !== 'CM') {
      c.add(`${p}AdjdDocType`, `${p}AdjdDocType is CM: a refund settles a credit memo`, MSG.BAD_VALUE)
    }
    const minor = money(c, a, 'CuryAdjgAmt', p)
    total += minor
    if (trim(a.AdjdRefNbr) === '') return
    const memo = s.arDocs[trim(a.AdjdRefNbr)]
    if (memo === undefined) {
      c.add(`${p}AdjdRefNbr`, `${p}AdjdRefNbr names no document`, MSG.UNKNOWN)
    } else if (settles(c, w, memo, 'CM', { ref: `${p}AdjdRefNbr`, amt: `${p}CuryAdjgAmt` }, minor, claimed)) {
      claims.push({ doc: memo, minor })
    }
  })
  if (w.minor > 0 && apply.length > 0 && total !== w.minor) {
    const message = 'The CuryAdjgAmt of ApplyTo must add up to CuryOrigDocAmt: a refund pays back credit'
    c.add('ApplyTo', message, MSG.BAD_VALUE)
  }
  c.throwIfAny()
  const doc = addDoc(s, headOf({ ...b, InvcNbr: '' }, w, 'RF', nextRefNbr(s), nowMs), tstamp)
  for (const t of claims) settle(s, t.doc, doc, t.minor, nowMs, tstamp)
  return doc
}

const CREDITS = ['PP', 'PA', 'CM']

/** The document one side of an application names, if it is the one the client says it is. */
function sideOf (
  s: SlState, c: Checker, b: Record<string, unknown>, side: 'Adjg' | 'Adjd', types: string[]
): ARDoc | undefined {
  const ref = `${side}RefNbr`
  const type = key(b[`${side}DocType`])
  const d = trim(b[ref]) === '' ? undefined : s.arDocs[trim(b[ref])]
  if (trim(b[ref]) !== '' && d === undefined) c.add(ref, `${ref} names no document`, MSG.UNKNOWN)
  if (d === undefined || !types.includes(type)) return undefined
  if (d.DocType !== type) {
    c.add(ref, `${ref} names a document of another DocType than ${side}DocType`, MSG.BAD_VALUE)
  } else if (d.CustId !== key(b.CustId)) {
    c.add(ref, `${ref} names a document of another customer than CustId`, MSG.BAD_VALUE)
  } else {
    return d
  }
  return undefined
}

/** A payment, prepayment or credit memo applied to an invoice (SL's AR payment application). */
export function createApplication (
  s: SlState, b: Record<string, unknown>, nowMs: number, tstamp: () => number
): ARAdjust {
  const c = new Checker()
  c.fields(b, lengths.arAdjust, ['CustId', 'AdjgRefNbr', 'AdjgDocType', 'AdjdRefNbr', 'AdjdDocType'])
  if (key(b.CustId) !== '' && s.customers[key(b.CustId)] === undefined) {
    c.add('CustId', 'CustId names no customer', MSG.UNKNOWN)
  }
  if (trim(b.AdjgDocType) !== '' && !CREDITS.includes(key(b.AdjgDocType))) {
    c.add('AdjgDocType', 'AdjgDocType is PP, PA or CM', MSG.BAD_VALUE)
  }
  if (trim(b.AdjdDocType) !== '' && key(b.AdjdDocType) !== 'IN') {
    c.add('AdjdDocType', 'AdjdDocType is IN: a payment, prepayment or credit memo settles an invoice', MSG.BAD_VALUE)
  }
  const minor = money(c, b, 'CuryAdjgAmt')
  const adjg = sideOf(s, c, b, 'Adjg', CREDITS)
  const adjd = sideOf(s, c, b, 'Adjd', ['IN'])
  if (adjg !== undefined && adjd !== undefined && adjg.CuryId !== adjd.CuryId) {
    c.add('AdjdRefNbr', 'AdjdRefNbr names a document in another currency (CuryId) than AdjgRefNbr', MSG.BAD_VALUE)
  }
  for (const [d, ref] of [[adjg, 'AdjgRefNbr'], [adjd, 'AdjdRefNbr']] as const) {
    if (d !== undefined && minor > toMinor(d.CuryDocBal)) {
      c.add('CuryAdjgAmt', `CuryAdjgAmt is more than the open balance (CuryDocBal) of the document ${ref} names`,
        MSG.BAD_VALUE)
    }
  }
  c.throwIfAny()
  // A prepayment stays a PP once applied, as SL keeps it.
  return settle(s, adjg!, adjd!, minor, nowMs, tstamp)
}

/** ExtRefNbr finds what a client created before; CustId a customer's documents, only the open ones with OpenOnly=1. */
export function findDocuments (s: SlState, q: Record<string, unknown>): ARDoc[] {
  const ext = trim(q.ExtRefNbr)
  const cust = key(q.CustId)
  if (q.OpenOnly !== undefined && q.OpenOnly !== '0' && q.OpenOnly !== '1') {
    fail(400, 'OpenOnly', 'OpenOnly is 0 or 1', MSG.BAD_VALUE)
  }
  if (ext === '' && cust === '') fail(400, 'ExtRefNbr', 'Give ExtRefNbr or CustId to search documents', MSG.REQUIRED)
  const open = q.OpenOnly === '1'
  const index = docIndex(s)
  const refs = ext !== '' ? index.ext.get(ext) : index.cust.get(cust)
  return (refs ?? []).map((r) => s.arDocs[r]!).filter((d) =>
    (ext === '' || d.ExtRefNbr === ext) && (cust === '' || d.CustId === cust) && (!open || d.CuryDocBal > 0))
}
