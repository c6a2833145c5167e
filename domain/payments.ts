// The keys a Clarity payment is known by in SL's receivables, shared by the payment sink
// and the reconciliation, so both find the same document. SL's ExtRefNbr is char(15),
// while a card processor's transaction id runs up to 64 characters: an id that fits is
// kept as it is (a controller finds it in SL as the processor shows it); a longer one
// becomes `~` and 14 characters of its SHA-256 in base32 (70 bits: among ten million
// payments, the odds that two share a key are under one in ten million). No id that fits starts
// with `~`, so the two kinds never meet.
import { createHash } from 'node:crypto'
import type { ClarityPayment } from './records.ts'

const FITS = /^[!-}][!-~]{0,14}$/ // printable ASCII without spaces (SL pads and trims) nor a leading `~`
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

function base32 (b: Buffer): string {
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of b) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    value &= 0xff
  }
  return out
}

/** The processor's id, or for a payment without one (a gift card, say), Clarity's own. */
const sourceId = (p: Pick<ClarityPayment, 'ID' | 'TransactionNumber'>): string =>
  p.TransactionNumber?.trim() || `clarity-payment-${p.ID}`

/** An id as an ExtRefNbr (char 15): itself when it fits, else its hash as above. */
export function fitting (id: string): string {
  if (FITS.test(id)) return id
  return `~${base32(createHash('sha256').update(id, 'utf8').digest()).slice(0, 14)}`
}

/** The payment's ExtRefNbr in SL (char 15), the same every time. */
export const extRefOf = (p: Pick<ClarityPayment, 'ID' | 'TransactionNumber'>): string => fitting(sourceId(p))

/**
 * The RefNbr the bridge asks SL to give the payment's document (char 10): two writers that
 * race past the ExtRefNbr lookup ask for the same one, and SL refuses the second. None for
 * a Clarity ID of ten digits or more: SL numbers it then.
 */
export const refNbrOf = (p: Pick<ClarityPayment, 'ID'>): string | undefined =>
  p.ID > 0 && p.ID < 1e9 ? `W${String(p.ID).padStart(9, '0')}` : undefined

/** Captured money: a refunded payment was captured first, and its refund is a document of its own. */
export const isCaptured = (p: Pick<ClarityPayment, 'StatusKey'>): boolean =>
  p.StatusKey === 'Payment Received' || p.StatusKey === 'Refunded'
