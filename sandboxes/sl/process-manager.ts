// SL's Process Manager, simulated: seconds after an order is created its lines are
// allocated (ItemSite.QtyAlloc rises), then the warehouse creates a shipper, confirms
// it with a tracking number, and invoicing closes it. Other sales channels take
// stock on their own. A return authorisation's goods are received some time after it
// is created, and invoicing the receipt credits the customer. One tick moves everything
// that is due.
import { fromMinor, toMinor } from '../common/money.ts'
import { lineAmount } from './orders.ts'
import { addCreditMemo, addInvoice } from './receivables.ts'
import { schedule, takeDue } from './due.ts'
import { isRestock } from './returns.ts'
import { itemSiteKey, type ItemSite, type ShipLine, type SlState, type SOHeader, type SOShipHeader } from './state.ts'

export const EMPTY_DATE = '1900-01-01T00:00:00Z'

function touch (site: ItemSite, now: string, tstamp: () => number): void {
  site.QtyAvail = site.QtyOnHand - site.QtyAlloc - site.QtyShipNotInv
  site.LUpd_DateTime = now
  site.tstamp = tstamp()
}

function allocate (s: SlState, o: SOHeader, now: string, tstamp: () => number): void {
  for (const l of o.Lines) {
    const site = s.itemSites[itemSiteKey(l.InvtID, l.SiteID)]
    const avail = Math.max(0, site?.QtyAvail ?? 0)
    const qty = Math.min(l.QtyOrd, avail)
    l.QtyAlloc = qty
    l.QtyBO = l.QtyOrd - qty
    if (l.QtyBO > 0) {
      // The store sold what SL no longer had: an oversell, backordered.
      s.stats.oversoldLines++
      s.stats.oversoldQty += l.QtyBO
    }
    if (site !== undefined && qty > 0) {
      site.QtyAlloc += qty
      touch(site, now, tstamp)
    }
  }
  o.NextFunctionID = '4044000'
}

/** A shipper of `o`'s type (an RMA's is its receiver), numbered as every shipper is. */
function addShipper (
  s: SlState, o: SOHeader, lines: Array<Omit<ShipLine, 'LineRef'>>, tstamp: () => number,
  over: Partial<SOShipHeader> = {}
): SOShipHeader {
  s.lastShipperNbr++
  const ShipperID = `SH${String(s.lastShipperNbr).padStart(7, '0')}`
  const sh: SOShipHeader = {
    ShipperID, SOTypeID: o.SOTypeID, OrdNbr: o.OrdNbr, CustOrdNbr: o.CustOrdNbr, CustID: o.CustID, Status: 'O',
    ShipDateAct: EMPTY_DATE, ShipViaID: o.ShipViaID, TrackingNbr: '', ShippingConfirmed: 0, Cancelled: 0, InvcNbr: '',
    InvcDate: EMPTY_DATE, CuryTotInvc: 0, ...over,
    Lines: lines.map((l, i) => ({ LineRef: String(i + 1).padStart(5, '0'), ...l })),
    tstamp: tstamp()
  }
  s.shippers[ShipperID] = sh
  return sh
}

function createShipper (s: SlState, o: SOHeader, tstamp: () => number): void {
  const lines = o.Lines.filter((l) => l.QtyAlloc > 0)
    .map((l) => ({ OrdLineRef: l.LineRef, InvtID: l.InvtID, SiteID: l.SiteID, QtyShip: l.QtyAlloc }))
  addShipper(s, o, lines, tstamp)
  o.NextFunctionID = '4042000'
}

const shipperOf = (s: SlState, o: SOHeader) =>
  Object.values(s.shippers).find((sh) => sh.OrdNbr === o.OrdNbr && sh.Cancelled === 0 && sh.InvcNbr === '')

function trackingNumber (ordNbr: string, n: number): string {
  // UPS-style: 1Z + 16 characters, stable for a shipper.
  const digits = `${ordNbr.replace(/\D/g, '')}${n}`.padStart(16, '0').slice(-16)
  return `1Z${digits}`
}

function confirm (s: SlState, o: SOHeader, nowMs: number, tstamp: () => number): void {
  const sh = shipperOf(s, o)
  if (sh === undefined) return
  const now = new Date(nowMs).toISOString()
  for (const sl of sh.Lines) {
    const site = s.itemSites[itemSiteKey(sl.InvtID, sl.SiteID)]
    const line = o.Lines.find((l) => l.LineRef === sl.OrdLineRef)
    if (line !== undefined) { line.QtyShip += sl.QtyShip; line.QtyAlloc -= sl.QtyShip }
    if (site !== undefined) {
      site.QtyAlloc -= sl.QtyShip
      site.QtyShipNotInv += sl.QtyShip
      touch(site, now, tstamp)
    }
  }
  sh.ShippingConfirmed = 1
  sh.ShipDateAct = now
  sh.TrackingNbr = trackingNumber(o.OrdNbr, Number(sh.ShipperID.replace(/\D/g, '')))
  sh.tstamp = tstamp()
  o.NextFunctionID = '4040000'
}

function invoice (s: SlState, o: SOHeader, nowMs: number, tstamp: () => number): void {
  const sh = shipperOf(s, o)
  if (sh === undefined) return
  const now = new Date(nowMs).toISOString()
  let minor = 0
  for (const sl of sh.Lines) {
    const line = o.Lines.find((l) => l.LineRef === sl.OrdLineRef)
    if (line !== undefined) minor += Math.round(lineAmount(line) * sl.QtyShip / line.QtyOrd)
    const site = s.itemSites[itemSiteKey(sl.InvtID, sl.SiteID)]
    if (site !== undefined) {
      site.QtyShipNotInv -= sl.QtyShip
      site.QtyOnHand -= sl.QtyShip
      touch(site, now, tstamp)
    }
  }
  // The first invoice of an order carries freight, tax and the order discount.
  const first = o.InvcNbr === ''
  if (first) minor += toMinor(o.CuryTotFrt) + toMinor(o.CuryTotTax) - toMinor(o.CuryWholeOrdDisc)
  const amount = fromMinor(minor)
  const InvcNbr = addInvoice(s, o, amount, now, tstamp).RefNbr
  sh.InvcNbr = InvcNbr
  sh.InvcDate = now
  sh.CuryTotInvc = amount
  sh.Status = 'C'
  sh.tstamp = tstamp()
  o.InvcNbr = InvcNbr
  const backordered = o.Lines.some((l) => l.QtyShip < l.QtyOrd)
  o.Status = backordered ? 'O' : 'C'
  o.NextFunctionID = '4050000'
}

/** A return's goods arrive: back on hand at their sites, and its receiver, confirmed, on the Shipper feed. */
function receive (s: SlState, o: SOHeader, nowMs: number, tstamp: () => number): void {
  const now = new Date(nowMs).toISOString()
  const goods = o.Lines.filter((l) => !isRestock(l))
  for (const l of goods) {
    const site = s.itemSites[itemSiteKey(l.InvtID, l.SiteID)]
    if (site !== undefined) {
      site.QtyOnHand += l.QtyOrd
      touch(site, now, tstamp)
    }
    l.QtyShip = l.QtyOrd
  }
  const lines = goods.map((l) => ({ OrdLineRef: l.LineRef, InvtID: l.InvtID, SiteID: l.SiteID, QtyShip: l.QtyOrd }))
  addShipper(s, o, lines, tstamp, { ShippingConfirmed: 1, ShipDateAct: now })
  o.NextFunctionID = '4040000'
}

/** Invoicing a receipt: SL's credit memo for the return's total (restocking charge included), numbered as invoices. */
function credit (s: SlState, o: SOHeader, nowMs: number, tstamp: () => number): void {
  const rc = shipperOf(s, o)
  if (rc === undefined) return
  const now = new Date(nowMs).toISOString()
  const memo = addCreditMemo(s, o, o.CuryTotOrd, now, tstamp)
  rc.InvcNbr = memo.RefNbr
  rc.InvcDate = now
  rc.CuryTotInvc = o.CuryTotOrd
  rc.Status = 'C'
  rc.tstamp = tstamp()
  o.InvcNbr = memo.RefNbr
  o.Status = 'C'
  o.NextFunctionID = '4050000'
}

/** Moves every order whose next step is due. Answers whether anything changed. */
export function tick (s: SlState, nowMs: number, tstamp: () => number, rand: () => number, elapsedMs: number): boolean {
  let changed = false
  const now = new Date(nowMs).toISOString()
  const st = s.settings
  // Moved on, or waiting for the warehouse (autoShip off): queued again after this tick, so one step per tick.
  const again: SOHeader[] = []
  for (const o of takeDue(s, nowMs)) {
    const step = (next: SOHeader['stage'], after: number): void => {
      o.stage = next
      o.dueAt = nowMs + after
      o.LUpd_DateTime = now
      o.tstamp = tstamp()
      changed = true
      again.push(o)
    }
    switch (o.stage) {
      case 'new':
        allocate(s, o, now, tstamp)
        if (o.Lines.some((l) => l.QtyAlloc > 0)) step('allocated', st.shipAfterMs)
        else step('backordered', Number.MAX_SAFE_INTEGER)
        break
      case 'allocated':
        if (!st.autoShip) { again.push(o); break }
        createShipper(s, o, tstamp)
        step('shipper', st.confirmAfterMs)
        break
      case 'shipper':
        confirm(s, o, nowMs, tstamp)
        step('confirmed', st.invoiceAfterMs)
        break
      case 'confirmed':
        invoice(s, o, nowMs, tstamp)
        step('invoiced', Number.MAX_SAFE_INTEGER)
        break
      case 'rma':
        receive(s, o, nowMs, tstamp)
        step('received', st.invoiceAfterMs)
        break
      case 'received':
        credit(s, o, nowMs, tstamp)
        step('invoiced', Number.MAX_SAFE_INTEGER)
        break
      default:
        break
    }
  }
  for (const o of again) schedule(s, o)
  if (st.otherChannelsPerSec > 0) {
    changed = otherChannels(s, now, tstamp, rand, st.otherChannelsPerSec * elapsedMs / 1000) || changed
  }
  return changed
}

/** Counter sales and adjustments take stock; an empty bin is restocked by a receipt. */
function otherChannels (s: SlState, now: string, tstamp: () => number, rand: () => number, units: number): boolean {
  const sites = Object.values(s.itemSites)
  let left = Math.floor(units) + (rand() < units % 1 ? 1 : 0)
  let changed = false
  while (left > 0) {
    const site = sites[Math.floor(rand() * sites.length)]!
    const qty = Math.min(left, 1 + Math.floor(rand() * 3), Math.max(0, site.QtyAvail))
    if (qty > 0) {
      site.QtyOnHand -= qty
      s.stats.otherChannelQty += qty
      touch(site, now, tstamp)
      changed = true
    } else if (site.QtyOnHand <= 0 && rand() < 0.2) {
      site.QtyOnHand += 25
      s.stats.receiptsQty += 25
      touch(site, now, tstamp)
      changed = true
    }
    left -= Math.max(qty, 1)
  }
  return changed
}
