// The order mapping file (mappings/orders.yaml): loaded and checked once at start.
// A mistake in it stops the service with every problem listed, like bad config.
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

export type Operator = 'over' | 'under' | 'atLeast' | 'equals' | 'in' | 'notIn'
export const FACTS = [
  'baseTotal', 'total', 'currency', 'shipCountry', 'shipState', 'customer', 'lines', 'guest'
] as const
export type Fact = typeof FACTS[number]

export interface Rule {
  name: string
  when: Partial<Record<Fact, Partial<Record<Operator, unknown>>>>
  then: { flag?: string, set?: Record<string, string>, hold?: string }
}

export interface OrderMapping {
  version: string
  order: { type: string, customerOrderNumber: string, site: string, sitesByCountry: Record<string, string> }
  customers: { guest: string }
  skus: Record<string, string>
  shipping: Record<string, string> & { default: string }
  tax: Record<string, string> & { default: string }
  currency: { base: string, rates: Record<string, number> }
  rules: Rule[]
}

export class MappingError extends Error {
  constructor (readonly file: string, readonly problems: string[]) {
    super(`mapping ${file} has problems:\n  ${problems.join('\n  ')}`)
  }
}

const OPERATORS: Operator[] = ['over', 'under', 'atLeast', 'equals', 'in', 'notIn']
const SETTABLE = ['User1', 'SlsperID', 'ProjectID']
/** 1 unit of an order's currency in the base currency: past these, a rate is a typing mistake. */
const MIN_RATE = 1e-6
const MAX_RATE = 1e6

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const finite = (v: unknown): boolean => typeof v !== 'number' || Number.isFinite(v)

/** What is wrong with one fact's comparisons: over, under and atLeast take a number, in and notIn a list. */
function comparisonProblems (cond: Record<string, unknown>, where: string, fact: string): string[] {
  const p: string[] = []
  for (const [op, want] of Object.entries(cond)) {
    if (!OPERATORS.includes(op as Operator)) {
      p.push(`${where}: unknown comparison "${op}"; known: ${OPERATORS.join(', ')}`)
    } else if (['over', 'under', 'atLeast'].includes(op) && !Number.isFinite(want)) {
      p.push(`${where}: ${fact}.${op} must be a number`)
    } else if ((op === 'in' || op === 'notIn') && !Array.isArray(want)) {
      p.push(`${where}: ${fact}.${op} must be a list`)
    } else if (![want].flat().every(finite)) {
      p.push(`${where}: ${fact}.${op}: a number must be finite`)
    }
  }
  return p
}

export function checkMapping (m: unknown, file: string): OrderMapping {
  const p: string[] = []
  const x = (m ?? {}) as Record<string, any>
  const str = (v: unknown, where: string): void => { if (typeof v !== 'string') p.push(`${where} must be text`) }
  const table = (v: unknown, where: string): void => {
    if (!isTable(v)) {
      p.push(`${where} must be a table of key: value`)
      return
    }
    for (const [k, val] of Object.entries(v)) str(val, `${where}.${k}`)
  }
  str(x.version, 'version')
  str(x.order?.type, 'order.type')
  str(x.order?.site, 'order.site')
  str(x.order?.customerOrderNumber, 'order.customerOrderNumber')
  if (typeof x.order?.customerOrderNumber === 'string' && !x.order.customerOrderNumber.includes('{ID}')) {
    p.push('order.customerOrderNumber must contain {ID}, so each Clarity order has its own number')
  }
  table(x.order?.sitesByCountry ?? {}, 'order.sitesByCountry')
  str(x.customers?.guest, 'customers.guest')
  table(x.skus ?? {}, 'skus')
  table(x.shipping, 'shipping')
  if (typeof x.shipping?.default !== 'string') p.push('shipping.default is required')
  table(x.tax, 'tax')
  if (typeof x.tax?.default !== 'string') p.push('tax.default is required ("" for none)')
  str(x.currency?.base, 'currency.base')
  const rates = x.currency?.rates ?? {}
  if (!isTable(rates)) p.push('currency.rates must be a table of currency: rate')
  for (const [k, v] of Object.entries(isTable(rates) ? rates : {})) {
    // YAML's .nan and .inf are numbers: one would pass here and stop every order in that currency.
    if (!Number.isFinite(v) || (v as number) < MIN_RATE || (v as number) > MAX_RATE) {
      p.push(`currency.rates.${k} must be a number from ${MIN_RATE.toFixed(6)} to ${MAX_RATE}`)
    }
  }
  const rules = x.rules ?? []
  if (!Array.isArray(rules)) p.push('rules must be a list')
  else {
    rules.forEach((r: any, i: number) => {
      const where = `rules[${i}]${typeof r?.name === 'string' ? ` (${r.name})` : ''}`
      if (typeof r?.name !== 'string') p.push(`${where}: name is required`)
      for (const [fact, cond] of Object.entries(r?.when ?? {})) {
        if (!FACTS.includes(fact as Fact)) p.push(`${where}: unknown fact "${fact}"; known: ${FACTS.join(', ')}`)
        if (!isTable(cond)) p.push(`${where}: ${fact} must be a table of comparison: value`)
        else p.push(...comparisonProblems(cond, where, fact))
      }
      if (r?.when === undefined || Object.keys(r.when).length === 0) p.push(`${where}: "when" is required`)
      const then = r?.then ?? {}
      if (then.flag === undefined && then.set === undefined && then.hold === undefined) {
        p.push(`${where}: "then" needs flag, set or hold`)
      }
      for (const k of Object.keys(then.set ?? {})) {
        if (!SETTABLE.includes(k)) p.push(`${where}: can set ${SETTABLE.join(', ')}, not ${k}`)
      }
    })
  }
  if (p.length > 0) throw new MappingError(file, p)
  return {
    ...x,
    order: { sitesByCountry: {}, ...x.order },
    skus: x.skus ?? {},
    rules
  } as OrderMapping
}

/** A mapping file's YAML; unreadable or not YAML is a MappingError naming the file. */
export function readMappingFile (file: string): unknown {
  try {
    return parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new MappingError(file, [(err as Error).message])
  }
}

export const loadOrderMapping = (file: string): OrderMapping => checkMapping(readMappingFile(file), file)

/** The CustOrdNbr the mapping's template makes of a Clarity order ID. */
export const custOrdNbrOf = (m: OrderMapping, id: number): string =>
  m.order.customerOrderNumber.replace('{ID}', String(id))

/** The Clarity order ID inside a CustOrdNbr made from the mapping's template. */
export function clarityIdOf (m: OrderMapping, custOrdNbr: string): number | undefined {
  const [before = '', after = ''] = m.order.customerOrderNumber.split('{ID}')
  const s = custOrdNbr.trim()
  if (!s.startsWith(before) || !s.endsWith(after)) return undefined
  const id = Number(s.slice(before.length, s.length - after.length))
  return Number.isInteger(id) && id > 0 ? id : undefined
}

/**
 * table[key] when the table itself holds the key: a key from a record (a SKU, a shipping
 * method a shopper sent) must never find what every object inherits (constructor, toString).
 */
export const own = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined

/** SL InvtID → the SKU Clarity sells it under. */
export function skuOf (m: Pick<OrderMapping, 'skus'>, invtId: string): string {
  for (const [sku, invt] of Object.entries(m.skus)) if (invt === invtId) return sku
  return invtId
}
