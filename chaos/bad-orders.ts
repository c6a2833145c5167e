// Storefront orders that the storefront takes (POST /sandbox/storefront/orders answers 201)
// and the bridge cannot: each is dead-lettered deterministically with a known code.
// The storefront already refuses most of the catalogue itself (unknown SKUs,
// quantities that are not whole and above 0, currencies it does not sell, countries
// outside its list, empty carts, over 1,000 lines) and prices every order so its totals
// reconcile; what gets past it is what it does not measure: SL's field lengths, and a
// cart of exactly 1,000 lines against SL's 999.
// Pure: the same n and draws give the same order.

export interface BadOrder { body: unknown, kind: string, expect: string[] }

interface Kind {
  kind: string
  /** The dead-letter code(s) the bridge gives it. */
  expect: string[]
  /** Whether the design puts it On Hold in Clarity: only SL's refusals are held (sl-order-sink). */
  held: boolean
  /** Costly for the broker and the store's stock: drawn only when asked for. */
  heavy: boolean
  make: (rand: () => number) => Record<string, unknown>
}

// Items the seed catalogue stocks well at every site (over 200 each), so the storefront's stock check passes.
const SKUS = ['WIDGET-GREEN-M', 'WIDGET-BLACK-M', 'VALVE-STEEL-050', 'FILTER-MESH-SM', 'BEARING-6200-2RS',
  'BEARING-6203-2RS', 'SEAL-FKM-D', 'PIPE-PVC-10', 'TAPE-WHITE-12MM', 'CLAMP-ZN-12', 'PIPE-PEX-20', 'CLAMP-ZN-08',
  'SEAL-NBR-B', 'FILTER-CARBON-MD', 'TAPE-PINK-12MM', 'VALVE-STEEL-075', 'PIPE-STEEL-10', 'BEARING-6202-ZZ',
  'FILTER-MESH-SM-PRO', 'GASKET-RUBBER-3IN-PRO']
const US = { Street1: '500 Congress Ave', City: 'Austin', RegionCode: 'TX', CountryCode: 'US', PostalCode: '78701' }
const GB = { Street1: '10 Downing St', City: 'London', CountryCode: 'GB', PostalCode: 'SW1A 2AA' }

const pick = <T>(xs: readonly T[], rand: () => number): T => xs[Math.floor(rand() * xs.length) % xs.length]!
/** A made-up value longer than SL's field: letters and spaces only, nobody's data. */
const longer = (than: number, rand: () => number): string => {
  const n = than + 1 + Math.floor(rand() * 20)
  return 'Chaos Test Value '.repeat(Math.ceil(n / 17)).slice(0, n).replace(/ $/, 'x')
}

function order (rand: () => number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customer: { email: 'chaos.bad@example.com', firstName: 'Chaos', lastName: 'Bad' },
    shipTo: US, billTo: US, currency: 'USD',
    lines: [{ sku: pick(SKUS, rand), quantity: 1 }],
    ...over
  }
}

const tooLong = (kind: string, make: Kind['make']): Kind =>
  ({ kind, expect: ['FIELD_TOO_LONG'], held: false, heavy: false, make })

export const BAD_KINDS: readonly Kind[] = Object.freeze([
  tooLong('ship-street-too-long', (r) => order(r, { shipTo: { ...US, Street1: longer(60, r) } })),
  tooLong('bill-street2-too-long', (r) => order(r, { billTo: { ...US, Street2: longer(60, r) } })),
  tooLong('ship-city-too-long', (r) => order(r, { shipTo: { ...US, City: longer(30, r) } })),
  tooLong('name-too-long', (r) => order(r, {
    customer: { email: 'chaos.bad@example.com', firstName: longer(30, r), lastName: longer(30, r) }
  })),
  // A region written out: the storefront wants one in the US, of any length; SL's State is char(3).
  tooLong('region-written-out', (r) => order(r, { shipTo: { ...US, RegionCode: pick(['TEXAS', 'Texas State'], r) } })),
  // Outside the US the storefront takes any postal code; SL's Zip is char(10).
  tooLong('postal-code-too-long', (r) => order(r, {
    shipTo: { ...GB, PostalCode: `SW1A ${longer(6, r)}` }, billTo: GB, currency: 'GBP'
  })),
  {
    kind: 'thousand-lines', expect: ['TOO_MANY_LINES'], held: false, heavy: true,
    // One unit per line over the items above: 50 of each.
    make: (r) => order(r, {
      lines: Array.from({ length: 1000 }, (_, i) => ({ sku: SKUS[i % SKUS.length]!, quantity: 1 }))
    })
  }
])

/** The catalogue of kinds: what each is, its codes and whether it is held in Clarity. */
export const BAD_ORDER_KINDS: ReadonlyArray<Omit<Kind, 'make'>> =
  BAD_KINDS.map(({ kind, expect, held, heavy }) => ({ kind, expect, held, heavy }))

/** Whether the design holds an order dead-lettered with this code in Clarity (SL refused it). */
export const heldInClarity = (code: string): boolean => code.startsWith('SL_')

/**
 * The n-th bad order: the kinds in turn (the light ones unless `heavy`), the values drawn
 * from `rand`.
 */
export function badOrder (n: number, rand: () => number, opts: { heavy?: boolean } = {}): BadOrder {
  const kinds = BAD_KINDS.filter((k) => opts.heavy === true || !k.heavy)
  const k = kinds[((Math.floor(n) % kinds.length) + kinds.length) % kinds.length]!
  return { body: k.make(rand), kind: k.kind, expect: [...k.expect] }
}
