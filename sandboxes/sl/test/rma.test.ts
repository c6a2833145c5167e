// The SL sandbox's return authorisations against the contract (../shared/contracts/dynamics-sl.md,
// "Returns", "Shippers", "Accounts receivable"): what an RMA may return of its original order,
// its receipt by the Process Manager (stock back, a receiver on the Shipper feed), and the credit
// memo invoicing it makes, which a refund settles. HTTP through inject(): no sockets; the Process
// Manager runs on its timer and the tests await what it does, never sleep.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { waitFor } from '../../../test/helpers.ts'
import { buildSlSandbox, type SlSandbox } from '../app.ts'
import { EMPTY_DATE } from '../process-manager.ts'
import { auth, caller, order, quickSandbox } from './harness.ts'

let sb: SlSandbox
beforeEach(() => { sb = quickSandbox() })
afterEach(async () => { await sb.app.close() })
const call = caller(() => sb)

const AR = '/api/AccountsReceivable'
const site = () => sb.state().itemSites['WIDGET-RED-L|MAIN']!
const settings = (b: object) => sb.app.inject({ method: 'PUT', url: '/sandbox/settings', payload: b })
const violations = (r: { body: Record<string, any> }) =>
  r.body.businessRuleViolations.map(({ key, message }: { key: string, message: string }) => ({ key, message }))
const widget = (over: Record<string, unknown> = {}) =>
  ({ InvtID: 'WIDGET-RED-L', SiteID: 'MAIN', QtyOrd: 3, CurySlsPrice: 19.99, DiscPct: 0, ...over })
const restock = (price: number) => ({ InvtID: 'RESTOCK', CurySlsPrice: price, Descr: 'Restocking fee' })

/** A sales order of three red widgets, shipped, confirmed and invoiced: what a return can name. */
async function shipped (custOrdNbr = 'CL-7001'): Promise<string> {
  const so = await call('POST', '/api/SalesOrder', order({ CustOrdNbr: custOrdNbr, Lines: [widget()] }))
  expect(so.status).toBe(201)
  const nbr = so.body.OrdNbr.trimEnd() as string
  await waitFor('the order invoiced', async () => (await call('GET', `/api/SalesOrder/${nbr}`)).body.InvcNbr.trim() !== '')
  return nbr
}

const rma = (orig: string, lines: object[], over: Record<string, unknown> = {}) =>
  ({ SOTypeID: 'RMA', OrigOrdNbr: orig, CustID: 'C000123', CustOrdNbr: 'CL-7001-R1', Lines: lines, ...over })

const receiverOf = async (ordNbr: string, since = 0) =>
  (await call('GET', `/api/Shipper?SinceTstamp=${since}`)).body.Items
    .find((x: { OrdNbr: string }) => x.OrdNbr.trimEnd() === ordNbr) as Record<string, any> | undefined

describe('a return authorisation', () => {
  it('is received (stock back, a receiver on the Shipper feed), invoiced into a credit memo, and a refund settles it', async () => {
    const orig = await shipped()
    const shipper = await receiverOf(orig)
    expect(shipper).toMatchObject({ ShipperID: 'SH0000881'.padEnd(15), SOTypeID: 'SO  ', ShippingConfirmed: 1, Status: 'C' })
    await settings({ rmaReceiveAfterMs: 400, invoiceAfterMs: 1500 })
    const onHand = site().QtyOnHand
    const since = sb.state().tstamp
    const created = Date.now()
    // Two of the three back, priced by SL from the original order, less a restocking charge, plus tax.
    const r = await call('POST', '/api/SalesOrder', rma(orig, [widget({ QtyOrd: 2, CurySlsPrice: -999876 }), restock(-5)], { CuryTotTax: 3.3 }))
    expect(r.status).toBe(201)
    const nbr = r.body.OrdNbr.trimEnd()
    expect(nbr).toBe('RMA0000121')
    expect(r.body).toMatchObject({ SOTypeID: 'RMA ', OrigOrdNbr: orig.padEnd(15), CuryID: 'EUR ', CuryRate: 1.0832, CuryTotOrd: 38.28, Status: 'O' })
    expect(r.body.Lines.map((l: Record<string, unknown>) => [l.InvtID, l.QtyOrd, l.CurySlsPrice]))
      .toEqual([['WIDGET-RED-L'.padEnd(30), 2, 19.99], ['RESTOCK'.padEnd(30), 1, -5]])
    expect(site().QtyOnHand).toBe(onHand)
    expect(await receiverOf(nbr, since)).toBeUndefined()

    const received = await waitFor('the receiver on the Shipper feed', () => receiverOf(nbr, since))
    expect(received).toEqual({
      ShipperID: 'SH0000882'.padEnd(15), SOTypeID: 'RMA ', OrdNbr: nbr.padEnd(15), CustOrdNbr: 'CL-7001-R1'.padEnd(25), CustID: 'C000123'.padEnd(15),
      Status: 'O', ShipDateAct: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), ShipViaID: ''.padEnd(15), TrackingNbr: ''.padEnd(25),
      ShippingConfirmed: 1, Cancelled: 0, InvcNbr: ''.padEnd(15), InvcDate: EMPTY_DATE, CuryTotInvc: 0,
      Lines: [{ LineRef: '00001', OrdLineRef: '00001', InvtID: 'WIDGET-RED-L'.padEnd(30), SiteID: 'MAIN'.padEnd(10), QtyShip: 2 }],
      tstamp: expect.any(Number)
    })
    expect(Date.parse(received.ShipDateAct)).toBeGreaterThanOrEqual(created + 400)
    expect(site()).toMatchObject({ QtyOnHand: onHand + 2, QtyAvail: onHand + 2 })
    const stock = (await call('GET', `/api/Inventory?SinceTstamp=${since}`)).body.Items
    expect(stock.map((x: Record<string, unknown>) => [x.InvtID, x.SiteID, x.QtyOnHand])).toEqual([['WIDGET-RED-L'.padEnd(30), 'MAIN'.padEnd(10), onHand + 2]])

    const invoiced = await waitFor('the receiver invoiced', async () => {
      const x = await receiverOf(nbr, received.tstamp)
      return x !== undefined && x.InvcNbr.trim() !== '' ? x : undefined
    })
    expect(invoiced).toMatchObject({ ShipperID: received.ShipperID, Status: 'C', CuryTotInvc: 38.28, ShippingConfirmed: 1 })
    expect(invoiced.InvcDate).not.toBe(EMPTY_DATE)
    const memoNbr = invoiced.InvcNbr.trimEnd()
    expect((await call('GET', `/api/SalesOrder/${nbr}`)).body).toMatchObject({ InvcNbr: memoNbr.padEnd(15), Status: 'C' })
    const open = (await call('GET', `${AR}/Documents?CustId=C000123&OpenOnly=1`)).body.Items
    const memo = open.find((d: { RefNbr: string }) => d.RefNbr.trimEnd() === memoNbr)
    expect(memo).toMatchObject({ DocType: 'CM', CustId: 'C000123'.padEnd(15), CuryId: 'EUR ', CuryOrigDocAmt: 38.28, CuryDocBal: 38.28, OrigDocAmt: 41.46, DocBal: 41.46, ExtRefNbr: ''.padEnd(15) })

    const refund = (amt: number) => ({ CustId: 'C000123', CuryId: 'EUR', CuryOrigDocAmt: amt, PmtMethod: 'VISA', ExtRefNbr: 're_rma121', ApplyTo: [{ AdjdRefNbr: memoNbr, AdjdDocType: 'CM', CuryAdjgAmt: amt }] })
    const tooMuch = await call('POST', `${AR}/Refunds`, refund(38.29))
    expect(tooMuch.status).toBe(422)
    expect(violations(tooMuch).map((v: { key: string }) => v.key)).toEqual(['ApplyTo[0].CuryAdjgAmt'])
    const paid = await call('POST', `${AR}/Refunds`, refund(38.28))
    expect(paid.status).toBe(201)
    expect(paid.body).toMatchObject({ DocType: 'RF', CuryOrigDocAmt: 38.28 })
    expect(sb.state().arDocs[memoNbr]).toMatchObject({ CuryDocBal: 0, DocBal: 0 })
    const still = (await call('GET', `${AR}/Documents?CustId=C000123&OpenOnly=1`)).body.Items
    expect(still.map((d: { DocType: string }) => d.DocType)).toEqual(['IN'])
  })

  it('a credit memo of a return also settles an open invoice (Applications)', async () => {
    const orig = await shipped()
    await settings({ rmaReceiveAfterMs: 0 })
    const nbr = (await call('POST', '/api/SalesOrder', rma(orig, [widget({ QtyOrd: 1 })]))).body.OrdNbr.trimEnd()
    const memoNbr = await waitFor('the credit memo', async () => (await call('GET', `/api/SalesOrder/${nbr}`)).body.InvcNbr.trim() || undefined)
    const invoice = sb.state().orders[orig]!.InvcNbr
    const r = await call('POST', `${AR}/Applications`, { CustId: 'C000123', AdjgRefNbr: memoNbr, AdjgDocType: 'CM', AdjdRefNbr: invoice, AdjdDocType: 'IN', CuryAdjgAmt: 19.99 })
    expect(r.status).toBe(201)
    expect(sb.state().arDocs[memoNbr]!.CuryDocBal).toBe(0)
    expect(sb.state().arDocs[invoice]!.CuryDocBal).toBe(62.33)
  })

  it('refuses to return more than was shipped, naming the line', async () => {
    const orig = await shipped()
    const before = { orders: Object.keys(sb.state().orders).length, last: sb.state().soTypes.RMA!.LastNbr }
    const r = await call('POST', '/api/SalesOrder', rma(orig, [widget({ QtyOrd: 4 })]))
    expect(r.status).toBe(422)
    expect(violations(r)).toEqual([{ key: 'Lines[0].QtyOrd', message: `Returns 4 of WIDGET-RED-L while 3 were shipped on ${orig} and not yet returned` }])
    // Lines of one item add up.
    const split = await call('POST', '/api/SalesOrder', rma(orig, [widget({ QtyOrd: 2 }), widget({ QtyOrd: 2 })]))
    expect(violations(split)).toEqual([{ key: 'Lines[1].QtyOrd', message: `Returns 4 of WIDGET-RED-L while 3 were shipped on ${orig} and not yet returned` }])
    expect({ orders: Object.keys(sb.state().orders).length, last: sb.state().soTypes.RMA!.LastNbr }).toEqual(before)
  })

  it('refuses a return of an order nothing has shipped of yet', async () => {
    sb.state().settings.autoShip = false
    const orig = (await call('POST', '/api/SalesOrder', order({ Lines: [widget()] }))).body.OrdNbr.trimEnd()
    const r = await call('POST', '/api/SalesOrder', rma(orig, [widget({ QtyOrd: 1 })]))
    expect(violations(r)).toEqual([{ key: 'Lines[0].QtyOrd', message: `Returns 1 of WIDGET-RED-L while 0 were shipped on ${orig} and not yet returned` }])
  })

  it('counts earlier returns of the same order, but not cancelled ones', async () => {
    const orig = await shipped()
    const first = await call('POST', '/api/SalesOrder', rma(orig, [widget({ QtyOrd: 2 })]))
    expect(first.status).toBe(201)
    const second = await call('POST', '/api/SalesOrder', rma(orig, [widget({ QtyOrd: 2 })], { CustOrdNbr: 'CL-7001-R2' }))
    expect(second.status).toBe(422)
    expect(violations(second)).toEqual([{ key: 'Lines[0].QtyOrd', message: `Returns 2 of WIDGET-RED-L while 1 were shipped on ${orig} and not yet returned` }])
    // Changing the first counts it once, not twice.
    expect((await call('PUT', `/api/SalesOrder/${first.body.OrdNbr.trimEnd()}`, { Lines: [widget({ QtyOrd: 3 })] })).body.Lines[0].QtyOrd).toBe(3)
    expect(violations(await call('PUT', `/api/SalesOrder/${first.body.OrdNbr.trimEnd()}`, { Lines: [widget({ QtyOrd: 4 })] }))[0].key).toBe('Lines[0].QtyOrd')
    expect((await call('PUT', `/api/SalesOrder/${first.body.OrdNbr.trimEnd()}`, { Cancelled: 1 })).body.Cancelled).toBe(1)
    expect((await call('POST', '/api/SalesOrder', rma(orig, [widget({ QtyOrd: 3 })], { CustOrdNbr: 'CL-7001-R2' }))).status).toBe(201)
  })

  it.each([
    ['RESTOCK on a sales order', () => order({ Lines: [widget(), { ...restock(-5), SiteID: 'MAIN', QtyOrd: 1 }] }), 'Lines[1].InvtID', 'Inventory ID RESTOCK does not exist', [{ key: 'Lines[1].CurySlsPrice', message: 'CurySlsPrice must not be negative' }]],
    ['a positive-priced RESTOCK', (o: string) => rma(o, [widget({ QtyOrd: 1 }), restock(5)]), 'Lines[1].CurySlsPrice', 'RESTOCK is a charge: CurySlsPrice must not be above 0'],
    ['RESTOCK charged twice over', (o: string) => rma(o, [widget({ QtyOrd: 1 }), { ...restock(-1), QtyOrd: 2 }]), 'Lines[1].QtyOrd', 'RESTOCK is charged once: Lines[1].QtyOrd must be 1'],
    ['a RESTOCK SL is asked to price', (o: string) => rma(o, [widget({ QtyOrd: 1 }), restock(-999876)]), 'Lines[1].CurySlsPrice', 'SL has no price for RESTOCK: give the charge as CurySlsPrice'],
    ['a restocking charge above the credit', (o: string) => rma(o, [widget({ QtyOrd: 1 }), restock(-20)]), 'Lines[1].CurySlsPrice', 'The return\'s total is -0.01: a restocking charge cannot be more than the return credits'],
    ['a return of RESTOCK alone', (o: string) => rma(o, [restock(0)]), 'Lines', 'A return needs a line that returns an item'],
    ['a negative price on a returned item', (o: string) => rma(o, [widget({ QtyOrd: 1, CurySlsPrice: -19.99 })]), 'Lines[0].CurySlsPrice', 'CurySlsPrice must not be negative'],
    ['another customer\'s order', (o: string) => rma(o, [widget({ QtyOrd: 1 })], { CustID: 'C000100' }), 'CustID', 'Customer ID C000100 is not the customer of original order SO0004501'],
    ['another currency than the order\'s', (o: string) => rma(o, [widget({ QtyOrd: 1 })], { CuryID: 'USD' }), 'CuryID', 'A return is in the currency of its original order SO0004501 (EUR)'],
    ['a return of a return', () => rma('RMA0000121', [widget({ QtyOrd: 1 })]), 'OrigOrdNbr', 'Original order RMA0000121 is a return authorisation, not a sales order']
  ])('refuses %s with 422 naming the field', async (_n, body, key, message, more: object[] = []) => {
    const orig = await shipped()
    expect((await call('POST', '/api/SalesOrder', rma(orig, [widget({ QtyOrd: 1 })], { CustOrdNbr: 'CL-7001-R0' }))).status).toBe(201)
    const before = Object.keys(sb.state().orders).length
    const r = await call('POST', '/api/SalesOrder', body(orig))
    expect(r.status).toBe(422)
    expect(violations(r)).toEqual([{ key, message }, ...more])
    expect(Object.keys(sb.state().orders)).toHaveLength(before)
  })

  it('cancelled before its receipt, is never received', async () => {
    const orig = await shipped()
    await settings({ rmaReceiveAfterMs: 1000 })
    const onHand = site().QtyOnHand
    const cancelled = (await call('POST', '/api/SalesOrder', rma(orig, [widget({ QtyOrd: 1 })]))).body.OrdNbr.trimEnd()
    expect((await call('PUT', `/api/SalesOrder/${cancelled}`, { Cancelled: 1 })).body).toMatchObject({ Cancelled: 1, Status: 'C' })
    // A return made after it is due after it: once that one is received, the cancelled one was passed over.
    const later = (await call('POST', '/api/SalesOrder', rma(orig, [widget({ QtyOrd: 2 })], { CustOrdNbr: 'CL-7001-R2' }))).body.OrdNbr.trimEnd()
    await waitFor('the later return received', () => receiverOf(later))
    expect(await receiverOf(cancelled)).toBeUndefined()
    expect(Object.values(sb.state().shippers).filter((x) => x.OrdNbr === cancelled)).toEqual([])
    expect(site().QtyOnHand).toBe(onHand + 2)
    expect((await call('GET', `/api/SalesOrder/${cancelled}`)).body).toMatchObject({ Cancelled: 1, InvcNbr: ''.padEnd(15) })
    // A received return can no longer be cancelled.
    expect((await call('PUT', `/api/SalesOrder/${later}`, { Cancelled: 1 })).status).toBe(422)
  })
})

describe('a state file from before returns were received', () => {
  it('loads with the receipt setting at its default, and its shippers as sales orders\' shippers', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'sl-sandbox-')), 'sl.json')
    const creds = { user: 'bridge', password: 'secret', cpnyId: 'DEMO', dataFile }
    const quick = { allocateAfterMs: 0, shipAfterMs: 0, confirmAfterMs: 0, invoiceAfterMs: 0 }
    const first = buildSlSandbox({ ...creds, settings: quick, tickMs: 20 })
    const stocked = first.state().itemSites['WIDGET-RED-L|MAIN']!
    stocked.QtyOnHand = stocked.QtyAvail = 100
    const so = (await first.app.inject({ method: 'POST', url: '/api/SalesOrder', payload: order({ Lines: [widget({ QtyOrd: 1 })] }), headers: auth })).json()
    await waitFor('the shipper', () => Object.values(first.state().shippers).some((x) => x.OrdNbr === so.OrdNbr.trimEnd() && x.InvcNbr !== ''))
    await first.app.close()
    const old = JSON.parse(readFileSync(dataFile, 'utf8'))
    delete old.settings.rmaReceiveAfterMs
    for (const sh of Object.values(old.shippers) as Array<Record<string, unknown>>) delete sh.SOTypeID
    writeFileSync(dataFile, JSON.stringify(old))
    const second = buildSlSandbox(creds)
    try {
      expect(second.state().settings.rmaReceiveAfterMs).toBe(5000)
      expect((await second.app.inject({ method: 'PUT', url: '/sandbox/settings', payload: { rmaReceiveAfterMs: 10 } })).statusCode).toBe(200)
      const feed = (await second.app.inject({ url: '/api/Shipper?SinceTstamp=0', headers: auth })).json().Items
      expect(feed.map((x: Record<string, unknown>) => [x.OrdNbr, x.SOTypeID])).toEqual([[so.OrdNbr, 'SO  ']])
      expect(Object.keys(feed[0]).slice(0, 3)).toEqual(['ShipperID', 'SOTypeID', 'OrdNbr'])
    } finally {
      await second.app.close()
    }
  })
})
