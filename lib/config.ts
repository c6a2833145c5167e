// The only place that reads process.env. Each service declares the variables it
// needs as data; all of them are validated at once so a misconfigured deployment
// hears about every bad variable in one go, not one per restart.

export interface Var<T> {
  doc: string
  default?: T
  optional?: boolean
  parse: (raw: string) => T
}

type Spec = Record<string, Var<unknown>>
type Values<S extends Spec> = { readonly [K in keyof S]: S[K] extends Var<infer T> ? T : never }

export class ConfigError extends Error {
  constructor (readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`)
    this.name = 'ConfigError'
  }
}

export function loadConfig<S extends Spec> (spec: S, env: NodeJS.ProcessEnv = process.env): Values<S> {
  const out: Record<string, unknown> = {}
  const problems: string[] = []
  for (const [name, v] of Object.entries(spec)) {
    const raw = env[name]
    if (raw === undefined || raw === '') {
      if (v.optional === true) out[name] = undefined
      else if (v.default === undefined) problems.push(`${name} is required (${v.doc})`)
      else out[name] = v.default
      continue
    }
    try {
      out[name] = v.parse(raw)
    } catch (err) {
      problems.push(`${name}=${JSON.stringify(raw)}: ${(err as Error).message}`)
    }
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze(out) as Values<S>
}

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

// The variables every process of the bridge understands. Services add their own.
export const common = {
  KAFKA_BROKERS: list('Kafka bootstrap servers, comma separated', ['127.0.0.1:9092']),
  SCHEMA_REGISTRY_URL: str('Confluent-compatible schema registry base URL', 'http://127.0.0.1:8081/apis/ccompat/v7'),
  KAFKA_SESSION_TIMEOUT_MS: int('How long a silent consumer keeps its partitions before the group moves them (ms)', 30000, 6000),
  KAFKA_LINGER_MS: int('How long a small send waits for others to share its produce request (ms), as linger.ms in Kafka\'s own producer', 5, 0),
  REGISTRY_CHECK_MS: int('How often a service asks the registry whether the schema ids it writes with still stand (ms; 0: never)', 30000, 0),
  LOG_LEVEL: oneOf('pino log level', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, 'info')
}

// How to reach the two systems. The connectors and the sandboxes read the same
// variables, so a sandbox started with defaults accepts the connectors' defaults.
export const slConnection = {
  SL_BASE_URL: optional(str('Dynamics SL API layer base URL; unset: the SL sandbox')),
  SL_API_USER: str('SL API user (HTTP Basic)', 'bridge'),
  SL_API_PASSWORD: str('SL API password (HTTP Basic)', 'bridge-dev'),
  SL_CPNY_ID: str('SL company id, sent as X-SL-CpnyID', 'DEMO')
}
export const clarityConnection = {
  CLARITY_BASE_URL: optional(str('Clarity API base URL; unset: the Clarity sandbox')),
  CLARITY_CLIENT_ID: str('Clarity OAuth client id', 'bridge'),
  CLARITY_CLIENT_SECRET: str('Clarity OAuth client secret', 'bridge-dev'),
  CLARITY_WEBHOOK_SECRET: list('Clarity webhook signing secret; two, comma separated, during a rotation', ['whsec_bridge_dev'])
}

/** What every service reads: the common variables, its HTTP port, the topic prefix. */
export const serviceSpec = (port: number) => ({
  ...common,
  HTTP_PORT: int('Port of the service\'s /healthz, /readyz, /metrics (and its API, if it has one)', port),
  BRIDGE_TOPIC_PREFIX: str('Prefix of every topic and consumer group name, to share a cluster between environments', '')
})
