// The SL sandbox against the contract (../shared/contracts/dynamics-sl.md): every
// route, every rule, each rejection (receivables and fiscal periods: finance.test.ts).
// HTTP through inject(): no sockets.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { waitFor } from '../../../test/helpers.ts'
import type { SlSandbox } from '../app.ts'
import { period } from '../state.ts'
import { auth, caller, line, order, quickSandbox } from './harness.ts'

let sb: SlSandbox
beforeEach(() => { sb = quickSandbox() })
afterEach(async () => { await sb.app.close() })
const call = caller(() => sb)

describe('connection', () => {
  it('refuses bad credentials with 401 and the error shape', async () => {
    const r = await call('GET', '/api/SalesOrder?CustOrdNbr=x', undefined, { ...auth, authorization: `Basic ${Buffer.from('bridge:wrong').toString('base64')}` })
    expect(r.status).toBe(401)
    expect(r.body.businessRuleViolations[0]).toMatchObject({ key: 'Authorization', fatal: true, severity: 'Error' })
  })
  it('needs the company header, and the right company', async () => {
    expect((await call('GET', '/api/SalesOrder?CustOrdNbr=x', undefined, { authorization: auth.authorization })).status).toBe(400)
    expect((await call('GET', '/api/SalesOrder?CustOrdNbr=x', undefined, { ...auth, 'x-sl-cpnyid': 'OTHER' })).status).toBe(401)
  })
  it('answers malformed JSON with 400, unknown routes and keys with 404, always in the error shape', async () => {
    const bad = await sb.app.inject({ method: 'POST', url: '/api/SalesOrder', payload: '{"SOTypeID":', headers: { ...auth, 'content-type': 'application/json' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().businessRuleViolations[0].message).toMatch(/JSON/)
    expect((await call('GET', '/api/Nope')).body.businessRuleViolations).toHaveLength(1)
    expect((await call('GET', '/api/SalesOrder/SO9999999')).status).toBe(404)
    expect((await call('POST', '/api/SalesOrder', [1, 2])).status).toBe(400)
  })
})

describe('sales orders', () => {
  it('creates an order numbered by its type, space-padded as SL stores char fields', async () => {
    const r = await call('POST', '/api/SalesOrder', order())
    expect(r.status).toBe(201)
    expect(r.body.OrdNbr).toBe('SO0004501    '.padEnd(15))
    expect(r.body).toMatchObject({ Status: 'O', NextFunctionID: '4010000'.padEnd(8), CustID: 'C000123'.padEnd(15), CuryTotOrd: 62.33 })
    expect(r.body.Lines[0].LineRef).toBe('00001')
    const second = await call('POST', '/api/SalesOrder', order())
    expect(second.body.OrdNbr.trimEnd()).toBe('SO0004502')
    // CustOrdNbr is not unique in SL: the lookup finds both.
    const found = await call('GET', '/api/SalesOrder?CustOrdNbr=100045')
    expect(found.body.Items.map((o: { OrdNbr: string }) => o.OrdNbr.trimEnd())).toEqual(['SO0004501', 'SO0004502'])
    expect((await call('GET', '/api/SalesOrder?CustOrdNbr=nothing')).body.Items).toEqual([])
    const one = await call('GET', `/api/SalesOrder/${r.body.OrdNbr.trimEnd()}`)
    expect(one.body.OrdNbr).toBe(r.body.OrdNbr)
  })

  it('prices a line itself when CurySlsPrice is -999876', async () => {
    const r = await call('POST', '/api/SalesOrder', order({ CuryID: 'USD', ...line({ CurySlsPrice: -999876 }) }))
    expect(r.status).toBe(201)
    expect(r.body.Lines[0].CurySlsPrice).toBe(sb.state().items['WIDGET-RED-L']!.StkBasePrc)
  })

  it.each([
    ['unknown CustID', order({ CustID: 'NOBODY' }), 'CustID'],
    ['unknown InvtID', line({ InvtID: 'NO-SUCH-ITEM' }), 'Lines[0].InvtID'],
    ['inactive item', line({ InvtID: 'MOTOR-2HP-1PH' }), 'Lines[0].InvtID'],
    ['item on hold', line({ InvtID: 'SENSOR-MAG-200' }), 'Lines[0].InvtID'],
    ['unknown SiteID', line({ SiteID: 'MOON' }), 'Lines[0].SiteID'],
    ['unknown CuryID', order({ CuryID: 'XYZ' }), 'CuryID'],
    ['unknown ShipViaID', order({ ShipViaID: 'TELEPORT' }), 'ShipViaID'],
    ['QtyOrd of 0', line({ QtyOrd: 0 }), 'Lines[0].QtyOrd'],
    ['negative QtyOrd', line({ QtyOrd: -1 }), 'Lines[0].QtyOrd'],
    ['no lines', order({ Lines: [] }), 'Lines'],
    ['1,000 lines', order({ Lines: Array.from({ length: 1000 }, () => order().Lines[0]) }), 'Lines'],
    ['CustOrdNbr over char(25)', order({ CustOrdNbr: 'X'.repeat(26) }), 'CustOrdNbr'],
    ['ShipCity over char(30)', order({ ShipCity: 'Llanfairpwllgwyngyllgogerychwyrndrobwll' }), 'ShipCity'],
    ['ShipAddr1 over char(60)', order({ ShipAddr1: 'A'.repeat(61) }), 'ShipAddr1'],
    ['ShipState over char(3)', order({ ShipState: 'TEXAS' }), 'ShipState'],
    ['ShipCountry over char(3)', order({ ShipCountry: 'UNITED STATES' }), 'ShipCountry'],
    ['line Descr over char(60)', line({ Descr: 'D'.repeat(61) }), 'Lines[0].Descr'],
    ['unknown order type', order({ SOTypeID: 'XX' }), 'SOTypeID'],
    ['missing CustID', order({ CustID: undefined }), 'CustID'],
    ['RMA without OrigOrdNbr', order({ SOTypeID: 'RMA' }), 'OrigOrdNbr']
  ])('rejects %s with 422 naming the field, and never truncates', async (_name, body, key) => {
    const before = Object.keys(sb.state().orders).length
    const r = await call('POST', '/api/SalesOrder', body)
    expect(r.status).toBe(422)
    expect(r.body.businessRuleViolations.map((v: { key: string }) => v.key)).toContain(key)
    expect(Object.keys(sb.state().orders)).toHaveLength(before)
  })

  it('accepts exactly 999 lines and reports every violation of one order at once', async () => {
    expect((await call('POST', '/api/SalesOrder', order({ Lines: Array.from({ length: 999 }, () => order().Lines[0]) }))).status).toBe(201)
    const r = await call('POST', '/api/SalesOrder', order({ CustID: 'NOBODY', ShipState: 'TEXAS', ...line({ QtyOrd: 0 }) }))
    expect(r.body.businessRuleViolations.map((v: { key: string }) => v.key)).toEqual(expect.arrayContaining(['CustID', 'ShipState', 'Lines[0].QtyOrd']))
  })

  it('an RMA references the original order, once SL has shipped what it returns', async () => {
    const so = await call('POST', '/api/SalesOrder', order())
    const nbr = so.body.OrdNbr.trimEnd()
    await waitFor('invoice', async () => (await call('GET', `/api/SalesOrder/${nbr}`)).body.InvcNbr.trim() !== '')
    const rma = await call('POST', '/api/SalesOrder', order({ SOTypeID: 'RMA', OrigOrdNbr: nbr }))
    expect(rma.status).toBe(201)
    expect(rma.body.OrdNbr.trimEnd()).toBe('RMA0000121')
  })

  it('is allocated, shipped with tracking, confirmed and invoiced by the Process Manager', async () => {
    const site = () => sb.state().itemSites['WIDGET-RED-L|MAIN']!
    const onHand = site().QtyOnHand
    sb.state().settings.autoShip = false
    const r = await call('POST', '/api/SalesOrder', order({ CustOrdNbr: '200001' }))
    const nbr = r.body.OrdNbr.trimEnd()
    await waitFor('allocation', async () => site().QtyAlloc === 2)
    expect(site().QtyAvail).toBe(onHand - 2)
    expect((await call('GET', '/api/Shipper?SinceTstamp=0')).body.Items).toEqual([])
    sb.state().settings.autoShip = true
    await waitFor('invoice', async () => (await call('GET', `/api/SalesOrder/${nbr}`)).body.InvcNbr.trim() !== '')
    const shippers = (await call('GET', '/api/Shipper?SinceTstamp=0')).body
    const sh = shippers.Items.find((x: { OrdNbr: string }) => x.OrdNbr.trimEnd() === nbr)
    expect(sh).toMatchObject({ ShippingConfirmed: 1, Cancelled: 0, Status: 'C' })
    expect(sh.TrackingNbr.trimEnd()).toMatch(/^1Z\d{16}$/)
    expect(sh.CustOrdNbr.trimEnd()).toBe('200001')
    expect(sh.CuryTotInvc).toBe(62.33)
    expect(sh.Lines[0]).toMatchObject({ OrdLineRef: '00001', InvtID: 'WIDGET-RED-L'.padEnd(30), QtyShip: 2 })
    expect(site()).toMatchObject({ QtyOnHand: onHand - 2, QtyAlloc: 0, QtyShipNotInv: 0, QtyAvail: onHand - 2 })
    expect((await call('GET', `/api/SalesOrder/${nbr}`)).body.Status).toBe('C')
    // The same shipper appears again as it moves: the feed is by tstamp.
    expect(shippers.NextTstamp).toBe(sh.tstamp)
    expect((await call('GET', `/api/Shipper?SinceTstamp=${shippers.NextTstamp}`)).body).toEqual({ Items: [], NextTstamp: shippers.NextTstamp })
    // Once a shipper is confirmed the order cannot change.
    const late = await call('PUT', `/api/SalesOrder/${nbr}`, { Cancelled: 1 })
    expect(late.status).toBe(422)
    expect(late.body.businessRuleViolations[0].messageNbr).toBe(8020)
  })

  it('counts an oversell where SL cannot allocate what the store sold', async () => {
    sb.state().settings.autoShip = false
    const scarce = sb.state().itemSites['GAUGE-DRY-0100|MAIN']!
    scarce.QtyOnHand = 1; scarce.QtyAvail = 1
    await call('POST', '/api/SalesOrder', order({ ...line({ InvtID: 'GAUGE-DRY-0100', QtyOrd: 3 }) }))
    await waitFor('allocation', async () => sb.state().stats.oversoldLines === 1)
    expect(sb.state().stats.oversoldQty).toBe(2)
    expect(scarce.QtyAlloc).toBe(1)
  })

  it('cancels an open order and gives its allocation back; replaces lines before shipping', async () => {
    sb.state().settings.autoShip = false
    const nbr = (await call('POST', '/api/SalesOrder', order())).body.OrdNbr.trimEnd()
    const site = sb.state().itemSites['WIDGET-RED-L|MAIN']!
    await waitFor('allocation', async () => site.QtyAlloc === 2)
    const changed = await call('PUT', `/api/SalesOrder/${nbr}`, line({ QtyOrd: 5 }))
    expect(changed.status).toBe(200)
    expect(changed.body.Lines[0].QtyOrd).toBe(5)
    await waitFor('re-allocation', async () => site.QtyAlloc === 5)
    expect((await call('PUT', `/api/SalesOrder/${nbr}`, { CustOrdNbr: 'other' })).status).toBe(422)
    expect((await call('PUT', `/api/SalesOrder/${nbr}`, { ShipState: 'TEXAS' })).status).toBe(422)
    const cancelled = await call('PUT', `/api/SalesOrder/${nbr}`, { Cancelled: 1 })
    expect(cancelled.body).toMatchObject({ Cancelled: 1, Status: 'C' })
    expect(site.QtyAlloc).toBe(0)
  })
})

describe('inventory and products', () => {
  it('serves item sites as a change feed and per item', async () => {
    const page = await call('GET', '/api/Inventory?SinceTstamp=0&Limit=10')
    expect(page.body.Items).toHaveLength(10)
    expect(Object.keys(page.body.Items[0])).toEqual(['InvtID', 'SiteID', 'QtyOnHand', 'QtyAvail', 'QtyAlloc', 'QtyShipNotInv', 'QtyOnPO', 'LUpd_DateTime', 'tstamp'])
    const nextPage = await call('GET', `/api/Inventory?SinceTstamp=${page.body.NextTstamp}&Limit=10`)
    expect(nextPage.body.Items[0].tstamp).toBeGreaterThan(page.body.NextTstamp)
    const sites = await call('GET', '/api/Inventory/WIDGET-RED-L')
    expect(sites.body.Items.map((x: { SiteID: string }) => x.SiteID.trimEnd())).toEqual(['MAIN', 'EAST', 'WEST'])
    expect((await call('GET', '/api/Inventory/NOPE')).status).toBe(404)
  })

  it('adjusts stock, never below zero on hand, and the change shows in the feed', async () => {
    const before = sb.state().tstamp
    const r = await call('PUT', '/api/Inventory/WIDGET-RED-L/MAIN', { QtyAdjust: -3, ReasonCd: 'DAMAGE' })
    expect(r.status).toBe(200)
    expect((await call('GET', `/api/Inventory?SinceTstamp=${before}`)).body.Items.map((x: { InvtID: string }) => x.InvtID.trimEnd())).toEqual(['WIDGET-RED-L'])
    const onHand = sb.state().itemSites['WIDGET-RED-L|MAIN']!.QtyOnHand
    const neg = await call('PUT', '/api/Inventory/WIDGET-RED-L/MAIN', { QtyAdjust: -(onHand + 1), ReasonCd: 'COUNT' })
    expect(neg.status).toBe(422)
    expect(neg.body.businessRuleViolations[0]).toMatchObject({ key: 'QtyAdjust', messageNbr: 8030 })
    expect((await call('PUT', '/api/Inventory/WIDGET-RED-L/MOON', { QtyAdjust: 1, ReasonCd: 'X' })).status).toBe(404)
    expect((await call('PUT', '/api/Inventory/WIDGET-RED-L/MAIN', { QtyAdjust: 'lots', ReasonCd: 'X' })).status).toBe(422)
    expect((await call('PUT', '/api/Inventory/WIDGET-RED-L/MAIN', { QtyAdjust: 1, ReasonCd: 'TOOLONGREASON' })).status).toBe(422)
  })

  it('serves and updates the item master; an item taken out of use shows in the feed', async () => {
    const p = await call('GET', '/api/Product/WIDGET-RED-L')
    expect(p.body).toMatchObject({ TranStatusCode: 'AC', StkUnit: 'EA'.padEnd(6) })
    const before = sb.state().tstamp
    expect((await call('PUT', '/api/Product/WIDGET-RED-L', { TranStatusCode: 'IN', StkBasePrc: 21.5 })).body).toMatchObject({ TranStatusCode: 'IN', StkBasePrc: 21.5 })
    expect((await call('GET', `/api/Product?SinceTstamp=${before}`)).body.Items).toHaveLength(1)
    expect((await call('PUT', '/api/Product/WIDGET-RED-L', { TranStatusCode: 'ZZ' })).status).toBe(422)
    expect((await call('PUT', '/api/Product/WIDGET-RED-L', { Descr: 'x'.repeat(61) })).status).toBe(422)
    expect((await call('GET', '/api/Product/NOPE')).status).toBe(404)
  })
})

describe('customers', () => {
  const cust = { CustId: 'WEB-000777', Name: 'Lena Fischer', Addr1: '1 Elm St', City: 'Reno', State: 'NV', Zip: '89501', Country: 'USA', EMailAddr: 'Lena@Example.com', CuryId: 'USD', ShipTo: [{ ShipToId: 'DEFAULT', Name: 'Lena Fischer', Addr1: '1 Elm St' }] }
  it('creates once (409 after), finds by e-mail and by id, updates, and feeds changes', async () => {
    expect((await call('POST', '/api/Customer', cust)).status).toBe(201)
    expect((await call('POST', '/api/Customer', cust)).status).toBe(409)
    expect((await call('GET', '/api/Customer?EMailAddr=lena@example.com')).body.Items).toHaveLength(1)
    expect((await call('GET', '/api/Customer/WEB-000777')).body.ShipTo[0].ShipToId).toBe('DEFAULT'.padEnd(10))
    const before = sb.state().tstamp
    expect((await call('PUT', '/api/Customer/WEB-000777', { Phone: '+1 775 555 0101' })).body.Phone.trimEnd()).toBe('+1 775 555 0101')
    expect((await call('GET', `/api/Customer?SinceTstamp=${before}`)).body.Items.map((c: { CustId: string }) => c.CustId.trimEnd())).toEqual(['WEB-000777'])
    expect((await call('GET', '/api/Customer/NOPE')).status).toBe(404)
  })
  it.each([
    ['lower-case CustId', { ...cust, CustId: 'web-1' }, 'CustId'],
    ['CustId over char(15)', { ...cust, CustId: 'C'.repeat(16) }, 'CustId'],
    ['EMailAddr over char(80)', { ...cust, EMailAddr: `${'a'.repeat(75)}@example.com` }, 'EMailAddr'],
    ['unknown currency', { ...cust, CuryId: 'XYZ' }, 'CuryId'],
    ['missing Name', { ...cust, Name: '' }, 'Name']
  ])('rejects %s', async (_n, body, key) => {
    const r = await call('POST', '/api/Customer', body)
    expect(r.status).toBe(422)
    expect(r.body.businessRuleViolations.map((v: { key: string }) => v.key)).toContain(key)
  })
})

describe('general ledger', () => {
  const per = () => period(new Date())
  const batch = (over: Record<string, unknown> = {}) => ({
    JrnlType: 'ECM', PerPost: per(), Descr: 'Card settlements 2026-11-27', CuryId: 'USD', CtrlTot: 1041.35,
    Lines: [
      { Acct: '1010', Sub: '00-000-000', DrAmt: 1011.0, CrAmt: 0, TranDesc: 'Stripe payout', RefNbr: 'PO1127', ExtRefNbr: 'payout_8842', TranDate: '2026-11-27T00:00:00Z' },
      { Acct: '6110', Sub: '00-000-000', DrAmt: 30.35, CrAmt: 0, TranDesc: 'Card fees', RefNbr: 'PO1127', ExtRefNbr: 'payout_8842', TranDate: '2026-11-27T00:00:00Z' },
      { Acct: '1205', Sub: '00-000-000', DrAmt: 0, CrAmt: 1041.35, TranDesc: 'Clear card clearing', RefNbr: 'PO1127', ExtRefNbr: 'payout_8842', TranDate: '2026-11-27T00:00:00Z' }
    ],
    ...over
  })
  const withLine = (i: number, l: Record<string, unknown>) => {
    const b = batch()
    b.Lines[i] = { ...b.Lines[i]!, ...l }
    return b
  }

  it('posts a balanced batch and finds it by ExtRefNbr', async () => {
    const r = await call('POST', '/api/GeneralLedger/Transactions', batch())
    expect(r.status).toBe(201)
    expect(r.body).toEqual({ BatNbr: '001234'.padEnd(10), Status: 'B' })
    expect((await call('GET', '/api/GeneralLedger/Batches?ExtRefNbr=payout_8842')).body.Items).toHaveLength(1)
    expect((await call('GET', '/api/GeneralLedger/Batches?ExtRefNbr=none')).body.Items).toHaveLength(0)
  })
  it.each([
    ['debits ≠ credits (818)', withLine(0, { DrAmt: 1011.01 }), 818],
    ['sums ≠ CtrlTot (818)', batch({ CtrlTot: 1000 }), 818],
    ['a closed period', batch({ PerPost: '201901' }), 8040],
    ['a malformed period', batch({ PerPost: '2026-11' }), 8040],
    ['an unknown account', withLine(1, { Acct: '7777' }), 8012],
    ['an inactive account', withLine(1, { Acct: '1999' }), 8013],
    ['an inactive subaccount', withLine(1, { Sub: '99-999-999' }), 8013],
    ['a line with both DrAmt and CrAmt', withLine(1, { CrAmt: 1 }), 8041],
    ['a line with neither', withLine(1, { DrAmt: 0 }), 8041],
    ['TranDesc over char(30)', withLine(0, { TranDesc: 'Stripe payout for the whole week' }), 8010],
    ['batch Descr over char(30)', batch({ Descr: 'Card settlements for 2026-11-27 (all)' }), 8010]
  ])('refuses %s with 422', async (_n, body, nbr) => {
    const r = await call('POST', '/api/GeneralLedger/Transactions', body)
    expect(r.status).toBe(422)
    expect(r.body.businessRuleViolations.map((v: { messageNbr: number }) => v.messageNbr)).toContain(nbr)
    expect(Object.keys(sb.state().batches)).toHaveLength(0)
  })
})

describe('system: Status, and the database restored or moved', () => {
  const status = async () => (await call('GET', '/api/Status')).body as { CpnyID: string, DatabaseId: string, Tstamp: number }
  const admin = async (url: string, payload?: object) => {
    const r = await sb.app.inject({ method: 'POST', url, payload })
    return { status: r.statusCode, body: r.json() as Record<string, any> }
  }
  const feed = async (route: string) => {
    const rows: Array<{ InvtID: string, SiteID: string, tstamp: number }> = []
    for (let since = 0; ;) {
      const page = (await call('GET', `/api/${route}?SinceTstamp=${since}&Limit=500`)).body
      if (page.Items.length === 0) return rows
      rows.push(...page.Items)
      since = page.NextTstamp
    }
  }
  const adjust = (qty: number) => call('PUT', '/api/Inventory/WIDGET-RED-L/MAIN', { QtyAdjust: qty, ReasonCd: 'COUNT' })

  it('answers the company, the database and its current rowversion, behind the same auth', async () => {
    const s = await status()
    expect(s.CpnyID).toBe('DEMO'.padEnd(10))
    expect(s.DatabaseId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/)
    expect(s.Tstamp).toBe(sb.state().tstamp)
    const written = (await adjust(1)).body
    expect((await status()).Tstamp).toBe(written.tstamp)
    expect((await call('GET', '/api/Status', undefined, { ...auth, authorization: `Basic ${Buffer.from('bridge:wrong').toString('base64')}` })).status).toBe(401)
    expect((await call('GET', '/api/Status', undefined, { authorization: auth.authorization })).status).toBe(400)
  })

  it('a restore brings back the rows and the counter of the backup; rows written after get tstamps a client has seen', async () => {
    expect((await admin('/sandbox/database/restore')).status).toBe(409)
    const before = await status()
    const onHand = sb.state().itemSites['WIDGET-RED-L|MAIN']!.QtyOnHand
    expect((await admin('/sandbox/database/backup')).body.backup).toEqual({ DatabaseId: before.DatabaseId, tstamp: before.Tstamp })
    for (let i = 0; i < 5; i++) await adjust(1)
    const seen = (await call('GET', `/api/Inventory?SinceTstamp=${before.Tstamp}`)).body.NextTstamp as number
    expect(seen).toBe(before.Tstamp + 5)

    const r = await admin('/sandbox/database/restore')
    expect(r.body).toEqual({
      restored: { DatabaseId: before.DatabaseId, tstamp: before.Tstamp },
      was: { DatabaseId: before.DatabaseId, tstamp: seen }
    })
    expect(await status()).toEqual(before)
    expect(sb.state().itemSites['WIDGET-RED-L|MAIN']!.QtyOnHand).toBe(onHand)
    // A client reading on from what it saw finds nothing, though SL changed after the restore.
    const after = (await adjust(-2)).body
    expect(after.tstamp).toBe(before.Tstamp + 1)
    expect((await call('GET', `/api/Inventory?SinceTstamp=${seen}`)).body.Items).toEqual([])
    expect((await status()).Tstamp).toBeLessThan(seen)
    // The backup stays, as a backup file does: it can be restored again.
    expect((await admin('/sandbox/database/restore')).body.restored.tstamp).toBe(before.Tstamp)
    expect((await sb.app.inject('/sandbox/state')).json()).toMatchObject({ DatabaseId: before.DatabaseId, tstamp: before.Tstamp, backup: { tstamp: before.Tstamp } })
  })

  it('a move gives another DatabaseId and numbers the rows anew in their order; --keepTstamps keeps them', async () => {
    await adjust(1)
    const before = await status()
    const order = (rows: Array<{ InvtID: string, SiteID: string }>) => rows.map((x) => `${x.InvtID}|${x.SiteID}`)
    const rows = await feed('Inventory')
    const r = await admin('/sandbox/database/move')
    expect(r.body.was).toEqual({ DatabaseId: before.DatabaseId, tstamp: before.Tstamp })
    const moved = await status()
    expect(moved.DatabaseId).not.toBe(before.DatabaseId)
    expect(moved.Tstamp).toBeLessThan(before.Tstamp)
    const again = await feed('Inventory')
    expect(order(again)).toEqual(order(rows))
    expect(again.every((x, i) => i === 0 || x.tstamp > again[i - 1]!.tstamp)).toBe(true)
    expect(again.at(-1)!.tstamp).toBeLessThanOrEqual(moved.Tstamp)
    expect((await adjust(1)).body.tstamp).toBe(moved.Tstamp + 1)

    // A backup restored onto another server: the rowversions travel with the rows.
    const tstamps = (await feed('Inventory')).map((x) => x.tstamp)
    const kept = await admin('/sandbox/database/move', { keepTstamps: true })
    expect(kept.body.moved.DatabaseId).not.toBe(moved.DatabaseId)
    expect(kept.body.moved.tstamp).toBe(moved.Tstamp + 1)
    expect((await feed('Inventory')).map((x) => x.tstamp)).toEqual(tstamps)
    expect((await admin('/sandbox/database/move', { keepTstamps: 'yes' })).status).toBe(400)
    expect((await admin('/sandbox/database/move', { nonsense: 1 })).status).toBe(400)
  })

  it('a reset puts back the seed in the same database', async () => {
    const before = await status()
    await adjust(1)
    await sb.app.inject({ method: 'POST', url: '/sandbox/reset' })
    const after = await status()
    expect(after).toEqual(before)
  })
})

describe('faults and inspection', () => {
  it('injects 429 with Retry-After, 503, an outage, latency, a rate limit; counts them; clears', async () => {
    const put = (b: object) => sb.app.inject({ method: 'PUT', url: '/sandbox/faults', payload: b })
    await put({ rate429: 1, retryAfterSec: 7 })
    const t = await call('GET', '/api/Product/WIDGET-RED-L')
    expect(t.status).toBe(429)
    expect(t.headers['retry-after']).toBe('7')
    expect(t.body.businessRuleViolations).toHaveLength(1)
    await put({ rate429: 0, rate503: 1 })
    expect((await call('GET', '/api/Product/WIDGET-RED-L')).status).toBe(503)
    await put({ rate503: 0, outageSec: 30 })
    expect((await call('GET', '/api/Product/WIDGET-RED-L')).status).toBe(503)
    await sb.app.inject({ method: 'DELETE', url: '/sandbox/faults' })
    await put({ rateLimitPerSec: 2 })
    const codes = []
    for (let i = 0; i < 4; i++) codes.push((await call('GET', '/api/Product/WIDGET-RED-L')).status)
    expect(codes).toContain(429)
    await sb.app.inject({ method: 'DELETE', url: '/sandbox/faults' })
    await put({ latencyMs: 30 })
    const t0 = Date.now()
    expect((await call('GET', '/api/Product/WIDGET-RED-L')).status).toBe(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25)
    const counters = (await sb.app.inject('/sandbox/faults')).json().counters
    expect(counters).toMatchObject({ throttled: 1, unavailable: 1, outage: 1, latency: 1 })
    expect(counters.rateLimited).toBeGreaterThan(0)
    expect((await put({ rate429: 2 })).statusCode).toBe(400)
    expect((await put({ nonsense: 1 })).statusCode).toBe(400)
  })
  it('shows counts, orders by CustOrdNbr, item sites; resets to the seed', async () => {
    await call('POST', '/api/SalesOrder', order({ CustOrdNbr: '777' }))
    const st = (await sb.app.inject('/sandbox/state')).json()
    expect(st.counts).toMatchObject({ orders: 1, items: 270, itemSites: 810, customers: 41 })
    expect((await sb.app.inject('/sandbox/state/orders?CustOrdNbr=777')).json().Items).toHaveLength(1)
    expect((await sb.app.inject('/sandbox/state/item-sites?InvtID=WIDGET-RED-L')).json().Items).toHaveLength(3)
    await sb.app.inject({ method: 'POST', url: '/sandbox/reset' })
    expect((await sb.app.inject('/sandbox/state')).json().counts.orders).toBe(0)
  })
})
