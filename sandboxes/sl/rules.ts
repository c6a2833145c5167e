// Validation that answers with SL's businessRuleViolations. Message numbers other
// than 818 (unbalanced batch, from the contract) are the sandbox's own and stable.
import type { Lengths } from './fields.ts'

export interface Violation {
  key: string, fatal: boolean, message: string, messageNbr: number, severity: 'Error' | 'Warning'
}

export const MSG = {
  TOO_LONG: 8010,
  REQUIRED: 8011,
  UNKNOWN: 8012,
  INACTIVE: 8013,
  QTY: 8014,
  NO_LINES: 8015,
  TOO_MANY_LINES: 8016,
  BAD_VALUE: 8017,
  SHIPPED: 8020,
  NEGATIVE_ON_HAND: 8030,
  UNBALANCED: 818,
  PERIOD: 8040,
  DR_CR: 8041,
  EXISTS: 8050,
  MALFORMED: 8099
} as const

export const violation = (key: string, message: string, messageNbr: number): Violation =>
  ({ key, fatal: true, message, messageNbr, severity: 'Error' })

export class RuleError extends Error {
  constructor (readonly status: number, readonly violations: Violation[]) {
    super(violations.map((v) => v.message).join('; '))
  }
}

export const fail = (status: number, key: string, message: string, nbr: number): never => {
  throw new RuleError(status, [violation(key, message, nbr)])
}

/** Collects violations instead of stopping at the first, as SL's screens do. */
export class Checker {
  readonly found: Violation[] = []

  add (key: string, message: string, nbr: number): void { this.found.push(violation(key, message, nbr)) }

  /** Every string field of `row` that has a length must fit it; `required` must be present and non-blank. */
  fields (row: Record<string, unknown>, len: Lengths, required: string[] = [], prefix = ''): void {
    for (const r of required) {
      const v = row[r]
      if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
        this.add(prefix + r, `${prefix + r} is required`, MSG.REQUIRED)
      }
    }
    for (const [k, n] of Object.entries(len)) {
      const v = row[k]
      if (v === undefined || v === null || n === 0) continue
      if (typeof v !== 'string') { this.add(prefix + k, `${prefix + k} must be text`, MSG.BAD_VALUE); continue }
      if (v.trimEnd().length > n) {
        const message = `${prefix + k} is ${v.trimEnd().length} characters; SL allows ${n} (char(${n}))`
        this.add(prefix + k, message, MSG.TOO_LONG)
      }
    }
  }

  number (
    row: Record<string, unknown>, key: string, opts: { required?: boolean, min?: number, gt?: number } = {}, prefix = ''
  ): number | undefined {
    const v = row[key]
    if (v === undefined || v === null) {
      if (opts.required === true) this.add(prefix + key, `${prefix + key} is required`, MSG.REQUIRED)
      return undefined
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.add(prefix + key, `${prefix + key} must be a number`, MSG.BAD_VALUE)
      return undefined
    }
    if (opts.min !== undefined && v < opts.min) {
      this.add(prefix + key, `${prefix + key} must be at least ${opts.min}`, MSG.BAD_VALUE)
    }
    if (opts.gt !== undefined && v <= opts.gt) {
      this.add(prefix + key, `${prefix + key} must be greater than ${opts.gt}`, MSG.QTY)
    }
    return v
  }

  /** The entries of a list that are objects; every other entry is a violation. */
  objects (raw: unknown, key: string): Array<Record<string, unknown>> {
    if (raw === undefined || raw === null) return []
    if (!Array.isArray(raw)) { this.add(key, `${key} must be a list`, MSG.MALFORMED); return [] }
    return raw.filter((x, i) => {
      const ok = typeof x === 'object' && x !== null && !Array.isArray(x)
      if (!ok) this.add(`${key}[${i}]`, `${key}[${i}] must be an object`, MSG.MALFORMED)
      return ok
    }) as Array<Record<string, unknown>>
  }

  throwIfAny (status = 422): void {
    if (this.found.length > 0) throw new RuleError(status, this.found)
  }
}
