// Three kinds of failure, decided where the knowledge is (see STYLE.md):
//   retriable — the same message will succeed later: back off, keep order, never dead-letter
//   poison    — deterministic for this message: dead-letter it with the reason and move on
//   fatal     — the process cannot do useful work: stop, exit non-zero, say why
// Unknown exceptions are bugs and are treated as fatal.

export type ErrorKind = 'retriable' | 'poison' | 'fatal'

// Every error the kit raises has a code here; services add theirs the same way.
export const codes = {
  DECODE_FAILED: { kind: 'poison', doc: 'the message is not Avro in the Confluent wire format, or does not match its writer schema' },
  UNKNOWN_SCHEMA_ID: { kind: 'poison', doc: 'the writer schema id is not in the registry' },
  INCOMPATIBLE_SCHEMA: { kind: 'poison', doc: 'the writer schema cannot be read with the reader schema' },
  ENCODE_FAILED: { kind: 'poison', doc: 'the produced record does not match its schema' },
  INVALID_RECORD: { kind: 'poison', doc: 'the record fails a business rule' },
  KAFKA_UNAVAILABLE: { kind: 'retriable', doc: 'the broker is unreachable or not ready' },
  REGISTRY_UNAVAILABLE: { kind: 'retriable', doc: 'the schema registry is unreachable or answered 5xx' },
  UPSTREAM_UNAVAILABLE: { kind: 'retriable', doc: 'an external system answered 429/5xx, timed out or refused the connection' },
  CONFIG_INVALID: { kind: 'fatal', doc: 'the configuration is invalid' },
  SCHEMA_ID_LOST: { kind: 'fatal', doc: 'a schema id this service writes with is gone from the registry or names another schema' },
  CONTRACT_MISMATCH: { kind: 'fatal', doc: 'a schema or an external contract does not match what this version expects' },
  UNAUTHORIZED: { kind: 'fatal', doc: 'an external system refused our credentials' },
  BUG: { kind: 'fatal', doc: 'an unexpected exception; a defect to fix' }
} as const satisfies Record<string, { kind: ErrorKind, doc: string }>

export type Code = keyof typeof codes

export class BridgeError extends Error {
  readonly kind: ErrorKind
  readonly retryAfterMs: number | undefined
  /** Retriable for this record only (it waits for something of its own): other partitions carry on. */
  readonly local: boolean

  constructor (readonly code: Code | string, kind: ErrorKind, message: string, opts: { cause?: unknown, retryAfterMs?: number, local?: boolean } = {}) {
    super(message, { cause: opts.cause })
    this.name = 'BridgeError'
    this.kind = kind
    this.retryAfterMs = opts.retryAfterMs
    this.local = opts.local === true
  }
}

export const bridgeError = (code: Code, message: string, opts?: { cause?: unknown, retryAfterMs?: number }): BridgeError =>
  new BridgeError(code, codes[code].kind, message, opts)

export const poison = (code: string, message: string, cause?: unknown): BridgeError => new BridgeError(code, 'poison', message, { cause })
export const retriable = (code: string, message: string, opts?: { cause?: unknown, retryAfterMs?: number, local?: boolean }): BridgeError => new BridgeError(code, 'retriable', message, opts)
export const fatal = (code: string, message: string, cause?: unknown): BridgeError => new BridgeError(code, 'fatal', message, { cause })

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
