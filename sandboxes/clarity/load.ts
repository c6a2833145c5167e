// A demo load: shoppers placing orders through the storefront at a chosen rate, and sending
// a line back of some of those orders once they shipped (returnShare).
import type { ClarityState, SalesOrder } from './state.ts'
import {
  displayedStock, placeOrder, StorefrontError, type StorefrontAddress, type StorefrontOrder
} from './storefront.ts'

const shoppers = [
  ['Ana', 'Núñez', 'ana@example.com'], ['Chen', 'Wang', 'chen.wang@example.com'],
  ['Dana', 'Miller', 'dana.m@example.com'], ['Émile', 'Durand', 'emile.durand@example.fr'],
  ['Farah', 'Haddad', 'farah.h@example.com'], ['Greg', 'Olsen', 'greg.olsen@example.com'],
  ['Hana', 'Sato', 'hana.sato@example.com'], ['José', 'García', 'jose.garcia@example.es'],
  ['Lena', 'Fischer', 'lena.fischer@example.de'], ['Priya', 'Iyer', 'priya.iyer@example.co.uk'],
  ['Kofi', 'Mensah', 'kofi.mensah@example.com'], ['Björn', 'Ødegård', 'bjorn@example.no']
] as const
const places: Array<{ currency: string, address: StorefrontAddress }> = [
  {
    currency: 'USD',
    address: {
      Street1: '500 Congress Ave', Street2: 'Suite 210', City: 'Austin', RegionCode: 'TX', CountryCode: 'US',
      PostalCode: '78701'
    }
  },
  {
    currency: 'USD',
    address: { Street1: '1 Market St', City: 'San Francisco', RegionCode: 'CA', CountryCode: 'US', PostalCode: '94105' }
  },
  {
    currency: 'USD',
    address: { Street1: '200 Broad St', City: 'Newark', RegionCode: 'NJ', CountryCode: 'US', PostalCode: '07102' }
  },
  {
    currency: 'USD',
    address: { Street1: '40 W 4th St', City: 'Reno', RegionCode: 'NV', CountryCode: 'US', PostalCode: '89501' }
  },
  {
    currency: 'EUR',
    address: { Street1: 'Friedrichstraße 68', City: 'Berlin', CountryCode: 'DE', PostalCode: '10117' }
  },
  { currency: 'GBP', address: { Street1: '10 Downing St', City: 'London', CountryCode: 'GB', PostalCode: 'SW1A 2AA' } },
  {
    currency: 'CAD',
    address: { Street1: '100 Queen St W', City: 'Toronto', RegionCode: 'ON', CountryCode: 'CA', PostalCode: 'M5H 2N2' }
  }
]

export function randomOrder (s: ClarityState, rand: () => number): StorefrontOrder {
  const [firstName, lastName, email] = shoppers[Math.floor(rand() * shoppers.length)]!
  const place = rand() < 0.75 ? places[Math.floor(rand() * 4)]! : places[4 + Math.floor(rand() * 3)]!
  const products = Object.values(s.products).filter((p) => p.IsVisible && !p.IsDiscontinued)
  const lines: StorefrontOrder['lines'] = []
  const n = 1 + Math.floor(rand() * 4)
  for (let i = 0; i < n * 3 && lines.length < n; i++) {
    const p = products[Math.floor(rand() * products.length)]!
    if (lines.some((l) => l.sku === p.CustomKey)) continue
    const shown = displayedStock(s, p.CustomKey)
    if (shown < 1) continue
    lines.push({ sku: p.CustomKey, quantity: Math.min(shown, 1 + Math.floor(rand() * 3)) })
  }
  return {
    customer: { email, firstName, lastName },
    shipTo: place.address,
    billTo: place.address,
    currency: place.currency,
    lines,
    ...(rand() < 0.1 ? { coupon: 'WELCOME10' } : {})
  }
}

export interface LoadStats { rate: number, placed: number, returned: number, rejected: Record<string, number> }

/** A storefront return, as /sandbox/storefront/returns takes it. */
export interface ReturnAsked { orderId: number, items: Array<{ sku: string, quantity: number, reason: string }> }

const REASONS = ['Changed mind', 'Damaged', 'Wrong size', 'Not as described']
/** Orders watched for shipping at most; past it the oldest are let go. */
const WATCHED = 100000
const WATCH_EVERY_MS = 250

export function createLoad (o: {
  state: () => ClarityState, rand: () => number, onPlaced: (order: ReturnType<typeof placeOrder>) => void
  onReturn?: (asked: ReturnAsked) => void
}) {
  const stats: LoadStats = { rate: 0, placed: 0, returned: 0, rejected: {} }
  let timer: NodeJS.Timeout | undefined
  let owed = 0
  let last = Date.now()
  // The load's orders not shipped yet, as objects: after a reset they are no longer the state's.
  let watched: SalesOrder[] = []
  let lastWatch = 0
  const reject = (reason: string): void => { stats.rejected[reason] = (stats.rejected[reason] ?? 0) + 1 }
  const askReturns = (s: ClarityState, share: number): void => {
    const waiting: SalesOrder[] = []
    for (const x of watched) {
      if (s.orders[String(x.ID)] !== x || x.StatusKey === 'Void') continue
      if (x.StatusKey !== 'Shipped') { waiting.push(x); continue }
      if (o.rand() >= share) continue
      const line = x.SalesItems[Math.floor(o.rand() * x.SalesItems.length)]!
      const quantity = 1 + Math.floor(o.rand() * line.Quantity)
      const reason = REASONS[Math.floor(o.rand() * REASONS.length)]!
      try {
        o.onReturn?.({ orderId: x.ID, items: [{ sku: line.Sku, quantity, reason }] })
        stats.returned++
      } catch (err) {
        reject(`return ${(err as { status?: number }).status ?? 'error'}`)
      }
    }
    watched = waiting.slice(-WATCHED)
  }
  const step = (): void => {
    const now = Date.now()
    owed += stats.rate * (now - last) / 1000
    last = now
    while (owed >= 1) {
      owed--
      const s = o.state()
      const order = randomOrder(s, o.rand)
      if (order.lines.length === 0) { reject('no stock'); continue }
      try {
        const placed = placeOrder(s, order, now)
        o.onPlaced(placed)
        stats.placed++
        if (s.settings.returnShare > 0 && o.onReturn !== undefined) watched.push(placed)
      } catch (err) {
        reject(err instanceof StorefrontError ? `${err.status}` : 'error')
      }
    }
    const s = o.state()
    if (s.settings.returnShare <= 0) { watched = []; return }
    if (watched.length > 0 && now - lastWatch >= WATCH_EVERY_MS) {
      lastWatch = now
      askReturns(s, s.settings.returnShare)
    }
  }
  return {
    stats,
    set (rate: number): void {
      stats.rate = rate
      if (rate > 0 && timer === undefined) {
        last = Date.now()
        timer = setInterval(step, 50)
        timer.unref()
      }
      if (rate === 0 && timer !== undefined) { clearInterval(timer); timer = undefined; owed = 0 }
    }
  }
}
