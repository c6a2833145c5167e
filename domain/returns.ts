// The return mapping file (mappings/returns.yaml), loaded and checked once at start, and the
// keys a Clarity return is known by in SL: the RMA's CustOrdNbr, and the ExtRefNbr of the
// refund that settles its credit memo (shared with the reconciliation).
import { clarityIdOf, MappingError, readMappingFile, type OrderMapping } from './mapping.ts'
import { fitting } from './payments.ts'
import type { ClaritySalesReturn } from './records.ts'

/**
 * The order type of SL's receivers of returned goods, as the contract names it: the order
 * sinks leave these alone whatever their own mapping's order type.
 */
export const RECEIVER_TYPE = 'RMA'

export interface ReturnMapping {
  version: string
  rma: { type: string, customerOrderNumber: string }
  restockingItem: string
  refundPaymentMethod: string
}

// SL's lengths: SOTypeID char(4), CustOrdNbr char(25), InvtID char(30), PmtMethod char(10).
const KNOWN = ['version', 'rma', 'restockingItem', 'refundPaymentMethod']
const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function text (p: string[], v: unknown, where: string, max: number, blank = false): void {
  if (typeof v !== 'string' || (!blank && v.trim() === '')) p.push(`${where} is required (text)`)
  else if (v.trim() !== v) p.push(`${where} must not start or end with spaces`)
  else if (v.length > max) p.push(`${where} is longer than SL's ${max} characters`)
}

/**
 * The mapping, or a MappingError with every problem of the file at once. With the order
 * mapping: an RMA's CustOrdNbr must never read as a web order's, or the order sinks would
 * take its receiver for a shipment.
 */
export function checkReturnMapping (raw: unknown, file: string, orders?: OrderMapping): ReturnMapping {
  const p: string[] = []
  const x = isTable(raw) ? raw : {}
  if (!isTable(raw)) p.push('the file must be a table (key: value)')
  for (const k of Object.keys(x)) if (!KNOWN.includes(k)) p.push(`unknown key "${k}"; known: ${KNOWN.join(', ')}`)
  if (typeof x.version !== 'string' || x.version === '') p.push('version is required (text)')
  const rma = isTable(x.rma) ? x.rma : {}
  if (!isTable(x.rma)) p.push('rma is required: a table of type and customerOrderNumber')
  text(p, rma.type, 'rma.type', 4)
  text(p, rma.customerOrderNumber, 'rma.customerOrderNumber', 25)
  const template = typeof rma.customerOrderNumber === 'string' ? rma.customerOrderNumber : ''
  if (template !== '' && !template.includes('{ID}')) {
    p.push('rma.customerOrderNumber must contain {ID}, so each Clarity return has its own RMA')
  }
  if (orders !== undefined && rma.type === orders.order.type) {
    p.push(`rma.type must differ from the web orders' type (${orders.order.type})`)
  }
  const readAsOrder = orders !== undefined && clarityIdOf(orders, template.replace('{ID}', '1')) !== undefined
  if (template.includes('{ID}') && readAsOrder) {
    p.push(`rma.customerOrderNumber "${template}" makes numbers the order mapping's ` +
      `"${orders!.order.customerOrderNumber}" reads as web orders: give it a prefix or suffix of its own`)
  }
  text(p, x.restockingItem, 'restockingItem', 30, true)
  text(p, x.refundPaymentMethod, 'refundPaymentMethod', 10)
  if (p.length > 0) throw new MappingError(file, p)
  return x as unknown as ReturnMapping
}

export const loadReturnMapping = (file: string, orders?: OrderMapping): ReturnMapping =>
  checkReturnMapping(readMappingFile(file), file, orders)

/** The CustOrdNbr of the return's RMA. */
export const rmaCustOrdNbrOf = (m: ReturnMapping, returnId: number): string =>
  m.rma.customerOrderNumber.replace('{ID}', String(returnId))

/** The Clarity return ID inside an RMA's CustOrdNbr, if the template made it. */
export function returnIdOf (m: ReturnMapping, custOrdNbr: string): number | undefined {
  const [before = '', after = ''] = m.rma.customerOrderNumber.split('{ID}')
  const s = custOrdNbr.trim()
  if (!s.startsWith(before) || !s.endsWith(after) || s.length <= before.length + after.length) return undefined
  const digits = s.slice(before.length, s.length - after.length)
  const id = Number(digits)
  return /^\d+$/.test(digits) && Number.isSafeInteger(id) && id > 0 ? id : undefined
}

/** The ExtRefNbr (char 15) of the AR refund of a return: its card refund's id, fitted as a payment's. */
export const refundExtRefOf = (r: Pick<ClaritySalesReturn, 'ID' | 'RefundTransactionNumber'>): string =>
  fitting(r.RefundTransactionNumber?.trim() || `clarity-return-${r.ID}`)
