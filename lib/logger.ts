import { pino, type Logger } from 'pino'

export type { Logger }

// Customer personal data must never reach the logs: names, e-mails, addresses and
// phone numbers appear under these keys in Clarity and SL payloads.
const personal = [
  'FirstName', 'LastName', 'Name', 'Email1', 'Phone1', 'Address', 'UserContactEmail',
  'BillingContact', 'ShippingContact', 'PrimaryContact', 'EMailAddr', 'Phone',
  'ShipName', 'ShipAddr1', 'ShipAddr2', 'BillName', 'BillAddr1', 'BillAddr2', 'Addr1', 'Addr2',
  'email', 'firstName', 'lastName', 'phone', 'address'
]
export const redactPaths = personal.flatMap((k) => [k, `*.${k}`, `*.*.${k}`])

export function createLogger (name: string, level = 'info'): Logger {
  return pino({ name, level, redact: { paths: redactPaths, censor: '[redacted]' } })
}
