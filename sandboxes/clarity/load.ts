// A demo load: shoppers placing orders through the storefront at a chosen rate.
import type { ClarityState } from './state.ts'
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

export interface LoadStats { rate: number, placed: number, rejected: Record<string, number> }

export function createLoad (o: {
  state: () => ClarityState, rand: () => number, onPlaced: (order: ReturnType<typeof placeOrder>) => void
}) {
  const stats: LoadStats = { rate: 0, placed: 0, rejected: {} }
  let timer: NodeJS.Timeout | undefined
  let owed = 0
  let last = Date.now()
  const step = (): void => {
    const now = Date.now()
    owed += stats.rate * (now - last) / 1000
    last = now
    while (owed >= 1) {
      owed--
      const s = o.state()
      const order = randomOrder(s, o.rand)
      if (order.lines.length === 0) { stats.rejected['no stock'] = (stats.rejected['no stock'] ?? 0) + 1; continue }
      try {
        o.onPlaced(placeOrder(s, order, now))
        stats.placed++
      } catch (err) {
        const reason = err instanceof StorefrontError ? `${err.status}` : 'error'
        stats.rejected[reason] = (stats.rejected[reason] ?? 0) + 1
      }
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
