import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { refusal, slOrderBody, type MappedOrder } from '../src/transform.ts'

const eur: MappedOrder = {
  ...JSON.parse(readFileSync(new URL('../../../test/fixtures/orders.mapped/eur.json', import.meta.url), 'utf8')) as MappedOrder,
  ProjectID: '', SlsperID: 'WEB', User1: 'high-value'
}

describe('mapped order → POST /api/SalesOrder', () => {
  it('carries every field of the contract\'s create body, money as numbers, the date as ISO-8601', () => {
    expect(slOrderBody(eur)).toEqual({
      SOTypeID: 'SO', CustID: 'C000123', CustOrdNbr: '100045', OrdDate: '2026-11-27T10:15:00.000Z',
      CuryID: 'EUR', CuryRate: 1.0832, CuryMultDiv: 'M',
      ShipViaID: 'UPSGROUND', ShipName: 'Ana Núñez', ShipAddr1: '500 Congress Ave', ShipAddr2: '', ShipCity: 'Austin',
      ShipState: 'TX', ShipZip: '78701', ShipCountry: 'USA',
      BillName: 'Ana Núñez', BillAddr1: '500 Congress Ave', BillAddr2: 'Suite 210', BillCity: 'Austin', BillState: 'TX', BillZip: '78701', BillCountry: 'USA',
      CuryTotFrt: 9.95, CuryTotTax: 12.4, TaxID00: 'TXSTATE', CuryWholeOrdDisc: 4,
      ProjectID: '', SlsperID: 'WEB', User1: 'high-value',
      Lines: [{ InvtID: 'WIDGET-RED-L', SiteID: 'MAIN', QtyOrd: 2, CurySlsPrice: 19.99, DiscPct: 0, UnitDesc: 'EA', TaxCat: 'TAXABLE', Descr: 'Red widget, large' }]
    })
  })

  it('leaves out what SL works out itself or the bridge keeps to itself (totals in base currency, flags, ids)', () => {
    const body = slOrderBody({ ...eur, flags: ['high-value'], holdReason: null })
    for (const k of ['CuryTotOrd', 'TotOrdBase', 'BaseCuryID', 'clarityOrderId', 'clarityEventId', 'flags', 'holdReason', 'mappingVersion', 'cancelled']) expect(body).not.toHaveProperty(k)
  })
})

describe('SL\'s words refusing an order, as the hold reason', () => {
  it.each<[string, string, string]>([
    ['words that quote nothing of the order stay as they are', 'SL refused (422): CustID: Customer ID C000123 does not exist (messageNbr 8012)', 'SL refused (422): CustID: Customer ID C000123 does not exist (messageNbr 8012)'],
    ['a name and an address SL quoted are taken out', 'SL refused (422): ShipName: \'Ana Núñez\' at 500 Congress Ave, Suite 210 (messageNbr 8017)', 'SL refused (422): ShipName: \'[redacted]\' at [redacted], [redacted] (messageNbr 8017)'],
    ['a city and a ZIP code too, in any case', 'ShipCity AUSTIN, BillZip 78701', 'ShipCity [redacted], BillZip [redacted]'],
    ['codes of the order are not personal', 'ShipState TX, ShipCountry USA, InvtID WIDGET-RED-L', 'ShipState TX, ShipCountry USA, InvtID WIDGET-RED-L']
  ])('%s', (_, said, reason) => {
    expect(refusal(eur, said)).toBe(reason)
  })
})
