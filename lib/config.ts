// The only place that reads process.env. Each service declares the variables it
// needs as data; all of them are validated at once so a misconfigured deployment
// hears about every bad variable in one go, not one per restart.
import { readFileSync } from 'node:fs'

export interface Var<T> {
  doc: string
  default?: T
  optional?: boolean
  /** Needed, with no default taken, when another variable is set (or has one of `values`). */
  requiredWhen?: Condition
  /**
   * A credential: it may come from the file named by `<NAME>_FILE` (as container platforms
   * mount secrets), its value is never quoted in a problem, and where it is required the
   * documented development values (`dev`) are refused.
   */
  secret?: { dev: readonly string[] }
  parse: (raw: string) => T
}
export interface Condition { name: string, values?: readonly string[], why: string }

type Spec = Record<string, Var<unknown>>
type Values<S extends Spec> = { readonly [K in keyof S]: S[K] extends Var<infer T> ? T : never }

export class ConfigError extends Error {
  constructor (readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`)
    this.name = 'ConfigError'
  }
}

const given = (s: string | undefined): s is string => s !== undefined && s !== ''
const holds = (c: Condition, env: NodeJS.ProcessEnv): boolean =>
  given(env[c.name]) && (c.values === undefined || c.values.includes(env[c.name]!))

/** The raw text of a variable: from the environment, or for a secret from its `_FILE`. */
function rawOf (name: string, v: Var<unknown>, env: NodeJS.ProcessEnv): { raw?: string, problem?: string } {
  const file = v.secret === undefined ? undefined : env[`${name}_FILE`]
  if (!given(file)) return { raw: env[name] }
  if (given(env[name])) return { problem: `${name} and ${name}_FILE are both set: set one of them` }
  try {
    const raw = readFileSync(file, 'utf8').replace(/\r?\n$/, '')
    return raw === '' ? { problem: `${name}_FILE: ${file} is empty` } : { raw }
  } catch (err) {
    return { problem: `${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` }
  }
}

export function loadConfig<S extends Spec> (spec: S, env: NodeJS.ProcessEnv = process.env): Values<S> {
  const out: Record<string, unknown> = {}
  const problems: string[] = []
  for (const [name, v] of Object.entries(spec)) {
    const { raw, problem } = rawOf(name, v, env)
    if (problem !== undefined) { problems.push(problem); continue }
    const needed = v.requiredWhen !== undefined && holds(v.requiredWhen, env)
    if (!given(raw)) {
      const orFile = v.secret === undefined ? '' : ` (or ${name}_FILE)`
      if (needed) problems.push(`${name}${orFile} is required ${v.requiredWhen!.why} (${v.doc})`)
      else if (v.optional === true) out[name] = undefined
      else if (v.default === undefined) problems.push(`${name}${orFile} is required (${v.doc})`)
      else out[name] = v.default
      continue
    }
    if (needed && v.secret !== undefined && raw.split(',').some((part) => v.secret!.dev.includes(part.trim()))) {
      problems.push(`${name} is a documented development value, refused ${v.requiredWhen!.why}: set the real one`)
      continue
    }
    try {
      out[name] = v.parse(raw)
    } catch (err) {
      const shown = v.secret === undefined ? `=${JSON.stringify(raw)}` : ''
      problems.push(`${name}${shown}: ${(err as Error).message}`)
    }
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze(out) as Values<S>
}

/** The names of a spec's secrets, for redaction. */
export const secretsOf = (spec: Spec): string[] => Object.keys(spec).filter((k) => spec[k]!.secret !== undefined)

/** A variable whose absence means something (e.g. "start the embedded one"). */
export const optional = <T>(v: Var<T>): Var<T | undefined> => ({ ...v, default: undefined, optional: true })

export const str = (doc: string, dflt?: string): Var<string> => ({ doc, default: dflt, parse: (s) => s })

export const int = (doc: string, dflt?: number, min = 0): Var<number> => ({
  doc,
  default: dflt,
  parse: (s) => {
    const n = Number(s)
    if (!Number.isInteger(n) || n < min) throw new Error(`expected a whole number >= ${min}`)
    return n
  }
})

export const num = (doc: string, dflt?: number): Var<number> => ({
  doc,
  default: dflt,
  parse: (s) => {
    const n = Number(s)
    if (!Number.isFinite(n) || n < 0) throw new Error('expected a non-negative number')
    return n
  }
})

export const list = (doc: string, dflt?: string[]): Var<string[]> => ({
  doc,
  default: dflt,
  parse: (s) => s.split(',').map((x) => x.trim()).filter(Boolean)
})

export const oneOf = <T extends string>(doc: string, values: readonly T[], dflt?: T): Var<T> => ({
  doc,
  default: dflt,
  parse: (s) => {
    if (!values.includes(s as T)) throw new Error(`expected one of ${values.join(', ')}`)
    return s as T
  }
})

/** A credential (see Var.secret); `dev` is its documented development value, if it has one. */
export const secret = (doc: string, dev?: string, minLength = 1): Var<string> => ({
  doc,
  default: dev,
  secret: { dev: dev === undefined ? [] : [dev] },
  parse: (s) => {
    if (s.length < minLength) throw new Error(`expected at least ${minLength} characters`)
    return s
  }
})

/** Several credentials, comma separated (a rotation: the new one and the old one). */
export const secretList = (doc: string, dev: string[]): Var<string[]> => ({
  doc, default: dev, secret: { dev }, parse: (s) => s.split(',').map((x) => x.trim()).filter(Boolean)
})

/** A PEM file (certificates or a key), read at start: the value is its text. */
export const pemFile = (doc: string): Var<string> => ({
  doc,
  parse: (path) => {
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (err) {
      throw new Error(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
    if (!text.includes('-----BEGIN ')) throw new Error(`${path} holds no PEM block`)
    return text
  }
})

/** Needed, with no default, once a real system is configured. */
const real = (name: string): Condition => ({ name, why: `when ${name} is set (a real system)` })
const sasl: Condition = {
  name: 'KAFKA_SECURITY_PROTOCOL', values: ['SASL_PLAINTEXT', 'SASL_SSL'], why: 'with KAFKA_SECURITY_PROTOCOL=SASL_*'
}

// The variables every process of the bridge understands. Services add their own.
export const common = {
  KAFKA_BROKERS: list('Kafka bootstrap servers, comma separated', ['127.0.0.1:9092']),
  SCHEMA_REGISTRY_URL: str('Confluent-compatible schema registry base URL', 'http://127.0.0.1:8081/apis/ccompat/v7'),
  KAFKA_SESSION_TIMEOUT_MS: int(
    'How long a silent consumer keeps its partitions before the group moves them (ms)', 30000, 6000
  ),
  KAFKA_LINGER_MS: int(
    'How long a small send waits for others to share its produce request (ms), as linger.ms in Kafka\'s own producer',
    5, 0
  ),
  REGISTRY_CHECK_MS: int(
    'How often a service asks the registry whether the schema ids it writes with still stand (ms; 0: never)', 30000, 0
  ),
  LOG_LEVEL: oneOf('pino log level', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, 'info'),
  KAFKA_SECURITY_PROTOCOL: oneOf(
    'How the brokers are reached: PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL (SASL over TLS)',
    ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const, 'PLAINTEXT'
  ),
  KAFKA_SASL_MECHANISM: oneOf(
    'SASL mechanism, with KAFKA_SECURITY_PROTOCOL=SASL_*',
    ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const, 'SCRAM-SHA-512'
  ),
  KAFKA_SASL_USERNAME: { ...optional(str('SASL user name')), requiredWhen: sasl },
  KAFKA_SASL_PASSWORD: { ...optional(secret('SASL password')), requiredWhen: sasl },
  KAFKA_SSL_CA_FILE: optional(pemFile('PEM file of the CAs that signed the brokers\' certificates; unset: Node\'s')),
  KAFKA_SSL_CERT_FILE: optional(pemFile('PEM client certificate, for brokers that authenticate clients by it')),
  KAFKA_SSL_KEY_FILE: {
    ...optional(pemFile('PEM private key of KAFKA_SSL_CERT_FILE')),
    requiredWhen: { name: 'KAFKA_SSL_CERT_FILE', why: 'with KAFKA_SSL_CERT_FILE' }
  },
  KAFKA_SSL_KEY_PASSWORD: optional(secret('Passphrase of KAFKA_SSL_KEY_FILE, when it is encrypted')),
  SCHEMA_REGISTRY_USERNAME: optional(str('Schema registry user (HTTP Basic)')),
  SCHEMA_REGISTRY_PASSWORD: {
    ...optional(secret('Schema registry password (HTTP Basic)')),
    requiredWhen: { name: 'SCHEMA_REGISTRY_USERNAME', why: 'with SCHEMA_REGISTRY_USERNAME' }
  },
  SCHEMA_REGISTRY_CA_FILE: optional(pemFile('PEM file of the CA that signed the registry\'s certificate (https)')),
  SCHEMA_REGISTRY_CERT_FILE: optional(pemFile('PEM client certificate for the registry (mutual TLS)')),
  SCHEMA_REGISTRY_KEY_FILE: {
    ...optional(pemFile('PEM private key of SCHEMA_REGISTRY_CERT_FILE')),
    requiredWhen: { name: 'SCHEMA_REGISTRY_CERT_FILE', why: 'with SCHEMA_REGISTRY_CERT_FILE' }
  }
}

// How to reach the two systems. The connectors and the sandboxes read the same
// variables, so a sandbox started with defaults accepts the connectors' defaults.
export const slConnection = {
  SL_BASE_URL: optional(str('Dynamics SL API layer base URL of a real SL; unset: the SL sandbox')),
  SL_SANDBOX_URL: str('Where the SL sandbox answers, when SL_BASE_URL is unset', 'http://127.0.0.1:7301'),
  SL_API_USER: { ...str('SL API user (HTTP Basic)', 'bridge'), requiredWhen: real('SL_BASE_URL') },
  SL_API_PASSWORD: { ...secret('SL API password (HTTP Basic)', 'bridge-dev'), requiredWhen: real('SL_BASE_URL') },
  SL_CPNY_ID: str('SL company id, sent as X-SL-CpnyID', 'DEMO')
}
export const clarityConnection = {
  CLARITY_BASE_URL: optional(str('Clarity API base URL of a real store; unset: the Clarity sandbox')),
  CLARITY_SANDBOX_URL: str('Where the Clarity sandbox answers, when CLARITY_BASE_URL is unset', 'http://127.0.0.1:7302'),
  CLARITY_CLIENT_ID: { ...str('Clarity OAuth client id', 'bridge'), requiredWhen: real('CLARITY_BASE_URL') },
  CLARITY_CLIENT_SECRET: {
    ...secret('Clarity OAuth client secret', 'bridge-dev'), requiredWhen: real('CLARITY_BASE_URL')
  },
  CLARITY_WEBHOOK_SECRET: {
    ...secretList('Clarity webhook signing secret; two, comma separated, during a rotation', ['whsec_bridge_dev']),
    requiredWhen: real('CLARITY_BASE_URL')
  }
}

/**
 * A connection's variables as a sandbox reads them: it is the development system itself,
 * so its development credentials stand even where the connectors are pointed at it by URL.
 */
export function asSandbox<S extends Spec> (spec: S): S {
  return Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, { ...v, requiredWhen: undefined }])) as S
}

/** What every service reads: the common variables, its HTTP port, the topic prefix. */
export const serviceSpec = (port: number) => ({
  ...common,
  HTTP_PORT: int('Port of the service\'s /healthz, /readyz, /metrics (and its API, if it has one)', port),
  HTTP_HOST: str('Address the service\'s HTTP server listens on (0.0.0.0 or :: for every interface)', '127.0.0.1'),
  ADMIN_TOKEN: optional(secret(
    'Bearer token (24 characters or more) the admin routes (POST /feed/rewind) require; unset: they answer 403',
    undefined, 24
  )),
  BRIDGE_TOPIC_PREFIX: str('Prefix of every topic and consumer group name, to share a cluster between environments', '')
})
