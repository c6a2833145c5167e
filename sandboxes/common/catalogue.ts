// The seed catalogue both sandboxes share: a distributor's few hundred items over
// three warehouses. Clarity SKU = SL InvtID except for a few items, on purpose, so
// the mapping's SKU lookup table has something to do.
import { prng } from './money.ts'

export interface SeedItem {
  InvtID: string
  /** The SKU the store sells it under. */
  sku: string
  Descr: string
  ClassID: string
  StkBasePrc: number
  StdCost: number
  Weight: number
  StkUnit: string
  TaxCat: string
  TranStatusCode: 'AC' | 'IN' | 'NP' | 'OH'
  /** Starting QtyOnHand per site. */
  onHand: Record<string, number>
}

export const SITES = [
  { SiteID: 'MAIN', Name: 'Main warehouse, Austin TX' },
  { SiteID: 'EAST', Name: 'East warehouse, Newark NJ' },
  { SiteID: 'WEST', Name: 'West warehouse, Reno NV' }
] as const

const families = [
  {
    code: 'WIDGET', name: 'widget', cls: 'WIDG', price: 19.99,
    variants: ['RED', 'BLUE', 'GREEN', 'BLACK'], sizes: ['S', 'M', 'L']
  },
  {
    code: 'PUMP', name: 'pump', cls: 'PUMP', price: 389.0,
    variants: ['100', '200', '400'], sizes: ['110V', '230V']
  },
  {
    code: 'VALVE', name: 'valve', cls: 'VALV', price: 24.5,
    variants: ['BRASS', 'STEEL', 'PVC'], sizes: ['050', '075', '100', '150']
  },
  {
    code: 'HOSE', name: 'hose', cls: 'HOSE', price: 12.75,
    variants: ['RUBBER', 'PVC', 'STEEL'], sizes: ['10FT', '25FT', '50FT']
  },
  {
    code: 'FILTER', name: 'filter', cls: 'FILT', price: 8.4,
    variants: ['PAPER', 'MESH', 'CARBON'], sizes: ['SM', 'MD', 'LG']
  },
  {
    code: 'BEARING', name: 'bearing', cls: 'BEAR', price: 6.2,
    variants: ['608', '6200', '6201', '6202', '6203'], sizes: ['ZZ', '2RS']
  },
  {
    code: 'SEAL', name: 'seal kit', cls: 'SEAL', price: 15.0,
    variants: ['NBR', 'FKM', 'EPDM'], sizes: ['A', 'B', 'C', 'D']
  },
  {
    code: 'GASKET', name: 'gasket', cls: 'GASK', price: 3.95,
    variants: ['FIBER', 'PTFE', 'RUBBER'], sizes: ['1IN', '2IN', '3IN', '4IN']
  },
  {
    code: 'PIPE', name: 'pipe', cls: 'PIPE', price: 31.0,
    variants: ['COPPER', 'PEX', 'STEEL', 'PVC'], sizes: ['05', '10', '20']
  },
  {
    code: 'GAUGE', name: 'pressure gauge', cls: 'GAUG', price: 44.0,
    variants: ['DRY', 'GLYC'], sizes: ['0100', '0300', '0600', '1000']
  },
  {
    code: 'TAPE', name: 'thread tape', cls: 'CONS', price: 1.99,
    variants: ['WHITE', 'YELLOW', 'PINK'], sizes: ['12MM', '19MM']
  },
  {
    code: 'CLAMP', name: 'hose clamp', cls: 'CLMP', price: 0.89,
    variants: ['SS', 'ZN'], sizes: ['08', '12', '16', '20', '24', '32']
  },
  {
    code: 'MOTOR', name: 'motor', cls: 'MOTR', price: 612.0,
    variants: ['05HP', '1HP', '2HP'], sizes: ['1PH', '3PH']
  },
  {
    code: 'SENSOR', name: 'flow sensor', cls: 'SENS', price: 129.0,
    variants: ['HALL', 'TURB', 'MAG'], sizes: ['050', '100', '200']
  }
]

const SIZE_NAMES: Record<string, string> = {
  S: 'small', M: 'medium', L: 'large', SM: 'small', MD: 'medium', LG: 'large'
}

/** Items the store sells under another SKU: Clarity SKU → SL InvtID. */
export const SKU_DIFFERENCES: Readonly<Record<string, string>> = Object.freeze({
  'VALVE-BRASS-1/2IN': 'VALVE-BRASS-050',
  'VALVE-BRASS-3/4IN': 'VALVE-BRASS-075',
  'PUMP200-EU': 'PUMP-200-230V',
  'GARDEN-HOSE-25': 'HOSE-RUBBER-25FT',
  'SKATE-BEARING-608': 'BEARING-608-2RS'
})

/**
 * @param extra synthetic items added after the seed (BULK-000001 …), for volume runs:
 * the same number in both sandboxes gives the same catalogue on both sides.
 */
export function seedCatalogue (seed = 42, extra = 0): SeedItem[] {
  const rand = prng(seed)
  const items: SeedItem[] = []
  for (const f of families) {
    for (const v of f.variants) {
      for (const s of f.sizes) {
        for (const grade of ['', '-PRO']) {
          const InvtID = `${f.code}-${v}-${s}${grade}`
          const price = Math.round(f.price * (grade === '' ? 1 : 1.6) * (0.8 + rand() * 0.6) * 100) / 100
          const scarce = rand() < 0.08
          const onHand: Record<string, number> = {}
          for (const site of SITES) {
            onHand[site.SiteID] = scarce ? Math.floor(rand() * 4) : 20 + Math.floor(rand() * 400)
          }
          items.push({
            InvtID,
            sku: InvtID,
            Descr: `${grade === '' ? '' : 'Pro '}${v.toLowerCase()} ${f.name}, ${SIZE_NAMES[s] ?? s.toLowerCase()}`.replace(/^./, (c) => c.toUpperCase()),
            ClassID: f.cls,
            StkBasePrc: price,
            StdCost: Math.round(price * 0.55 * 100) / 100,
            Weight: Math.round((0.1 + rand() * 12) * 100) / 100,
            StkUnit: 'EA',
            TaxCat: f.code === 'TAPE' ? 'NONTAX' : 'TAXABLE',
            TranStatusCode: 'AC',
            onHand
          })
        }
      }
    }
  }
  // A few items renamed on the store, one inactive and one on hold in SL.
  for (const [sku, invt] of Object.entries(SKU_DIFFERENCES)) {
    const item = items.find((i) => i.InvtID === invt)
    if (item !== undefined) item.sku = sku
  }
  const inactive = items.find((i) => i.InvtID === 'MOTOR-2HP-1PH')
  if (inactive !== undefined) inactive.TranStatusCode = 'IN'
  const onHold = items.find((i) => i.InvtID === 'SENSOR-MAG-200')
  if (onHold !== undefined) onHold.TranStatusCode = 'OH'
  for (let i = 1; i <= extra; i++) {
    const InvtID = `BULK-${String(i).padStart(6, '0')}`
    const price = Math.round((1 + rand() * 200) * 100) / 100
    const onHand: Record<string, number> = {}
    for (const site of SITES) onHand[site.SiteID] = Math.floor(rand() * 500)
    items.push({
      InvtID, sku: InvtID, Descr: `Bulk item ${i}`, ClassID: 'BULK', StkBasePrc: price,
      StdCost: Math.round(price * 55) / 100, Weight: 1, StkUnit: 'EA', TaxCat: 'TAXABLE', TranStatusCode: 'AC', onHand
    })
  }
  return items
}
