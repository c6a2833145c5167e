import { describe, expect, it } from 'vitest'
import { toShipment } from '../src/transform.ts'

const row = {
  ShipperID: 'SH0000881', OrdNbr: 'SO0004512', CustOrdNbr: '100045', CustID: 'C000123', Status: 'C', ShipDateAct: '2026-11-28T10:00:00.000Z', ShipViaID: 'UPSGROUND',
  TrackingNbr: '1Z999AA10123456784', ShippingConfirmed: 1, Cancelled: 0, InvcNbr: 'IN000311', InvcDate: '2026-11-28T12:00:00.000Z', CuryTotInvc: 58.33,
  Lines: [{ LineRef: '00001', OrdLineRef: '00001', InvtID: 'WIDGET-RED-L', SiteID: 'MAIN', QtyShip: 2 }, { LineRef: '00002', OrdLineRef: '00003', InvtID: 'HOSE', SiteID: 'EAST', QtyShip: 0.5 }],
  tstamp: 884300
}
const reasonOf = (r: Record<string, unknown>): string => { try { toShipment(r); return 'none' } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}` } }

describe('SL shipper → shipments.changes', () => {
  it('carries every field, times as epoch ms, quantities and the invoice total as decimals', () => {
    expect(toShipment(row)).toEqual({
      ShipperID: 'SH0000881', OrdNbr: 'SO0004512', SOTypeID: 'SO', CustOrdNbr: '100045', CustID: 'C000123', Status: 'C', ShipDateAct: Date.parse(row.ShipDateAct), ShipViaID: 'UPSGROUND',
      TrackingNbr: '1Z999AA10123456784', ShippingConfirmed: true, Cancelled: false, InvcNbr: 'IN000311', InvcDate: Date.parse(row.InvcDate), CuryTotInvc: '58.3300',
      Lines: [{ LineRef: '00001', OrdLineRef: '00001', InvtID: 'WIDGET-RED-L', SiteID: 'MAIN', QtyShip: '2.0000' }, { LineRef: '00002', OrdLineRef: '00003', InvtID: 'HOSE', SiteID: 'EAST', QtyShip: '0.5000' }],
      tstamp: 884300
    })
  })

  it('a receiver of returned goods keeps its type; a shipper that names none is a sales order\'s', () => {
    expect(toShipment({ ...row, SOTypeID: 'RMA' }).SOTypeID).toBe('RMA')
    expect(toShipment({ ...row, SOTypeID: null }).SOTypeID).toBe('SO')
    expect(() => toShipment({ ...row, SOTypeID: 4 })).toThrow('shipper SH0000881: SOTypeID must be text')
  })

  it('a shipper not invoiced yet: no invoice, no total, whatever SL leaves in its fields', () => {
    expect(toShipment({ ...row, InvcNbr: '', InvcDate: '1900-01-01T00:00:00Z', CuryTotInvc: 0 })).toMatchObject({ InvcNbr: null, InvcDate: null, CuryTotInvc: null })
    expect(toShipment({ ...row, InvcNbr: null, CuryTotInvc: 'n/a' })).toMatchObject({ InvcNbr: null, CuryTotInvc: null })
  })

  it.each<[string, unknown, number | null]>([
    ['SL\'s empty date', '1900-01-01T00:00:00Z', null],
    ['not a time', 'soon', null],
    ['not text', 2026, null],
    ['a time', '2026-11-28T10:00:00Z', Date.parse('2026-11-28T10:00:00Z')]
  ])('a ShipDateAct of %s', (_, ShipDateAct, want) => {
    expect(toShipment({ ...row, ShipDateAct }).ShipDateAct).toBe(want)
  })

  it.each<[string, Record<string, unknown>, Record<string, boolean>]>([
    ['open, not confirmed', { ShippingConfirmed: 0, Cancelled: 0 }, { ShippingConfirmed: false, Cancelled: false }],
    ['cancelled', { ShippingConfirmed: 0, Cancelled: 1 }, { ShippingConfirmed: false, Cancelled: true }],
    ['flags that are not SL\'s 1', { ShippingConfirmed: true, Cancelled: '1' }, { ShippingConfirmed: false, Cancelled: false }]
  ])('%s', (_, change, want) => {
    expect(toShipment({ ...row, ...change })).toMatchObject(want)
  })

  it.each<[string, Record<string, unknown>, string]>([
    ['Lines that are not a list', { Lines: null }, 'shipper SH0000881: Lines must be a list'],
    ['no tstamp', { tstamp: '884300' }, 'shipper SH0000881: tstamp must be a number'],
    ['no ShipperID', { ShipperID: undefined }, 'shipper undefined: ShipperID must be text'],
    ['an OrdNbr as a number', { OrdNbr: 4512 }, 'shipper SH0000881: OrdNbr must be text'],
    ['a TrackingNbr as a number', { TrackingNbr: 1 }, 'shipper SH0000881: TrackingNbr must be text'],
    ['an invoice without a total', { CuryTotInvc: null }, 'shipper SH0000881: CuryTotInvc must be a number'],
    ['an endless invoice total', { CuryTotInvc: Number.POSITIVE_INFINITY }, 'shipper SH0000881: CuryTotInvc must be a number'],
    ['a line without its LineRef', { Lines: [{ ...row.Lines[0], LineRef: 1 }] }, 'shipper SH0000881: Lines[0].LineRef must be text'],
    ['a line without its OrdLineRef', { Lines: [{ ...row.Lines[0], OrdLineRef: null }] }, 'shipper SH0000881: Lines[0].OrdLineRef must be text'],
    ['a line without its InvtID', { Lines: [row.Lines[0], { ...row.Lines[1], InvtID: null }] }, 'shipper SH0000881: Lines[1].InvtID must be text'],
    ['a line without its SiteID', { Lines: [{ ...row.Lines[0], SiteID: undefined }] }, 'shipper SH0000881: Lines[0].SiteID must be text'],
    ['a line quantity as text', { Lines: [row.Lines[0], { ...row.Lines[1], QtyShip: '0.5' }] }, 'shipper SH0000881: Lines[1].QtyShip must be a number']
  ])('%s is poison', (_, change, why) => {
    expect(reasonOf({ ...row, ...change })).toBe(`INVALID_SHIPPER: ${why}`)
  })
})
