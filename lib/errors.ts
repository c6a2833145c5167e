// Three kinds of failure, decided where the knowledge is (see STYLE.md):
//   retriable — the same message will succeed later: back off, keep order, never dead-letter
//   poison    — deterministic for this message: dead-letter it with the reason and move on
//   fatal     — the process cannot do useful work: stop, exit non-zero, say why
// Unknown exceptions are bugs and are treated as fatal.

export type ErrorKind = 'retriable' | 'poison' | 'fatal'

// Every code the bridge raises, with its kind and what it means: the one catalogue (the
// README's error table is checked against it). The type is closed: a code not here does
// not compile.
export const codes = {
  // The kit
  DECODE_FAILED: {
    kind: 'poison', doc: 'the message is not Avro in the Confluent wire format, or does not match its writer schema'
  },
  UNKNOWN_SCHEMA_ID: { kind: 'poison', doc: 'the writer schema id is not in the registry' },
  INCOMPATIBLE_SCHEMA: { kind: 'poison', doc: 'the writer schema cannot be read with the reader schema' },
  ENCODE_FAILED: { kind: 'poison', doc: 'the produced record does not match its schema' },
  INVALID_RECORD: { kind: 'poison', doc: 'the record fails a business rule' },
  KAFKA_UNAVAILABLE: { kind: 'retriable', doc: 'the broker is unreachable or not ready' },
  REGISTRY_UNAVAILABLE: { kind: 'retriable', doc: 'the schema registry is unreachable or answered 5xx' },
  UPSTREAM_UNAVAILABLE: {
    kind: 'retriable', doc: 'an external system answered 429/5xx, timed out or refused the connection'
  },
  CONFIG_INVALID: { kind: 'fatal', doc: 'the configuration is invalid' },
  SCHEMA_ID_LOST: {
    kind: 'fatal', doc: 'a schema id this service writes with is gone from the registry or names another schema'
  },
  CONTRACT_MISMATCH: {
    kind: 'fatal', doc: 'a schema or an external contract does not match what this version expects'
  },
  UNAUTHORIZED: { kind: 'fatal', doc: 'an external system refused our credentials' },
  KAFKA_AUTH_FAILED: {
    kind: 'fatal',
    doc: 'no secure connection to the brokers: our SASL login or certificate refused, theirs not trusted, ' +
      'or another security protocol'
  },
  KAFKA_NOT_AUTHORIZED: { kind: 'fatal', doc: 'the brokers refused an operation to our principal: an ACL is missing' },
  REGISTRY_AUTH_FAILED: {
    kind: 'fatal', doc: 'the schema registry refused our credentials or certificate, or its certificate is not trusted'
  },
  BUG: { kind: 'fatal', doc: 'an unexpected exception; a defect to fix' },
  // Webhooks and what Clarity sends
  INVALID_JSON: { kind: 'poison', doc: 'a signed webhook whose body is not JSON' },
  INVALID_PAYLOAD: { kind: 'poison', doc: 'a webhook or a Clarity entity lacks a field or has one of the wrong type' },
  PAYLOAD_TOO_LARGE: {
    kind: 'poison', doc: 'a signed webhook whose body is over WEBHOOK_MAX_BYTES, more than a record can take'
  },
  ORDER_NOT_FOUND: { kind: 'poison', doc: 'an order event names an order Clarity does not have' },
  // Orders
  NO_LINES: { kind: 'poison', doc: 'an order without lines' },
  TOO_MANY_LINES: { kind: 'poison', doc: 'an order with more lines than an SL sales order holds' },
  BAD_QUANTITY: { kind: 'poison', doc: 'an order line whose quantity is not above 0' },
  BAD_CUSTOMER_KEY: { kind: 'poison', doc: 'an order whose account key cannot be an SL CustID' },
  TOTALS_DO_NOT_RECONCILE: {
    kind: 'poison', doc: 'lines, freight, tax and discounts do not add up to the order total'
  },
  NO_CURRENCY_RATE: {
    kind: 'poison', doc: 'the order mapping has no rate from the order currency into the base currency'
  },
  AMOUNT_TOO_LARGE: { kind: 'poison', doc: 'an amount beyond what SL keeps exact to the cent' },
  AMOUNT_NOT_IN_CENTS: { kind: 'poison', doc: 'an amount with a fraction of a cent' },
  NOT_OUR_ORDER: { kind: 'poison', doc: 'an SL order whose CustOrdNbr this mapping did not make' },
  CUSTOMER_PENDING: { kind: 'retriable', doc: 'an order waits for its customer to reach SL (this record only)' },
  // Customers
  FIELD_TOO_LONG: { kind: 'poison', doc: 'a value longer than its SL field allows' },
  UNKNOWN_COUNTRY: { kind: 'poison', doc: 'a country code that is not ISO 3166' },
  DUPLICATE_EMAIL: {
    kind: 'poison', doc: 'several SL customers have the account\'s e-mail: which to link is for a person to say'
  },
  CUSTID_TAKEN: { kind: 'poison', doc: 'the CustId the customer mapping chose belongs to another SL customer' },
  INVALID_CUSTOMER: { kind: 'poison', doc: 'an SL customer row lacks a field or has one of the wrong type' },
  // Stock and catalogue
  INVALID_LEVEL: { kind: 'poison', doc: 'an SL item-site row lacks a field or has one of the wrong type' },
  NEGATIVE_LEVEL: { kind: 'poison', doc: 'a stock level below zero, which is not pushed to Clarity' },
  CLARITY_ROW_REFUSED: { kind: 'poison', doc: 'Clarity refused one row of a stock update' },
  INVALID_ITEM: { kind: 'poison', doc: 'an SL item row lacks a field or has one of the wrong type' },
  INVALID_SHIPPER: { kind: 'poison', doc: 'an SL shipper row lacks a field or has one of the wrong type' },
  // Money
  PAYMENT_NOT_FOUND: { kind: 'poison', doc: 'a payment event names a payment Clarity does not have' },
  DUPLICATE_IN_SL: {
    kind: 'poison',
    doc: 'SL has several payment documents with one payment\'s ExtRefNbr: which one counts is for a person to say'
  },
  CURRENCY_MISMATCH: { kind: 'poison', doc: 'a payment in another currency than the invoice it would be applied to' },
  INVALID_AMOUNT: { kind: 'poison', doc: 'a payment amount that is not above 0' },
  PAYOUT_NOT_FOUND: { kind: 'poison', doc: 'a payout event names a payout Clarity does not have' },
  PAYOUT_UNBALANCED: {
    kind: 'poison',
    doc: 'a payout whose amounts do not add up (GrossAmount - RefundAmount - FeeAmount is not NetAmount, or its ' +
      'transactions do not sum to them): no batch is made of it'
  },
  PERIOD_CLOSED: {
    kind: 'poison',
    doc: 'the payout\'s date falls in a fiscal period SL has closed: it waits here until the period is opened ' +
      'again (then retry it) or someone decides'
  },
  PAYOUT_CURRENCY_UNMAPPED: {
    kind: 'poison', doc: 'a payout in a currency the payout mapping has no bank account for'
  },
  // Returns
  RETURN_ORDER_UNKNOWN: { kind: 'poison', doc: 'a return of a Clarity order SL has no live sales order for' },
  RETURN_EXCEEDS_SHIPPED: {
    kind: 'poison',
    doc: 'a return of more of an item than SL shipped on the order, counting earlier returns: no RMA is made of it'
  },
  RETURN_SKU_NOT_ORDERED: { kind: 'poison', doc: 'a return of an item that is not on the SL sales order' },
  REFUND_EXCEEDS_CREDIT: {
    kind: 'poison', doc: 'a return refunded for more than the open balance of SL\'s credit memo for it'
  },
  CREDIT_PENDING: {
    kind: 'retriable',
    doc: 'a refunded return waits for SL to invoice its receipt into a credit memo (this record only)'
  }
} as const satisfies Record<string, { kind: ErrorKind, doc: string }>

/** What an external system refused, by its status: SL_422, CLARITY_400 (see lib/clients/http.ts). */
export type RejectedCode = `${'SL' | 'CLARITY'}_${number}`
export type Code = keyof typeof codes | RejectedCode
type CodeOf<K extends ErrorKind> =
  { [C in keyof typeof codes]: (typeof codes)[C]['kind'] extends K ? C : never }[keyof typeof codes]

export class BridgeError extends Error {
  readonly kind: ErrorKind
  readonly retryAfterMs: number | undefined
  /** Retriable for this record only (it waits for something of its own): other partitions carry on. */
  readonly local: boolean

  constructor (
    readonly code: Code, kind: ErrorKind, message: string,
    opts: { cause?: unknown, retryAfterMs?: number, local?: boolean } = {}
  ) {
    super(message, { cause: opts.cause })
    this.name = 'BridgeError'
    this.kind = kind
    this.retryAfterMs = opts.retryAfterMs
    this.local = opts.local === true
  }
}

export const bridgeError = (
  code: keyof typeof codes, message: string, opts?: { cause?: unknown, retryAfterMs?: number }
): BridgeError => new BridgeError(code, codes[code].kind, message, opts)

export const poison = (code: CodeOf<'poison'> | RejectedCode, message: string, cause?: unknown): BridgeError =>
  new BridgeError(code, 'poison', message, { cause })
export const retriable = (
  code: CodeOf<'retriable'>, message: string, opts?: { cause?: unknown, retryAfterMs?: number, local?: boolean }
): BridgeError => new BridgeError(code, 'retriable', message, opts)
export const fatal = (code: CodeOf<'fatal'>, message: string, cause?: unknown): BridgeError =>
  new BridgeError(code, 'fatal', message, { cause })

// kafkajs marks its own errors retriable or not; anything else we did not anticipate is a bug.
export function classify (err: unknown): BridgeError {
  if (err instanceof BridgeError) return err
  const e = err as { name?: string, retriable?: boolean, message?: string }
  if (typeof e?.name === 'string' && e.name.startsWith('KafkaJS')) {
    return e.retriable === false
      ? bridgeError('BUG', `kafka: ${e.message ?? e.name}`, { cause: err })
      : bridgeError('KAFKA_UNAVAILABLE', `kafka: ${e.message ?? e.name}`, { cause: err })
  }
  return bridgeError('BUG', (err as Error)?.message ?? String(err), { cause: err })
}

/** An error and its causes, outermost first; at most 8 deep, so a cycle of causes ends. */
export interface Cause { name?: unknown, message?: unknown, code?: unknown, type?: unknown, broker?: unknown }
export function * causes (err: unknown): Generator<Cause> {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    yield e as object
    e = (e as { cause?: unknown }).cause
  }
}
