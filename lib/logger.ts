import { pino, type DestinationStream, type Logger } from 'pino'
import { clarityConnection, common, secretsOf, serviceSpec, slConnection } from './config.ts'
import { PERSONAL_KEYS } from './personal-keys.ts'

export type { Logger }

// Customer personal data and credentials must never reach the logs: the personal keys
// (lib/personal-keys.ts), and credentials under the settings' names and the clients' own.
const SECRETS = [
  ...secretsOf({ ...common, ...slConnection, ...clarityConnection, ...serviceSpec(0) }),
  'password', 'clientSecret', 'client_secret', 'access_token', 'authorization'
]
/** The keys whose values are never logged, at whatever depth they are. */
export const REDACTED_KEYS: ReadonlySet<string> = new Set([...PERSONAL_KEYS, ...SECRETS])
const CENSOR = '[redacted]'

/**
 * The value with whatever is under a redacted key replaced, at any depth (pino's own
 * redaction takes paths of a fixed depth). Copied only where something is replaced, so a
 * line without such a key costs a look at its keys; errors are left to pino's serializer.
 */
export function redact<T> (value: T, within: object[] = []): T {
  if (typeof value !== 'object' || value === null || within.includes(value)) return value
  const isArray = Array.isArray(value)
  const proto: unknown = Object.getPrototypeOf(value)
  if (!isArray && proto !== Object.prototype && proto !== null) return value
  within.push(value)
  let copy: Record<string, unknown> | unknown[] | undefined
  const from = value as Record<string, unknown>
  for (const k of Object.keys(from)) {
    const v = from[k]
    const now = !isArray && REDACTED_KEYS.has(k) && v !== undefined && v !== null ? CENSOR : redact(v, within)
    if (now === v) continue
    copy ??= isArray ? [...(value as unknown[])] : { ...from }
    ;(copy as Record<string, unknown>)[k] = now
  }
  within.pop()
  return (copy ?? value) as T
}

export function createLogger (name: string, level = 'info', destination?: DestinationStream): Logger {
  const logger = pino({ name, level, formatters: { log: redact, bindings: redact } }, destination)
  // pino formats only the root's bindings: a child's (and a child's child's, who inherit this) come through here.
  const child = logger.child
  logger.child = function (this: Logger, bindings: object, options?: object) {
    return child.call(this, redact(bindings), options)
  } as Logger['child']
  return logger
}
