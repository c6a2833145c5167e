// How lib/kafka.ts reaches secured brokers: kafkajs' TLS and SASL options from the
// configuration, a TLS check that fails at once where kafkajs would retry a handshake that
// can never succeed for half a minute, and what the brokers refused as a fatal error that
// names the setting to look at.
import { connect as netConnect, isIP } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import type { SASLOptions } from 'kafkajs'
import { ConfigError } from './config.ts'
import { causes, fatal, type BridgeError } from './errors.ts'
import { tlsFailureOf, tlsOptions } from './tls.ts'

/** The settings of lib/config.ts `common` that say how the brokers are reached. */
export interface KafkaSecurityConfig {
  KAFKA_SECURITY_PROTOCOL?: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'
  KAFKA_SASL_MECHANISM?: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  KAFKA_SASL_USERNAME?: string
  KAFKA_SASL_PASSWORD?: string
  /** The PEM files' text, as lib/config.ts loads them. */
  KAFKA_SSL_CA_FILE?: string
  KAFKA_SSL_CERT_FILE?: string
  KAFKA_SSL_KEY_FILE?: string
  KAFKA_SSL_KEY_PASSWORD?: string
}

export interface KafkaSecurity {
  ssl?: ConnectionOptions
  sasl?: SASLOptions
  /** Rejects, fatal, when a broker's TLS handshake fails in a way no retry can cure. */
  check: (brokers: string[]) => Promise<void>
  /** `err` as the operator can act on it when the brokers' security explains it; else `err` itself. */
  explain: (err: unknown) => unknown
}

const TLS_SETTINGS = [
  'KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE', 'KAFKA_SSL_KEY_PASSWORD'
] as const
const SASL_SETTINGS = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const

/** Throws ConfigError when the settings contradict each other (a CA file with PLAINTEXT, say). */
export function kafkaSecurity (c: KafkaSecurityConfig): KafkaSecurity {
  const protocol = c.KAFKA_SECURITY_PROTOCOL ?? 'PLAINTEXT'
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL'
  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL'
  const problems: string[] = []
  const unused = (names: readonly string[], uses: string, protocols: string): void => {
    for (const name of names) {
      if (c[name as keyof KafkaSecurityConfig] === undefined) continue
      problems.push(`${name} is set, but KAFKA_SECURITY_PROTOCOL=${protocol} uses no ${uses}: ` +
        `set KAFKA_SECURITY_PROTOCOL to ${protocols}, or unset ${name}`)
    }
  }
  if (!tls) unused(TLS_SETTINGS, 'TLS', 'SSL or SASL_SSL')
  if (!sasl) unused(SASL_SETTINGS, 'SASL', 'SASL_PLAINTEXT or SASL_SSL')
  if (sasl) {
    for (const name of SASL_SETTINGS) if (c[name] === undefined) problems.push(`${name} is required with ${protocol}`)
  }
  const ssl = tls ? tlsOptions(pemSettings(c), problems) : undefined
  if (problems.length > 0) throw new ConfigError(problems)
  const mechanism = c.KAFKA_SASL_MECHANISM ?? 'SCRAM-SHA-512'
  const who = { username: c.KAFKA_SASL_USERNAME!, password: c.KAFKA_SASL_PASSWORD! }
  return {
    ssl,
    sasl: sasl ? { mechanism: mechanism.toLowerCase() as 'plain', ...who } : undefined,
    check: checkBrokers(ssl, c),
    explain: (err) => explain(err, c, mechanism) ?? err
  }
}

const pemSettings = (c: KafkaSecurityConfig): Parameters<typeof tlsOptions>[0] => ({
  ca: c.KAFKA_SSL_CA_FILE === undefined ? undefined : { name: 'KAFKA_SSL_CA_FILE', pem: c.KAFKA_SSL_CA_FILE },
  cert: c.KAFKA_SSL_CERT_FILE === undefined ? undefined : { name: 'KAFKA_SSL_CERT_FILE', pem: c.KAFKA_SSL_CERT_FILE },
  key: c.KAFKA_SSL_KEY_FILE === undefined ? undefined : { name: 'KAFKA_SSL_KEY_FILE', pem: c.KAFKA_SSL_KEY_FILE },
  passphrase: c.KAFKA_SSL_KEY_PASSWORD === undefined
    ? undefined
    : { name: 'KAFKA_SSL_KEY_PASSWORD', value: c.KAFKA_SSL_KEY_PASSWORD }
})

function explain (err: unknown, c: KafkaSecurityConfig, mechanism: string): BridgeError | undefined {
  const tls = tlsFailureOf(err)
  if (tls !== undefined) return tlsFatal(tls, brokerOf(err), c)
  for (const e of causes(err)) {
    if (e.name === 'KafkaJSSASLAuthenticationError') {
      if (/mechanism is not supported/.test(String(e.message ?? ''))) {
        return fatal('KAFKA_AUTH_FAILED', `kafka: the brokers do not offer SASL ${mechanism}: ` +
          'set KAFKA_SASL_MECHANISM to one they do (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)', err)
      }
      return fatal('KAFKA_AUTH_FAILED', `kafka: the brokers refused the SASL ${mechanism} login: ` +
        'check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (and that the user exists for that mechanism)', err)
    }
    if (typeof e.type === 'string' && e.type.endsWith('_AUTHORIZATION_FAILED')) {
      const principal = c.KAFKA_SASL_USERNAME === undefined
        ? 'this client\'s principal'
        : 'the KAFKA_SASL_USERNAME user'
      return fatal('KAFKA_NOT_AUTHORIZED', `kafka: the brokers refused ${principal} an operation (${e.type}): ` +
        'grant it the ACLs `bridge topology acls` prints for this service', err)
    }
  }
  return undefined
}

const brokerOf = (err: unknown): string | undefined => {
  for (const { broker } of causes(err)) if (typeof broker === 'string') return broker
  return undefined
}

function tlsFatal (
  tls: Failure, broker: string | undefined, c: KafkaSecurityConfig
): BridgeError {
  const at = broker === undefined ? 'a broker' : `broker ${broker}`
  const trusted = c.KAFKA_SSL_CA_FILE === undefined
    ? 'Node.js\'s CAs (KAFKA_SSL_CA_FILE is unset)'
    : 'KAFKA_SSL_CA_FILE'
  const why = {
    untrusted: `the certificate of ${at} is not signed by a CA in ${trusted}: check KAFKA_SSL_CA_FILE`,
    expired: `the certificate of ${at} is expired or not valid yet: the broker needs a current one`,
    'wrong name': `the certificate of ${at} does not name that host: use the host name in KAFKA_BROKERS ` +
      'that the certificate names',
    'ours refused': c.KAFKA_SSL_CERT_FILE === undefined
      ? `${at} requires a client certificate: set KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE`
      : `${at} refused our client certificate: check KAFKA_SSL_CERT_FILE (signed by a CA the broker trusts?)`,
    'not TLS': `${at} does not answer in TLS: check KAFKA_SECURITY_PROTOCOL and the port in KAFKA_BROKERS`,
    'is TLS': `${at} answers only in TLS: set KAFKA_SECURITY_PROTOCOL to SSL or SASL_SSL`
  }[tls.failure]
  return fatal('KAFKA_AUTH_FAILED', `kafka: ${why} (${tls.code})`)
}

// ApiVersions v0, which a broker answers before any login: an answer means the handshake,
// client certificate included, was accepted (TLS 1.3 refuses a certificate only after it).
const API_VERSIONS = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff])
const CHECK_TIMEOUT_MS = 5000

function checkBrokers (
  ssl: ConnectionOptions | undefined, c: KafkaSecurityConfig
): (brokers: string[]) => Promise<void> {
  let passed: Promise<void> | undefined
  const once = async (brokers: string[]): Promise<void> => {
    const failures = await Promise.all(brokers.map((b) => handshake(b, ssl)))
    const failed = failures.findIndex((f) => f !== undefined)
    if (failed >= 0) throw tlsFatal(failures[failed]!, brokers[failed], c)
  }
  return (brokers) => {
    passed ??= once(brokers).catch((err: unknown) => { passed = undefined; throw err })
    return passed
  }
}

type Failure = NonNullable<ReturnType<typeof tlsFailureOf>>

/**
 * One ApiVersions round trip with a broker, in TLS or not as configured: the failure no
 * retry cures, or undefined (it answered, or it is away: kafkajs retries that).
 */
function handshake (broker: string, ssl: ConnectionOptions | undefined): Promise<Failure | undefined> {
  const at = broker.lastIndexOf(':')
  const host = broker.slice(0, at).replace(/^\[(.*)\]$/, '$1')
  const port = Number(broker.slice(at + 1))
  if (at < 0 || !Number.isInteger(port)) return Promise.resolve(undefined) // kafkajs says what is wrong with it
  return new Promise((resolve) => {
    const socket = ssl === undefined
      ? netConnect({ host, port })
      : tlsConnect({ host, port, ...isIP(host) === 0 ? { servername: host } : {}, ...ssl })
    // Connected but closed before the TLS handshake ended: not a TLS listener.
    let handshaking = false
    const done = (failure?: Failure): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(failure)
    }
    const timer = setTimeout(done, CHECK_TIMEOUT_MS)
    const closed = (code: string): Failure | undefined => handshaking ? { failure: 'not TLS', code } : undefined
    socket.once('connect', () => {
      if (ssl === undefined) socket.write(API_VERSIONS)
      else handshaking = true
    })
    socket.once('secureConnect', () => { handshaking = false; socket.write(API_VERSIONS) })
    // A TLS listener answers plain bytes with an alert record (0x15, then the TLS version).
    socket.once('data', (d: Buffer) =>
      done(ssl === undefined && d[0] === 0x15 && d[1] === 0x03 ? { failure: 'is TLS', code: 'TLS alert' } : undefined))
    socket.once('error', (err: NodeJS.ErrnoException) => done(tlsFailureOf(err) ?? closed(err.code ?? 'closed')))
    socket.once('close', () => done(closed('closed')))
  })
}
