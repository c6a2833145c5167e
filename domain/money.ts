// Money as the bridge does arithmetic on it: whole cents, from the decimal strings the
// records carry (Avro decimals of scale 4).
import { poison } from '../lib/errors.ts'

const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,4}))?$/

/** A decimal string as whole cents; a fraction of a cent is refused, as SL keeps money to the cent. */
export function centsOf (d: string, what: string): number {
  const m = DECIMAL.exec(d.trim())
  if (m === null) throw poison('INVALID_PAYLOAD', `${what} must be an amount`)
  const frac = (m[3] ?? '').padEnd(4, '0')
  if (frac.slice(2) !== '00') {
    throw poison('AMOUNT_NOT_IN_CENTS', `${what} ${d} has a fraction of a cent; SL keeps money to the cent`)
  }
  const cents = Number(m[2]) * 100 + Number(frac.slice(0, 2))
  if (!Number.isSafeInteger(cents)) {
    throw poison('AMOUNT_TOO_LARGE', `${what} is beyond what SL keeps exact to the cent`)
  }
  return m[1] === '-' && cents !== 0 ? -cents : cents
}
