// The SL sandbox's receivables and fiscal periods against the contract
// (../shared/contracts/dynamics-sl.md, "Accounts receivable" and "Fiscal periods"): payments,
// prepayments, credit memos and refunds, their applications, balances in the document's
// currency and in base, and the periods a batch may post to. HTTP through inject(): no sockets.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { waitFor } from '../../../test/helpers.ts'
import type { SlSandbox } from '../app.ts'
import { nextPeriod } from '../finance.ts'
import { period, type ARDoc } from '../state.ts'
import { auth, caller, order, quickSandbox } from './harness.ts'

let sb: SlSandbox
beforeEach(() => { sb = quickSandbox() })
afterEach(async () => { await sb.app.close() })
const call = caller(() => sb)

const AR = '/api/AccountsReceivable'
const keys = (r: { body: Record<string, any> }): string[] =>
  r.body.businessRuleViolations.map((v: { key: string }) => v.key)
const arDoc = (ref: string) => sb.state().arDocs[ref.trimEnd()]!

// Documents already in SL's tables, as SL's own screens would have written them.
const INV = '0000099999'
const OTHER_INV = '0000099998'
const EUR_INV = '0000099997'
const MEMO = '0000099996'
const OTHER_MEMO = '0000099995'
const PP = '0000099994'
const INV2 = '0000099993'
function seedDocs (): void {
  const doc = (RefNbr: string, over: Partial<ARDoc> = {}): void => {
    const amt = over.CuryOrigDocAmt ?? 62.33
    sb.state().arDocs[RefNbr] = {
      RefNbr, DocType: 'IN', CustId: 'C000123', DocDate: '2026-11-27T00:00:00Z', CuryId: 'USD', CuryRate: 1, CuryMultDiv: 'M', CuryOrigDocAmt: amt, CuryDocBal: amt,
      OrigDocAmt: amt, DocBal: amt, PmtMethod: '', ExtRefNbr: '100045', InvcNbr: '', Descr: '', tstamp: 1, ...over
    }
  }
  doc(INV)
  doc(OTHER_INV, { CustId: 'C000100', ExtRefNbr: '100046' })
  doc(EUR_INV, { CuryId: 'EUR', CuryRate: 1.0832, OrigDocAmt: 67.52, DocBal: 67.52 })
  doc(MEMO, { DocType: 'CM', CuryOrigDocAmt: 20, ExtRefNbr: 're_0' })
  doc(OTHER_MEMO, { DocType: 'CM', CustId: 'C000100', CuryOrigDocAmt: 20, ExtRefNbr: 're_9' })
  doc(PP, { DocType: 'PP', CuryOrigDocAmt: 100, PmtMethod: 'VISA', ExtRefNbr: 'ch_pp0' })
  doc(INV2, { CuryOrigDocAmt: 40, CuryDocBal: 0, DocBal: 0, ExtRefNbr: '100047' })
}

const payment = (over: Record<string, unknown> = {}) => ({ CustId: 'C000123', DocDate: '2026-11-27T00:00:00Z', CuryId: 'USD', CuryOrigDocAmt: 100, PmtMethod: 'VISA', ExtRefNbr: 'ch_3NxAbc', ...over })
const applyTo = (...a: Array<[string, number]>) =>
  ({ ApplyTo: a.map(([InvcNbr, CuryAdjgAmt]) => ({ InvcNbr, CuryAdjgAmt })) })
const application = (over: Record<string, unknown> = {}) => ({ CustId: 'C000123', AdjgRefNbr: PP, AdjgDocType: 'PP', AdjdRefNbr: INV, AdjdDocType: 'IN', CuryAdjgAmt: 10, ...over })
const refund = (over: Record<string, unknown> = {}, memo = MEMO, amt = 15) => ({
  CustId: 'C000123', DocDate: '2026-11-28T00:00:00Z', CuryId: 'USD', CuryOrigDocAmt: amt, PmtMethod: 'VISA', ExtRefNbr: 're_3NxAbc',
  ApplyTo: [{ AdjdRefNbr: memo, AdjdDocType: 'CM', CuryAdjgAmt: amt }], ...over
})

describe('accounts receivable', () => {
  beforeEach(seedDocs)

  it('a payment applies to an invoice (PA); without one it is a prepayment (PP); credit memos; lookup by ExtRefNbr', async () => {
    const pa = await call('POST', `${AR}/Payments`, payment({ CuryOrigDocAmt: 62.33, ...applyTo([INV, 62.33]) }))
    expect(pa.status).toBe(201)
    expect(pa.body).toMatchObject({ DocType: 'PA', CuryOrigDocAmt: 62.33, CuryDocBal: 0, OrigDocAmt: 62.33, DocBal: 0 })
    expect(arDoc(INV)).toMatchObject({ CuryDocBal: 0, DocBal: 0 })
    const pp = await call('POST', `${AR}/Payments`, payment({ CuryOrigDocAmt: 10, ExtRefNbr: 'ch_early', ...applyTo(['NOTYET', 10]) }))
    expect(pp.body).toMatchObject({ DocType: 'PP', CuryDocBal: 10 })
    const cm = await call('POST', `${AR}/CreditMemos`, { CustId: 'C000123', CuryId: 'USD', CuryOrigDocAmt: 5, ExtRefNbr: 're_1', InvcNbr: INV, Descr: 'Refund' })
    expect(cm.body.DocType).toBe('CM')
    expect((await call('GET', `${AR}/Documents?ExtRefNbr=ch_3NxAbc`)).body.Items).toHaveLength(1)
    expect(sb.state().arAdjust).toEqual([{ CustId: 'C000123', AdjgRefNbr: pa.body.RefNbr.trimEnd(), AdjgDocType: 'PA', AdjdRefNbr: INV, AdjdDocType: 'IN', CuryAdjgAmt: 62.33, DateAppl: expect.any(String) }])
  })

  it.each([
    ['an unknown customer', 'Payments', { CustId: 'NOBODY', CuryOrigDocAmt: 1 }, 'CustId'],
    ['a zero amount', 'Payments', { CustId: 'C000123', CuryOrigDocAmt: 0 }, 'CuryOrigDocAmt'],
    ['an amount that rounds to nothing', 'Payments', { CustId: 'C000123', CuryOrigDocAmt: 0.004 }, 'CuryOrigDocAmt'],
    ['more applied than paid', 'Payments', payment({ CuryOrigDocAmt: 1, ...applyTo(['X', 2]) }), 'ApplyTo'],
    ['a RefNbr that exists', 'Payments', payment({ RefNbr: INV }), 'RefNbr'],
    ['ApplyTo an invoice of another customer', 'Payments', payment(applyTo([OTHER_INV, 10])), 'ApplyTo[0].InvcNbr'],
    ['ApplyTo an invoice in another currency', 'Payments', payment(applyTo([EUR_INV, 10])), 'ApplyTo[0].InvcNbr'],
    ['ApplyTo a document that is not an invoice', 'Payments', payment(applyTo([MEMO, 10])), 'ApplyTo[0].InvcNbr'],
    ['ApplyTo more than the invoice\'s balance', 'Payments', payment(applyTo([INV, 62.34])), 'ApplyTo[0].CuryAdjgAmt'],
    ['ApplyTo one invoice twice, past its balance', 'Payments', payment(applyTo([INV, 40], [INV, 40])), 'ApplyTo[1].CuryAdjgAmt'],
    ['an ApplyTo without InvcNbr', 'Payments', payment({ ApplyTo: [{ CuryAdjgAmt: 1 }] }), 'ApplyTo[0].InvcNbr'],
    ['a credit memo for an unknown invoice', 'CreditMemos', { CustId: 'C000123', CuryOrigDocAmt: 1, InvcNbr: 'NOPE' }, 'InvcNbr'],
    ['a credit memo for another customer\'s invoice', 'CreditMemos', { CustId: 'C000123', CuryOrigDocAmt: 1, InvcNbr: OTHER_INV }, 'InvcNbr'],
    ['an application for an unknown customer', 'Applications', application({ CustId: 'NOBODY' }), 'CustId'],
    ['an application from an unknown document', 'Applications', application({ AdjgRefNbr: '0000000001' }), 'AdjgRefNbr'],
    ['an application to an unknown invoice', 'Applications', application({ AdjdRefNbr: '0000000001' }), 'AdjdRefNbr'],
    ['an application from a document of another type than given', 'Applications', application({ AdjgDocType: 'PA' }), 'AdjgRefNbr'],
    ['an application to a credit memo said to be an invoice', 'Applications', application({ AdjdRefNbr: MEMO }), 'AdjdRefNbr'],
    ['an application from an invoice', 'Applications', application({ AdjgRefNbr: INV2, AdjgDocType: 'IN' }), 'AdjgDocType'],
    ['an application to a credit memo', 'Applications', application({ AdjdRefNbr: MEMO, AdjdDocType: 'CM' }), 'AdjdDocType'],
    ['an application from another customer\'s memo', 'Applications', application({ AdjgRefNbr: OTHER_MEMO, AdjgDocType: 'CM' }), 'AdjgRefNbr'],
    ['an application to another customer\'s invoice', 'Applications', application({ AdjdRefNbr: OTHER_INV }), 'AdjdRefNbr'],
    ['an application in another currency', 'Applications', application({ AdjdRefNbr: EUR_INV }), 'AdjdRefNbr'],
    ['an application of 0', 'Applications', application({ CuryAdjgAmt: 0 }), 'CuryAdjgAmt'],
    ['a negative application', 'Applications', application({ CuryAdjgAmt: -5 }), 'CuryAdjgAmt'],
    ['an application past the invoice\'s balance', 'Applications', application({ CuryAdjgAmt: 62.34 }), 'CuryAdjgAmt'],
    ['an application past the memo\'s balance', 'Applications', application({ AdjgRefNbr: MEMO, AdjgDocType: 'CM', CuryAdjgAmt: 20.01 }), 'CuryAdjgAmt'],
    ['an application to a settled invoice', 'Applications', application({ AdjdRefNbr: INV2, CuryAdjgAmt: 1 }), 'CuryAdjgAmt'],
    ['an application without its documents', 'Applications', { CustId: 'C000123', CuryAdjgAmt: 1 }, 'AdjgRefNbr'],
    ['a refund past the memo\'s balance', 'Refunds', refund({}, MEMO, 20.01), 'ApplyTo[0].CuryAdjgAmt'],
    ['a refund against an unknown memo', 'Refunds', refund({}, '0000000001'), 'ApplyTo[0].AdjdRefNbr'],
    ['a refund against another customer\'s memo', 'Refunds', refund({}, OTHER_MEMO), 'ApplyTo[0].AdjdRefNbr'],
    ['a refund against an invoice', 'Refunds', refund({}, INV), 'ApplyTo[0].AdjdRefNbr'],
    ['a refund whose AdjdDocType is not CM', 'Refunds', refund({ ApplyTo: [{ AdjdRefNbr: MEMO, AdjdDocType: 'IN', CuryAdjgAmt: 15 }] }), 'ApplyTo[0].AdjdDocType'],
    ['a refund in another currency than the memo', 'Refunds', refund({ CuryId: 'EUR' }), 'ApplyTo[0].AdjdRefNbr'],
    ['a refund that settles no memo', 'Refunds', refund({ ApplyTo: [] }), 'ApplyTo'],
    ['a refund that pays more than it settles', 'Refunds', refund({ CuryOrigDocAmt: 16 }), 'ApplyTo']
  ])('refuses %s with 422 naming the field, and changes nothing', async (_n, route, body, key) => {
    const before = JSON.stringify([sb.state().arDocs, sb.state().arAdjust, sb.state().lastArRefNbr])
    const r = await call('POST', `${AR}/${route}`, body)
    expect(r.status).toBe(422)
    expect(keys(r)).toContain(key)
    expect(r.body.businessRuleViolations.every((v: { message: string }) => v.message.length > 0 && !v.message.includes('C000123'))).toBe(true)
    expect(JSON.stringify([sb.state().arDocs, sb.state().arAdjust, sb.state().lastArRefNbr])).toBe(before)
  })

  it('a client-chosen RefNbr is kept, refused once taken, and never handed out by SL', async () => {
    const next = String(sb.state().lastArRefNbr + 1).padStart(10, '0')
    const mine = await call('POST', `${AR}/Payments`, payment({ RefNbr: next }))
    expect(mine.body.RefNbr).toBe(next)
    const again = await call('POST', `${AR}/Payments`, payment({ RefNbr: next, CuryOrigDocAmt: 1 }))
    expect(again.status).toBe(422)
    expect(again.body.businessRuleViolations[0]).toMatchObject({ key: 'RefNbr', messageNbr: 8050 })
    expect(arDoc(next).CuryOrigDocAmt).toBe(100)
    const cm = await call('POST', `${AR}/CreditMemos`, { CustId: 'C000123', CuryOrigDocAmt: 1, ExtRefNbr: 're_2' })
    expect(cm.body.RefNbr).not.toBe(next)
    expect(arDoc(next).DocType).toBe('PP')
  })

  it('a PA settles its invoices when taken; what is left is applied later', async () => {
    const pa = await call('POST', `${AR}/Payments`, payment({ RefNbr: 'W000000123', ...applyTo([INV, 62.33]) }))
    expect(pa.body).toMatchObject({ RefNbr: 'W000000123', DocType: 'PA', CuryDocBal: 37.67, DocBal: 37.67 })
    arDoc(INV2).CuryDocBal = arDoc(INV2).DocBal = 40
    const later = await call('POST', `${AR}/Applications`, application({ AdjgRefNbr: 'W000000123', AdjgDocType: 'PA', AdjdRefNbr: INV2, CuryAdjgAmt: 37.67 }))
    expect(later.status).toBe(201)
    expect(arDoc('W000000123')).toMatchObject({ DocType: 'PA', CuryDocBal: 0, DocBal: 0 })
    expect(arDoc(INV2)).toMatchObject({ CuryDocBal: 2.33, DocBal: 2.33 })
    const late = await call('POST', `${AR}/Applications`, application({ AdjgRefNbr: 'W000000123', AdjgDocType: 'PA', AdjdRefNbr: INV2, CuryAdjgAmt: 0.01 }))
    expect(keys(late)).toEqual(['CuryAdjgAmt'])
  })

  it('lists a customer\'s documents, only the open ones with OpenOnly=1, each as SL stores it', async () => {
    const refs = async (q: string) => (await call('GET', `${AR}/Documents?${q}`)).body.Items.map((d: { RefNbr: string }) => d.RefNbr.trimEnd()).sort()
    expect(await refs('CustId=C000123')).toEqual([INV2, PP, MEMO, EUR_INV, INV])
    expect(await refs('CustId=C000123%20%20&OpenOnly=1')).toEqual([PP, MEMO, EUR_INV, INV])
    expect(await refs('CustId=C000123&OpenOnly=0')).toHaveLength(5)
    expect(await refs('CustId=C000123&OpenOnly=1&ExtRefNbr=100045')).toEqual([EUR_INV, INV])
    expect(await refs('ExtRefNbr=100046')).toEqual([OTHER_INV])
    expect(await refs('CustId=NOBODY')).toEqual([])
    const eur = (await call('GET', `${AR}/Documents?CustId=C000123&ExtRefNbr=100045`)).body.Items.find((d: { CuryId: string }) => d.CuryId.trimEnd() === 'EUR')
    expect(eur).toMatchObject({
      RefNbr: EUR_INV, DocType: 'IN', CustId: 'C000123'.padEnd(15), DocDate: '2026-11-27T00:00:00Z', CuryId: 'EUR ', CuryOrigDocAmt: 62.33, CuryDocBal: 62.33,
      OrigDocAmt: 67.52, DocBal: 67.52, ExtRefNbr: '100045'.padEnd(15), InvcNbr: ''.padEnd(15), PmtMethod: ''.padEnd(10), tstamp: 1
    })
    for (const q of ['', 'OpenOnly=1', 'CustId=C000123&OpenOnly=yes']) {
      const r = await call('GET', `${AR}/Documents?${q}`)
      expect(r.status, q).toBe(400)
      expect(keys(r)).toHaveLength(1)
    }
  })

  it('keeps amounts in base at the currency\'s rate (M multiplies, D divides); the base currency\'s are its own', async () => {
    const base = async (CuryId: string, CuryOrigDocAmt: number) =>
      (await call('POST', `${AR}/Payments`, payment({ CuryId, CuryOrigDocAmt }))).body
    expect(await base('USD', 62.33)).toMatchObject({ CuryId: 'USD ', CuryRate: 1, CuryMultDiv: 'M', OrigDocAmt: 62.33, DocBal: 62.33 })
    expect(await base('EUR', 62.33)).toMatchObject({ CuryRate: 1.0832, CuryMultDiv: 'M', OrigDocAmt: 67.52, DocBal: 67.52 })
    expect(await base('GBP', 10)).toMatchObject({ CuryRate: 1.271, OrigDocAmt: 12.71 })
    expect(await base('CAD', 100)).toMatchObject({ CuryRate: 0.738, OrigDocAmt: 73.8 })
    sb.state().rates.CAD = { FromCuryId: 'CAD', ToCuryId: 'USD', Rate: 1.355, MultDiv: 'D' }
    expect(await base('CAD', 100)).toMatchObject({ CuryRate: 1.355, CuryMultDiv: 'D', OrigDocAmt: 73.8 })
    sb.state().currencies.JPY = { CuryId: 'JPY', Descr: 'Yen', DecPl: 0 }
    const none = await call('POST', `${AR}/Payments`, payment({ CuryId: 'JPY' }))
    expect(keys(none)).toEqual(['CuryId'])
  })

  it('a refund settles a credit memo; more than its open balance is refused', async () => {
    const cm = (await call('POST', `${AR}/CreditMemos`, { CustId: 'C000123', CuryId: 'USD', CuryOrigDocAmt: 20, ExtRefNbr: 're_1', InvcNbr: INV, Descr: 'Return' })).body
    const memo = cm.RefNbr.trimEnd()
    const rf = await call('POST', `${AR}/Refunds`, refund({}, memo, 15))
    expect(rf.status).toBe(201)
    expect(rf.body).toMatchObject({ DocType: 'RF', CustId: 'C000123'.padEnd(15), CuryOrigDocAmt: 15, CuryDocBal: 0, OrigDocAmt: 15, DocBal: 0, PmtMethod: 'VISA'.padEnd(10), ExtRefNbr: 're_3NxAbc'.padEnd(15) })
    expect(arDoc(memo)).toMatchObject({ CuryDocBal: 5, DocBal: 5 })
    expect(sb.state().arAdjust.at(-1)).toMatchObject({ AdjgRefNbr: memo, AdjgDocType: 'CM', AdjdRefNbr: rf.body.RefNbr.trimEnd(), AdjdDocType: 'RF', CuryAdjgAmt: 15 })
    const over = await call('POST', `${AR}/Refunds`, refund({ ExtRefNbr: 're_4' }, memo, 5.01))
    expect(over.status).toBe(422)
    expect(keys(over)).toEqual(['ApplyTo[0].CuryAdjgAmt'])
    expect(arDoc(memo).CuryDocBal).toBe(5)
    expect((await call('POST', `${AR}/Refunds`, refund({ ExtRefNbr: 're_5' }, memo, 5))).status).toBe(201)
    const open = (await call('GET', `${AR}/Documents?CustId=C000123&OpenOnly=1`)).body.Items.map((d: { RefNbr: string }) => d.RefNbr.trimEnd())
    expect(open).not.toContain(memo)
    expect((await call('GET', `${AR}/Documents?ExtRefNbr=re_5`)).body.Items[0]).toMatchObject({ DocType: 'RF', CuryDocBal: 0 })
  })

  it('answers every malformed body to an application or a refund with a 4xx in SL\'s error shape', async () => {
    const bodies: unknown[] = [null, [], 'text', 42, {}, { ApplyTo: [null] }, { ApplyTo: 'all' }, { CuryAdjgAmt: '5' }, { AdjgRefNbr: 7, AdjgDocType: ['PP'] }]
    for (const route of ['Applications', 'Refunds']) {
      for (const b of bodies) {
        const r = await sb.app.inject({ method: 'POST', url: `${AR}/${route}`, headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(b) })
        expect(r.statusCode, `${route} ${JSON.stringify(b)} → ${r.body}`).toBeGreaterThanOrEqual(400)
        expect(r.statusCode).toBeLessThan(500)
        expect(r.json().businessRuleViolations[0].message.length).toBeGreaterThan(0)
      }
    }
  })
})

describe('a prepayment taken before SL invoices the order', () => {
  it('is applied to the invoice once it exists, in EUR, with base amounts at the rate', async () => {
    const pp = await call('POST', `${AR}/Payments`, { CustId: 'C000123', CuryId: 'EUR', CuryOrigDocAmt: 62.33, PmtMethod: 'VISA', ExtRefNbr: 'ch_early' })
    expect(pp.body).toMatchObject({ DocType: 'PP', CuryDocBal: 62.33, OrigDocAmt: 67.52, DocBal: 67.52 })
    const ordNbr = (await call('POST', '/api/SalesOrder', order())).body.OrdNbr.trimEnd()
    const invcNbr: string = await waitFor('the invoice', async () => (await call('GET', `/api/SalesOrder/${ordNbr}`)).body.InvcNbr.trim() || undefined)
    const ppNbr = pp.body.RefNbr.trimEnd()
    const open = (await call('GET', `${AR}/Documents?CustId=C000123&OpenOnly=1`)).body.Items
    expect(open.map((d: { RefNbr: string, DocType: string }) => [d.RefNbr.trimEnd(), d.DocType])).toEqual([[ppNbr, 'PP'], [invcNbr, 'IN']])
    expect(open[1]).toMatchObject({ CuryId: 'EUR ', CuryRate: 1.0832, CuryOrigDocAmt: 62.33, CuryDocBal: 62.33, OrigDocAmt: 67.52, DocBal: 67.52, ExtRefNbr: '100045'.padEnd(15) })

    const apply = (CuryAdjgAmt: number) => call('POST', `${AR}/Applications`, { CustId: 'C000123', AdjgRefNbr: ppNbr, AdjgDocType: 'PP', AdjdRefNbr: invcNbr, AdjdDocType: 'IN', CuryAdjgAmt })
    const before = JSON.stringify([arDoc(ppNbr), arDoc(invcNbr)])
    const over = await apply(62.34)
    expect(over.status).toBe(422)
    expect(keys(over)).toEqual(['CuryAdjgAmt', 'CuryAdjgAmt'])
    expect(JSON.stringify([arDoc(ppNbr), arDoc(invcNbr)])).toBe(before)

    const tstamps = [arDoc(ppNbr).tstamp, arDoc(invcNbr).tstamp]
    const part = await apply(50)
    expect(part.status).toBe(201)
    expect(part.body).toEqual({ CustId: 'C000123'.padEnd(15), AdjgRefNbr: ppNbr, AdjgDocType: 'PP', AdjdRefNbr: invcNbr, AdjdDocType: 'IN', CuryAdjgAmt: 50 })
    for (const d of [arDoc(ppNbr), arDoc(invcNbr)]) {
      expect(d).toMatchObject({ CuryDocBal: 12.33, DocBal: 13.36 })
      expect(d.tstamp).toBeGreaterThan(Math.max(...tstamps))
    }
    expect(arDoc(ppNbr).DocType).toBe('PP')
    expect((await apply(12.33)).status).toBe(201)
    expect([arDoc(ppNbr), arDoc(invcNbr)].map((d) => [d.CuryDocBal, d.DocBal])).toEqual([[0, 0], [0, 0]])
    expect((await call('GET', `${AR}/Documents?CustId=C000123&OpenOnly=1`)).body.Items).toEqual([])
    expect(sb.state().arAdjust.map((a) => a.CuryAdjgAmt)).toEqual([50, 12.33])
  })
})

describe('fiscal periods', () => {
  const today = () => period(new Date())
  const periods = async (payload: unknown) => {
    const r = await sb.app.inject({ method: 'PUT', url: '/sandbox/periods', payload: payload as object })
    return { status: r.statusCode, body: r.json() as Record<string, any> }
  }
  const batch = (PerPost: string) => call('POST', '/api/GeneralLedger/Transactions', {
    JrnlType: 'ECM', PerPost, Descr: 'Card settlements', CuryId: 'USD', CtrlTot: 10,
    Lines: [{ Acct: '1010', Sub: '00-000-000', DrAmt: 10, CrAmt: 0 }, { Acct: '1205', Sub: '00-000-000', DrAmt: 0, CrAmt: 10 }]
  })

  it('lists the current period, today\'s, and the open ones, the next among them', async () => {
    const r = await call('GET', '/api/GeneralLedger/Periods')
    expect(r.status).toBe(200)
    expect(r.body.Current).toBe(today())
    expect(r.body.Open).toEqual(expect.arrayContaining([today(), nextPeriod(today())]))
    expect(r.body.Open).toEqual([...r.body.Open].sort())
    expect((await batch(nextPeriod(today()))).status).toBe(201)
  })

  it('refuses a batch into a closed period until the sandbox opens it, and again once it is closed', async () => {
    const later = nextPeriod(nextPeriod(today()))
    const closed = await batch(later)
    expect(closed.status).toBe(422)
    expect(closed.body.businessRuleViolations[0]).toMatchObject({ key: 'PerPost', messageNbr: 8040 })
    const opened = await periods({ open: [later] })
    expect(opened.status).toBe(200)
    expect(opened.body).toEqual({ Current: today(), Open: expect.arrayContaining([today(), later]) })
    expect((await call('GET', '/api/GeneralLedger/Periods')).body).toEqual(opened.body)
    expect((await batch(later)).status).toBe(201)
    expect((await periods({ close: [later] })).body.Open).not.toContain(later)
    expect((await batch(later)).status).toBe(422)
    expect(Object.keys(sb.state().batches)).toHaveLength(1)
  })

  it('closing the current period moves Current on to the next, as SL\'s period close does', async () => {
    const r = await periods({ close: [today(), nextPeriod(today())] })
    const after = nextPeriod(nextPeriod(today()))
    expect(r.body).toMatchObject({ Current: after })
    expect(r.body.Open).toContain(after)
    expect(r.body.Open).not.toContain(today())
    expect((await periods({ current: today(), open: [today()] })).body.Current).toBe(today())
  })

  it.each([
    ['a malformed period to open', { open: ['2026-12'] }, /open\[0\] is not a period/],
    ['a period of month 13', { close: ['202613'] }, /close\[0\] is not a period/],
    ['a list that is not one', { close: '202612' }, /close must be a list/],
    ['a malformed current period', { current: 202612 }, /current is not a period/],
    ['a current period that is not open', { current: '201901' }, /current 201901 is not open/],
    ['a period both opened and closed', { open: ['202612'], close: ['202612'] }, /in both open and close/],
    ['an unknown option', { reopen: ['202612'] }, /unknown option "reopen"/],
    ['a body that is a list', ['202612'], /JSON object/]
  ])('refuses %s with 400 naming the field, and changes nothing', async (_n, body, message) => {
    const before = structuredClone({ c: sb.state().currentPeriod, o: sb.state().openPeriods })
    const r = await periods(body)
    expect(r.status).toBe(400)
    expect(r.body.error).toMatch(message)
    expect({ c: sb.state().currentPeriod, o: sb.state().openPeriods }).toEqual(before)
  })
})
