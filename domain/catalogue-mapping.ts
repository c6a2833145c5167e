// The catalogue mapping (mappings/catalogue.yaml): which SL sites feed which Clarity
// locations, the available-to-sell rule, and how an SL item becomes a Clarity product.
// Loaded and checked once at start; a mistake stops the service with every problem listed.
import { MappingError, own, readMappingFile } from './mapping.ts'
import type { ItemSiteLevel } from './records.ts'

export const PRODUCT_FIELDS = [
  'Name', 'ShortDescription', 'Description', 'PriceBase', 'PriceSale', 'Weight', 'UnitOfMeasure', 'TaxCode'
] as const
export const ITEM_FIELDS = [
  'InvtID', 'Descr', 'ClassID', 'StkUnit', 'StkBasePrc', 'StdCost', 'Weight', 'TaxCat'
] as const
export type ProductField = typeof PRODUCT_FIELDS[number]
export type ItemField = typeof ITEM_FIELDS[number]

export interface CatalogueMapping {
  version: string
  inventory: {
    locations: Record<string, string>
    closedLocations: string[]
    available: 'QtyAvail' | 'QtyOnHand'
    safetyStock: Record<string, number> & { default: number }
  }
  products: {
    fields: Partial<Record<ProductField, ItemField>>
    taxCodes: Record<string, string>
    discontinued: string[]
    hidden: string[]
  }
}

const STATUS = ['AC', 'IN', 'NP', 'OH']
/** More units than any site holds: a safety stock past it is a typing mistake that would hide every level. */
const MAX_SAFETY = 1e9

export function checkCatalogueMapping (m: unknown, file: string): CatalogueMapping {
  const p: string[] = []
  const x = (m ?? {}) as Record<string, any>
  const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (typeof x.version !== 'string') p.push('version must be text')
  const inv = x.inventory ?? {}
  if (!isTable(inv.locations) || Object.keys(inv.locations).length === 0) {
    p.push('inventory.locations must list at least one SiteID: LocationKey')
  } else {
    for (const [k, v] of Object.entries(inv.locations)) {
      if (typeof v !== 'string' || v === '') p.push(`inventory.locations.${k} must be a Clarity LocationKey`)
    }
    // Two sites into one location would need their levels added up; say so rather than let
    // one overwrite the other.
    const seen = new Map<string, string>()
    for (const [k, v] of Object.entries(inv.locations)) {
      if (seen.has(String(v))) {
        p.push(
          `inventory.locations: ${seen.get(String(v))} and ${k} both feed ${String(v)}; each location takes one site`
        )
      }
      seen.set(String(v), k)
    }
  }
  const closed = inv.closedLocations ?? []
  if (!Array.isArray(closed) || closed.some((l: unknown) => typeof l !== 'string' || l === '')) {
    p.push('inventory.closedLocations must be a list of Clarity LocationKeys')
  } else {
    for (const l of closed) {
      if (Object.values(inv.locations ?? {}).includes(l)) {
        p.push(`inventory.closedLocations: ${String(l)} is fed by a site; a location is either fed or closed`)
      }
    }
  }
  if (!['QtyAvail', 'QtyOnHand'].includes(inv.available)) p.push('inventory.available must be QtyAvail or QtyOnHand')
  const safety = inv.safetyStock ?? { default: 0 }
  if (!isTable(safety)) p.push('inventory.safetyStock must be a table of SiteID: units')
  else {
    for (const [k, v] of Object.entries(safety)) {
      if (typeof v !== 'number' || v < 0 || !Number.isFinite(v) || v > MAX_SAFETY) {
        p.push(`inventory.safetyStock.${k} must be a number of units from 0 to ${MAX_SAFETY}`)
      }
    }
  }
  const pr = x.products ?? {}
  if (!isTable(pr.fields)) p.push('products.fields must be a table of Clarity field: SL field')
  else {
    for (const [k, v] of Object.entries(pr.fields)) {
      if (!PRODUCT_FIELDS.includes(k as ProductField)) {
        p.push(`products.fields.${k}: Clarity products have no field ${k}; known: ${PRODUCT_FIELDS.join(', ')}`)
      }
      if (!ITEM_FIELDS.includes(v as ItemField)) {
        p.push(`products.fields.${k}: SL items have no field ${String(v)}; known: ${ITEM_FIELDS.join(', ')}`)
      }
    }
    if (pr.fields.Name === undefined) p.push('products.fields.Name is required (Clarity needs a name)')
  }
  if (pr.taxCodes !== undefined && !isTable(pr.taxCodes)) p.push('products.taxCodes must be a table of TaxCat: TaxCode')
  for (const k of ['discontinued', 'hidden']) {
    const v = pr[k] ?? []
    if (!Array.isArray(v)) p.push(`products.${k} must be a list of TranStatusCode values`)
    else {
      for (const c of v) {
        if (!STATUS.includes(c)) p.push(`products.${k}: ${String(c)} is not a TranStatusCode (${STATUS.join(', ')})`)
      }
    }
  }
  if (p.length > 0) throw new MappingError(file, p)
  return {
    version: x.version,
    inventory: {
      locations: inv.locations, closedLocations: closed, available: inv.available,
      safetyStock: { default: 0, ...safety }
    },
    products: {
      fields: pr.fields, taxCodes: pr.taxCodes ?? {}, discontinued: pr.discontinued ?? [], hidden: pr.hidden ?? []
    }
  }
}

export const loadCatalogueMapping = (file: string): CatalogueMapping =>
  checkCatalogueMapping(readMappingFile(file), file)

/**
 * What the store offers of one SL level: the available rule less the site's safety stock,
 * never below 0; undefined for a site that is not published. The order mapper sources
 * lines by the same figure, so a location the store sells from is a site orders ship from.
 */
export function offeredOf (
  m: CatalogueMapping, l: Pick<ItemSiteLevel, 'SiteID' | 'QtyAvail' | 'QtyOnHand'>
): number | undefined {
  if (own(m.inventory.locations, l.SiteID) === undefined) return undefined
  const safety = own(m.inventory.safetyStock, l.SiteID) ?? m.inventory.safetyStock.default
  return Math.max(0, Number(l[m.inventory.available]) - safety)
}

/** The SL sites the store publishes, which are the sites web orders may ship from. */
export const publishedSites = (m: CatalogueMapping): string[] => Object.keys(m.inventory.locations)
