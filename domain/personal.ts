// What the bridge says about a record reaches warn logs, the dead-letter headers and the
// hold reasons Clarity shows, none of which may keep a customer's personal data (the dead
// letter's value keeps the whole record, by design). So a text names the field, its length
// and the rule, never the value; and another system's words about a record, which may quote
// it, lose the record's personal values before the bridge passes them on.
import { BridgeError } from '../lib/errors.ts'
import { PERSONAL_KEYS } from '../lib/personal-keys.ts'

/** The keys under which a record holds a person's name, e-mail, phone or address. */
export const PERSONAL_FIELDS = PERSONAL_KEYS

/** "ShipAddr1 is 73 characters; SL takes at most 60" */
export const tooLong = (field: string, length: number, max: number): string =>
  `${field} is ${length} characters; SL takes at most ${max}`

/**
 * A value of a field that should hold a code, as a text about it shows it: quoted when it is
 * shaped like a code (a few letters or digits), else only its length, since a shopper may
 * have typed anything there.
 */
export const shownCode = (v: string): string =>
  /^[A-Za-z0-9]{1,3}$/.test(v.trim()) ? `"${v}"` : `(${v.length} characters)`

/** Every text under a personal key of the record, at any depth (in lists too). */
export function personalValues (record: unknown, out: string[] = []): string[] {
  if (typeof record === 'object' && record !== null) {
    for (const [k, v] of Object.entries(record)) {
      if (typeof v === 'string') {
        if (PERSONAL_FIELDS.has(k)) out.push(v)
      } else {
        personalValues(v, out)
      }
    }
  }
  return out
}

// Shorter values are left: two letters would also strike field names and words out of the
// text, and cannot tell who a customer is.
const SHORTEST = 3
const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The text with each of the values in it (any case) replaced by [redacted]. */
export function scrub (text: string, values: readonly string[]): string {
  const found = values.map((v) => v.trim()).filter((v) => v.length >= SHORTEST)
  if (found.length === 0) return text
  // The longest first: a name inside an address line goes with the line.
  const any = new RegExp([...new Set(found)].sort((a, b) => b.length - a.length).map(escaped).join('|'), 'gi')
  return text.replace(any, '[redacted]')
}

/** The error, its text without the record's personal values; any other error as it is. */
export function withoutPersonal (err: unknown, record: unknown): unknown {
  if (!(err instanceof BridgeError)) return err
  const message = scrub(err.message, personalValues(record))
  // The cause is left behind: it holds the words as they came.
  return message === err.message
    ? err
    : new BridgeError(err.code, err.kind, message, { retryAfterMs: err.retryAfterMs, local: err.local })
}
