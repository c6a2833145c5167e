// What the SL sandbox's contract tests share: a sandbox whose Process Manager moves at
// once, a caller with the API's credentials, and the contract's example order.
import { buildSlSandbox, type SlSandbox } from '../app.ts'

export const auth = { authorization: `Basic ${Buffer.from('bridge:secret').toString('base64')}`, 'x-sl-cpnyid': 'DEMO' }

export function quickSandbox (): SlSandbox {
  const sb = buildSlSandbox({ user: 'bridge', password: 'secret', cpnyId: 'DEMO', settings: { allocateAfterMs: 0, shipAfterMs: 0, confirmAfterMs: 0, invoiceAfterMs: 0 }, tickMs: 20 })
  // The tests' item: stocked, whatever the seed's random levels say.
  const site = sb.state().itemSites['WIDGET-RED-L|MAIN']!
  site.QtyOnHand = site.QtyAvail = 100
  return sb
}

export const caller = (sb: () => SlSandbox) =>
  async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = auth) => {
    const r = await sb().app.inject({ method, url, payload: payload as object, headers })
    return { status: r.statusCode, body: r.json() as Record<string, any>, headers: r.headers }
  }

export const order = (over: Record<string, unknown> = {}) => ({
  SOTypeID: 'SO', CustID: 'C000123', CustOrdNbr: '100045', OrdDate: '2026-11-27T10:15:00Z', CuryID: 'EUR', CuryRate: 1.0832, CuryMultDiv: 'M',
  ShipViaID: 'UPSGROUND', ShipName: 'Ana Núñez', ShipAddr1: '500 Congress Ave', ShipAddr2: 'Suite 210', ShipCity: 'Austin', ShipState: 'TX', ShipZip: '78701', ShipCountry: 'USA',
  BillName: 'Ana Núñez', BillAddr1: '500 Congress Ave', BillAddr2: '', BillCity: 'Austin', BillState: 'TX', BillZip: '78701', BillCountry: 'USA',
  CuryTotFrt: 9.95, CuryTotTax: 12.4, TaxID00: 'TXSTATE', CuryWholeOrdDisc: 0, ProjectID: '', SlsperID: '', User1: 'high-value',
  Lines: [{ InvtID: 'WIDGET-RED-L', SiteID: 'MAIN', QtyOrd: 2, CurySlsPrice: 19.99, DiscPct: 0, UnitDesc: 'EA', TaxCat: 'TAXABLE', Descr: 'Red widget, large' }],
  ...over
})
export const line = (over: Record<string, unknown>) => ({ Lines: [{ ...order().Lines[0], ...over }] })
