// The chaos run's verdict: once the load and the faults are over and the lag is 0, what
// the two sandboxes hold and what the topics kept must agree. The comparisons are pure
// functions of plain data (here for the sandboxes' side, chaos/kafka-read.ts for the
// topics'); reconcile() only fetches that data. Details name counts and order IDs, never
// a customer's values.
import { join } from 'node:path'
import { loadCatalogueMapping, offeredOf, type CatalogueMapping } from '../domain/catalogue-mapping.ts'
import { loadOrderMapping, own, skuOf, type OrderMapping } from '../domain/mapping.ts'
import { extRefOf, isCaptured } from '../domain/payments.ts'
import { payoutExtRefOf } from '../domain/payouts.ts'
import type { KafkaClient } from '../lib/kafka.ts'
import { projectRoot } from '../lib/paths.ts'
import { heldInClarity } from './bad-orders.ts'
import { checkWebhooks, checkWriters, kafkaFacts, type DeadLetter } from './kafka-read.ts'

export interface Check { name: string, ok: boolean, detail: string }

export interface ReconcileInput {
  /** The sandboxes: only their /sandbox/* routes are read, which need no credentials. */
  slUrl: string
  clarityUrl: string
  kafka: KafkaClient
  /** Unused: every fact needed is in keys and headers, so no record is decoded (and no schema registered). */
  registryUrl: string
  prefix: string
  bad: Array<{ orderId: string, kind: string, expect: string[] }>
  /** sl-payment-sink ran: every captured payment must be in SL's receivables. */
  payments?: boolean
  /** sl-payout-sink is among the services: every Clarity payout is one balanced batch. */
  payouts?: boolean
  /** The mappings the services ran with; by default the shipped ones. */
  orderMappingFile?: string
  catalogueMappingFile?: string
}

export interface Reconciliation {
  ok: boolean
  checks: Check[]
  figures: {
    sent: number, created: number, duplicated: number, lost: number,
    deadLettered: { expected: number, found: number }
  }
}

// What the sandboxes' /sandbox/state routes answer, as far as the checks read it.
export interface ClarityOrder {
  ID: number, StatusKey: string, HoldReason: string | null, ErpOrderNumber: string | null, SellingCurrencyKey: string
  Totals: { Total: number }
  SalesItems: Array<{ Sku: string, Quantity: number }>
  ShippingContact: { Address: { CountryCode: string } }
  Shipments: Array<{ ShipmentKey: string, TrackingNumber: string }>
}
export interface SlOrder {
  OrdNbr: string, CustOrdNbr: string, Cancelled: number, CuryID: string, CuryTotOrd: number
  Lines: Array<{ InvtID: string, SiteID: string, QtyOrd: number }>
}
export interface SlShipper {
  ShipperID: string, OrdNbr: string, TrackingNbr: string, ShippingConfirmed: number, Cancelled: number
  Lines: Array<{ InvtID: string, QtyShip: number }>
}
export interface ClarityPayment {
  ID: number, SalesOrderID: number, Amount: number, CurrencyKey: string, StatusKey: string
  TransactionNumber: string | null
}
export interface ArDoc {
  RefNbr: string, DocType: string, CuryId: string, CuryOrigDocAmt: number, CuryDocBal: number, ExtRefNbr: string
}
export interface SlOrderInvoiced { CustOrdNbr: string, InvcNbr: string, Cancelled: number }
export interface ItemSite { InvtID: string, SiteID: string, QtyOnHand: number, QtyAvail: number }
export interface ClarityStock { ProductKey: string, LocationKey: string, Quantity: number }
export interface Faults { counters: { earlyRetries: number }, earlyRetrySamples: unknown[] }

const t = (s: string | null | undefined): string => (s ?? '').trim()
/** A few of a list, so a detail stays short. */
export const few = (ids: Iterable<string | number>, n = 5): string => {
  const all = [...ids]
  return all.length === 0 ? '' : ` (e.g. ${all.slice(0, n).join(', ')}${all.length > n ? ', …' : ''})`
}
const problems = (parts: Array<[string, Array<string | number>]>): string =>
  parts.filter(([, ids]) => ids.length > 0).map(([what, ids]) => `${ids.length} ${what}${few(ids)}`).join('; ')

/**
 * Why the content of an SL order differs from what the mapping makes of the Clarity order,
 * or undefined. Quantities are compared per item: the mapper may split a line across sites
 * (SL takes one SiteID per line), so lines need not match one to one, nor their sites.
 */
export function contentDiff (c: ClarityOrder, s: SlOrder, m: Pick<OrderMapping, 'skus'>): string | undefined {
  const want = new Map<string, number>()
  for (const it of c.SalesItems) {
    const invt = own(m.skus, it.Sku) ?? it.Sku
    want.set(invt, (want.get(invt) ?? 0) + Number(it.Quantity))
  }
  const got = new Map<string, number>()
  for (const l of s.Lines) got.set(t(l.InvtID), (got.get(t(l.InvtID)) ?? 0) + Number(l.QtyOrd))
  for (const [invt, qty] of want) {
    if (!got.has(invt)) return `item of line ${[...want.keys()].indexOf(invt) + 1} missing`
    if (Math.abs(got.get(invt)! - qty) > 1e-6) return `quantity of line ${[...want.keys()].indexOf(invt) + 1}`
  }
  if ([...got.keys()].some((k) => !want.has(k))) return 'an item not ordered'
  if (t(s.CuryID) !== t(c.SellingCurrencyKey).toUpperCase()) return 'currency'
  if (Math.round(s.CuryTotOrd * 100) !== Math.round(c.Totals.Total * 100)) return 'total'
  return undefined
}

/**
 * (a) Every valid Clarity order exactly once in SL by CustOrdNbr, with the mapped content.
 * A void order (the shopper cancelled) must have no live SL order; one held by a rule of
 * the mapping waits in Clarity and must have none either. `live` is each order's one live SL order.
 */
export function checkOrders (
  clarity: ClarityOrder[], sl: SlOrder[], bad: Set<string>, m: Pick<OrderMapping, 'skus' | 'rules'>
): { check: Check, live: Map<string, SlOrder>, figures: Omit<Reconciliation['figures'], 'deadLettered'> } {
  const byNbr = new Map<string, SlOrder[]>()
  for (const o of sl) byNbr.set(t(o.CustOrdNbr), [...byNbr.get(t(o.CustOrdNbr)) ?? [], o])
  const ruleHolds = new Set(m.rules.map((r) => r.then.hold).filter((h) => h !== undefined))
  const live = new Map<string, SlOrder>()
  const lost: number[] = []; const dup: number[] = []; const content: string[] = []; const voidLive: number[] = []
  let sent = 0; let duplicated = 0; let waiting = 0
  for (const c of clarity) {
    const id = String(c.ID)
    if (bad.has(id)) continue
    sent++
    const mine = (byNbr.get(id) ?? []).filter((o) => o.Cancelled !== 1)
    if (c.StatusKey === 'Void' || (c.StatusKey === 'On Hold' && ruleHolds.has(c.HoldReason ?? ''))) {
      waiting++
      if (mine.length > 0) voidLive.push(c.ID)
      continue
    }
    if (mine.length === 0) { lost.push(c.ID); continue }
    if (mine.length > 1) { dup.push(c.ID); duplicated += mine.length - 1 }
    live.set(id, mine[0]!)
    const diff = contentDiff(c, mine[0]!, m)
    if (diff !== undefined) content.push(`${id}: ${diff}`)
  }
  const known = new Set(clarity.map((c) => String(c.ID)))
  const orphans = [...byNbr.keys()].filter((n) => !known.has(n))
  const p = problems([['lost', lost], ['duplicated', dup], ['with other content', content],
    ['void or held by a rule yet live in SL', voidLive], ['SL orders of no Clarity order', orphans]])
  const ok = p === ''
  return {
    check: {
      name: 'orders exactly once in SL, as mapped',
      ok,
      detail: `${sent} valid orders, ${live.size} in SL, ${waiting} void or held by a rule` + (ok ? '' : `; ${p}`)
    },
    live,
    figures: { sent, created: live.size, duplicated, lost: lost.length }
  }
}

/** The Clarity status SL's state calls for: shipped in full, in part, or not yet. */
export function expectedStatus (o: SlOrder, shipped: SlShipper[]): 'Shipped' | 'Processing' | 'Confirmed' {
  const qty = new Map<string, number>()
  for (const sh of shipped) for (const l of sh.Lines) qty.set(t(l.InvtID), (qty.get(t(l.InvtID)) ?? 0) + l.QtyShip)
  const ordered = new Map<string, number>()
  for (const l of o.Lines) ordered.set(t(l.InvtID), (ordered.get(t(l.InvtID)) ?? 0) + l.QtyOrd)
  if ([...ordered].every(([k, n]) => (qty.get(k) ?? 0) >= n)) return 'Shipped'
  return [...qty.values()].some((n) => n > 0) ? 'Processing' : 'Confirmed'
}

/** (b) Each order in SL has the Clarity status SL's state calls for, SL's number, and every tracking number. */
export function checkStatuses (clarity: ClarityOrder[], live: Map<string, SlOrder>, shippers: SlShipper[]): Check {
  const confirmed = new Map<string, SlShipper[]>()
  for (const sh of shippers) {
    if (sh.ShippingConfirmed !== 1 || sh.Cancelled === 1) continue
    confirmed.set(t(sh.OrdNbr), [...confirmed.get(t(sh.OrdNbr)) ?? [], sh])
  }
  const wrong: string[] = []; const number: number[] = []; const tracking: number[] = []
  let shipped = 0
  for (const c of clarity) {
    const o = live.get(String(c.ID))
    if (o === undefined) continue
    const mine = confirmed.get(t(o.OrdNbr)) ?? []
    const want = expectedStatus(o, mine)
    const fine = want === 'Shipped' ? ['Shipped', 'Completed'] : [want]
    if (!fine.includes(c.StatusKey)) wrong.push(`${c.ID}: ${c.StatusKey}, not ${want}`)
    // Confirm may lose the race to Ship (Clarity refuses it then): no number is right only past Confirmed.
    if (c.ErpOrderNumber === null ? want === 'Confirmed' : t(c.ErpOrderNumber) !== t(o.OrdNbr)) number.push(c.ID)
    if (mine.length > 0) shipped++
    const missing = mine.some((sh) => !c.Shipments.some((x) =>
      x.ShipmentKey === t(sh.ShipperID) && t(x.TrackingNumber) === t(sh.TrackingNbr)))
    if (missing) tracking.push(c.ID)
  }
  const p = problems([['with the wrong status', wrong], ['without SL\'s order number', number],
    ['without SL\'s tracking', tracking]])
  return {
    name: 'Clarity status and tracking follow SL',
    ok: p === '',
    detail: `${live.size} orders in SL, ${shipped} shipped at least in part` + (p === '' ? '' : `; ${p}`)
  }
}

/**
 * (c) Every bad order in a dead-letter topic with one of its codes, none in SL, and On Hold
 * in Clarity when the code is an SL refusal (the mapper's refusals leave it as it was).
 */
export function checkBadOrders (
  bad: ReconcileInput['bad'], dead: DeadLetter[], sl: SlOrder[], clarity: ClarityOrder[],
  heldFor: (code: string) => boolean = heldInClarity
): { check: Check, found: number } {
  const byKey = new Map<string, DeadLetter[]>()
  for (const d of dead) if (d.key !== null) byKey.set(d.key, [...byKey.get(d.key) ?? [], d])
  const inSl = new Set(sl.map((o) => t(o.CustOrdNbr)))
  const status = new Map(clarity.map((c) => [String(c.ID), c.StatusKey]))
  const missing: string[] = []; const reached: string[] = []; const notHeld: string[] = []
  let found = 0
  for (const b of bad) {
    const id = String(b.orderId)
    const hit = (byKey.get(id) ?? []).find((d) => b.expect.includes(d.code))
    if (hit === undefined) missing.push(`${id} (${b.kind})`)
    else {
      found++
      if (heldFor(hit.code) && status.get(id) !== 'On Hold') notHeld.push(id)
    }
    if (inSl.has(id)) reached.push(id)
  }
  const badIds = new Set(bad.map((b) => String(b.orderId)))
  const others = dead.filter((d) => d.key === null || !badIds.has(d.key))
  const byTopic = [...new Set(others.map((d) => `${d.topic} ${d.code}`))]
  const p = problems([['not dead-lettered with their code', missing], ['in SL', reached],
    ['not On Hold in Clarity', notHeld]])
  return {
    check: {
      name: 'bad orders dead-lettered, not in SL, held where due',
      ok: p === '',
      detail: `${bad.length} bad orders, ${found} dead-lettered with their code; ${others.length} other dead letters` +
        few(byTopic, 4) + (p === '' ? '' : `; ${p}`)
    },
    found
  }
}

/**
 * (d) Every Clarity stock row fed by an SL site shows SL's available-to-sell; closed locations 0.
 * `unsent`: the store's items in orders that never reach SL (the bad ones): the store took their
 * units at a location of its choosing and SL never moves, so those items are not compared.
 */
export function checkStock (
  sites: ItemSite[], stock: ClarityStock[], cat: CatalogueMapping, skus: Record<string, string>,
  unsent: ReadonlySet<string> = new Set()
): Check {
  const rows = new Map(stock.map((r) => [`${r.ProductKey}|${r.LocationKey}`, r]))
  const wrong: string[] = []; const sold = new Set<string>(); const skipped = new Set<string>()
  let compared = 0; let notSold = 0; let negative = 0
  for (const s of sites) {
    const loc = own(cat.inventory.locations, t(s.SiteID))
    if (loc === undefined) continue
    const sku = skuOf({ skus }, t(s.InvtID))
    const row = rows.get(`${sku}|${loc}`)
    if (row === undefined) { notSold++; continue }
    if (unsent.has(sku)) { skipped.add(sku); continue }
    sold.add(sku)
    // Not pushed by design (NEGATIVE_LEVEL): the store keeps what it had.
    if (s.QtyOnHand < 0 || s[cat.inventory.available] < 0) { negative++; continue }
    compared++
    const want = offeredOf(cat, { SiteID: t(s.SiteID), QtyAvail: String(s.QtyAvail), QtyOnHand: String(s.QtyOnHand) })!
    if (row.Quantity !== want) wrong.push(`${sku}|${loc}: ${row.Quantity} vs ${want}`)
  }
  for (const sku of sold) {
    for (const loc of cat.inventory.closedLocations) {
      const q = rows.get(`${sku}|${loc}`)?.Quantity
      if (q !== undefined && q !== 0) wrong.push(`${sku}|${loc}: ${q} at a closed location`)
    }
  }
  return {
    name: 'Clarity stock equals SL available-to-sell',
    ok: wrong.length === 0,
    detail: `${compared} levels compared, ${notSold} SL levels of items the store does not sell, ${negative} negative ` +
      `(not pushed), ${skipped.size} items of orders SL never got not compared` +
      (wrong.length === 0 ? '' : `; ${wrong.length} differ${few(wrong)}`)
  }
}

/**
 * (g) Every captured payment of an order SL has is exactly one AR payment document of its
 * amount and currency, and none is left open while the order's invoice is open too (an
 * application missed).
 */
export function checkPayments (payments: ClarityPayment[], docs: ArDoc[], live: Map<string, SlOrderInvoiced>): Check {
  const byExt = new Map<string, ArDoc[]>()
  const byRef = new Map(docs.map((d) => [t(d.RefNbr), d]))
  for (const d of docs) {
    if (t(d.DocType) !== 'PA' && t(d.DocType) !== 'PP') continue
    byExt.set(t(d.ExtRefNbr), [...byExt.get(t(d.ExtRefNbr)) ?? [], d])
  }
  const missing: number[] = []; const dup: number[] = []; const differ: number[] = []; const open: number[] = []
  let compared = 0; let waiting = 0
  for (const p of payments) {
    if (!isCaptured(p)) continue
    const o = live.get(String(p.SalesOrderID))
    if (o === undefined) { waiting++; continue }
    compared++
    const mine = byExt.get(extRefOf(p)) ?? []
    if (mine.length === 0) { missing.push(p.ID); continue }
    if (mine.length > 1) dup.push(p.ID)
    const d = mine[0]!
    const cents = (v: number): number => Math.round(v * 100)
    if (cents(d.CuryOrigDocAmt) !== cents(p.Amount) || t(d.CuryId) !== t(p.CurrencyKey)) differ.push(p.ID)
    const invoice = byRef.get(t(o.InvcNbr))
    if (invoice !== undefined && cents(invoice.CuryDocBal) > 0 && cents(d.CuryDocBal) > 0) open.push(p.ID)
  }
  const pr = problems([['missing in SL', missing], ['more than once in SL', dup],
    ['with another amount or currency', differ], ['open while its invoice is open', open]])
  return {
    name: 'every captured payment exactly once in SL\'s receivables',
    ok: pr === '',
    detail: `${compared} payments of orders in SL compared, ${waiting} of orders not in SL` + (pr === '' ? '' : `; ${pr}`)
  }
}

export interface ClarityPayoutState {
  ID: number, PayoutDate: string, CurrencyKey: string, GrossAmount: number, FeeAmount: number, RefundAmount: number
  NetAmount: number
}
export interface GlBatchState {
  BatNbr: string, PerPost: string, CuryId: string, CtrlTot: number
  Lines: Array<{ Acct: string, DrAmt: number, CrAmt: number, ExtRefNbr: string }>
}

/**
 * Every Clarity payout is exactly one GL batch (by its ExtRefNbr): balanced to the cent, in
 * its currency and the period of its date, its bank line the net and its clearing line the
 * gross less refunds (the accounts as the shipped payout mapping has them).
 */
export function checkPayouts (payouts: ClarityPayoutState[], batches: GlBatchState[]): Check {
  const cents = (v: number): number => Math.round(v * 100)
  const byExt = new Map<string, GlBatchState[]>()
  for (const b of batches) {
    for (const ext of new Set(b.Lines.map((l) => t(l.ExtRefNbr)))) byExt.set(ext, [...byExt.get(ext) ?? [], b])
  }
  const missing: number[] = []; const dup: number[] = []; const unbalanced: number[] = []; const differ: number[] = []
  for (const p of payouts) {
    const mine = byExt.get(payoutExtRefOf(p)) ?? []
    const moves = cents(p.GrossAmount) !== 0 || cents(p.FeeAmount) !== 0 || cents(p.RefundAmount) !== 0
    if (mine.length === 0) { if (moves) missing.push(p.ID); continue }
    if (mine.length > 1) dup.push(p.ID)
    const b = mine[0]!
    const dr = b.Lines.reduce((sum, l) => sum + cents(l.DrAmt), 0)
    const cr = b.Lines.reduce((sum, l) => sum + cents(l.CrAmt), 0)
    if (dr !== cr || dr !== cents(b.CtrlTot)) unbalanced.push(p.ID)
    const signed = (acct: string): number => b.Lines.filter((l) => t(l.Acct) === acct)
      .reduce((sum, l) => sum + cents(l.DrAmt) - cents(l.CrAmt), 0)
    const period = p.PayoutDate.slice(0, 7).replace('-', '')
    if (t(b.CuryId) !== t(p.CurrencyKey) || t(b.PerPost) !== period || signed('1010') !== cents(p.NetAmount) ||
      -signed('1205') !== cents(p.GrossAmount) - cents(p.RefundAmount)) differ.push(p.ID)
  }
  const pr = problems([['missing in SL', missing], ['more than once in SL', dup], ['unbalanced', unbalanced],
    ['with other amounts, currency or period', differ]])
  return {
    name: 'every payout exactly one balanced GL batch',
    ok: pr === '',
    detail: `${payouts.length} payouts compared with ${batches.length} batches` + (pr === '' ? '' : `; ${pr}`)
  }
}

/** (f) No client came back sooner than a Retry-After told it to, on either sandbox. */
export function checkRetries (f: Record<string, Faults>): Check {
  const early = Object.entries(f).filter(([, x]) => x.counters.earlyRetries > 0)
  return {
    name: 'no Retry-After ignored',
    ok: early.length === 0,
    detail: Object.entries(f).map(([k, x]) => `${k}: ${x.counters.earlyRetries} early`).join(', ') +
      early.map(([k, x]) => `; ${k} samples ${JSON.stringify(x.earlyRetrySamples.slice(0, 3))}`).join('')
  }
}

async function getJson<T> (base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(120000) })
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`)
  return await res.json() as T
}

/** Reconciles the sandboxes' state with the topics; every check runs, whatever the others found. */
export async function reconcile (i: ReconcileInput): Promise<Reconciliation> {
  const m = loadOrderMapping(i.orderMappingFile ?? join(projectRoot, 'mappings/orders.yaml'))
  const cat = loadCatalogueMapping(i.catalogueMappingFile ?? join(projectRoot, 'mappings/catalogue.yaml'))
  type Items<T> = { Items: T[] }
  type Hooks = { webhooks: { pending: number, delivered: number, abandoned: number, dropped: number } }
  const [slOrders, shippers, sites, slFaults, orders, stock, clarityFaults, state, k] = await Promise.all([
    getJson<Items<SlOrder>>(i.slUrl, '/sandbox/state/orders'),
    getJson<Items<SlShipper>>(i.slUrl, '/sandbox/state/shippers'),
    getJson<Items<ItemSite>>(i.slUrl, '/sandbox/state/item-sites'),
    getJson<Faults>(i.slUrl, '/sandbox/faults'),
    getJson<Items<ClarityOrder>>(i.clarityUrl, '/sandbox/state/orders'),
    getJson<Items<ClarityStock>>(i.clarityUrl, '/sandbox/state/stock'),
    getJson<Faults>(i.clarityUrl, '/sandbox/faults'),
    getJson<Hooks>(i.clarityUrl, '/sandbox/state'),
    kafkaFacts(i.kafka, i.prefix)
  ])
  const badIds = new Set(i.bad.map((b) => String(b.orderId)))
  const a = checkOrders(orders.Items, slOrders.Items, badIds, m)
  const c = checkBadOrders(i.bad, k.deadLetters, slOrders.Items, orders.Items)
  const checks = [
    a.check,
    checkStatuses(orders.Items, a.live, shippers.Items),
    c.check,
    checkStock(sites.Items, stock.Items, cat, m.skus, new Set(orders.Items
      .filter((o) => badIds.has(String(o.ID))).flatMap((o) => o.SalesItems.map((x) => x.Sku)))),
    checkWebhooks(k, orders.Items.map((o) => String(o.ID)), state.webhooks),
    checkRetries({ sl: slFaults, clarity: clarityFaults }),
    checkWriters(k.writes, k.cursorsTopic)
  ]
  if (i.payments === true) {
    const [payments, ar] = await Promise.all([
      getJson<Items<ClarityPayment>>(i.clarityUrl, '/sandbox/state/payments'),
      getJson<Items<ArDoc>>(i.slUrl, '/sandbox/state/ar')
    ])
    const invoiced = new Map([...a.live].map(([id, o]) => [id, o as unknown as SlOrderInvoiced]))
    checks.push(checkPayments(payments.Items, ar.Items, invoiced))
  }
  if (i.payouts === true) {
    const [payouts, batches] = await Promise.all([
      getJson<Items<ClarityPayoutState>>(i.clarityUrl, '/sandbox/state/payouts'),
      getJson<Items<GlBatchState>>(i.slUrl, '/sandbox/state/batches')
    ])
    checks.push(checkPayouts(payouts.Items, batches.Items))
  }
  return {
    ok: checks.every((x) => x.ok),
    checks,
    figures: { ...a.figures, deadLettered: { expected: i.bad.length, found: c.found } }
  }
}
