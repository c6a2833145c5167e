// How lib/registry.ts reaches a registry behind TLS and HTTP Basic: the options for the
// registry client (node:https) and for the schema-text fetch (undici), and what a refused
// login or handshake means, as a fatal error that names the setting to look at.
import { Agent as HttpsAgent } from 'node:https'
import type { ConnectionOptions } from 'node:tls'
import { call, connections, type HttpAnswer } from './clients/http.ts'
import { ConfigError } from './config.ts'
import { bridgeError, BridgeError, fatal } from './errors.ts'
import { tlsFailureOf, tlsOptions } from './tls.ts'

/** The settings of lib/config.ts `common` that say how the registry is reached. */
export interface RegistrySecurityConfig {
  SCHEMA_REGISTRY_USERNAME?: string
  SCHEMA_REGISTRY_PASSWORD?: string
  /** The PEM files' text, as lib/config.ts loads them. */
  SCHEMA_REGISTRY_CA_FILE?: string
  SCHEMA_REGISTRY_CERT_FILE?: string
  SCHEMA_REGISTRY_KEY_FILE?: string
}

export interface RegistryAccess {
  /** For the registry client: its Basic credentials and, for https with TLS settings, its agent. */
  auth?: { username: string, password: string }
  agent?: HttpsAgent
  /** A GET under the registry's URL, with our credentials and TLS settings. */
  get: (path: string, headers?: Record<string, string>) => Promise<HttpAnswer>
  /** The URL as messages show it: without credentials written into it. */
  shown: string
  /** A refusal (401, 403, a failed handshake) as the fatal error naming the setting; else undefined. */
  refusal: (status?: number, err?: unknown) => BridgeError | undefined
  unavailable: (err: unknown) => BridgeError
  /**
   * Asks the registry once, directly: an outage or a refusal as its error, or undefined
   * when it answers (so a failure before was the registry's own answer).
   */
  diagnose: () => Promise<BridgeError | undefined>
}

/** Throws ConfigError when the settings contradict each other (a CA file with an http:// URL, say). */
export function registryAccess (url: string, c: RegistrySecurityConfig): RegistryAccess {
  const problems: string[] = []
  const pem = (name: keyof RegistrySecurityConfig): { name: string, pem: string } | undefined =>
    c[name] === undefined ? undefined : { name, pem: c[name] }
  const settings = {
    ca: pem('SCHEMA_REGISTRY_CA_FILE'), cert: pem('SCHEMA_REGISTRY_CERT_FILE'), key: pem('SCHEMA_REGISTRY_KEY_FILE')
  }
  const https = /^https:/i.test(url)
  for (const s of Object.values(settings)) {
    if (s !== undefined && !https) problems.push(`${s.name} is set, but SCHEMA_REGISTRY_URL is not https://`)
  }
  if ((c.SCHEMA_REGISTRY_USERNAME === undefined) !== (c.SCHEMA_REGISTRY_PASSWORD === undefined)) {
    problems.push('SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together: set both or neither')
  }
  const tls: ConnectionOptions = https ? tlsOptions(settings, problems) : {}
  if (problems.length > 0) throw new ConfigError(problems)

  const auth = c.SCHEMA_REGISTRY_USERNAME === undefined
    ? undefined
    : { username: c.SCHEMA_REGISTRY_USERNAME, password: c.SCHEMA_REGISTRY_PASSWORD! }
  const basic: Record<string, string> = auth === undefined
    ? {}
    : { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` }
  const custom = Object.keys(tls).length > 0
  const dispatcher = custom ? connections(8, tls) : undefined
  const base = url.replace(/\/$/, '')
  const shown = url.replace(/\/\/[^/@]*@/, '//')
  const get = (path: string, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
    call('schema registry', `${base}${path}`, { timeoutMs: 10000, headers: { ...headers, ...basic }, dispatcher })
  const refusal = (status?: number, err?: unknown): BridgeError | undefined => refusalOf(shown, c, status, err)
  const unavailable = (err: unknown): BridgeError =>
    bridgeError('REGISTRY_UNAVAILABLE', `schema registry at ${shown}: ${(err as Error).message}`, { cause: err })
  return {
    auth,
    agent: custom ? new HttpsAgent({ keepAlive: true, ...tls }) : undefined,
    get,
    shown,
    refusal,
    unavailable,
    async diagnose () {
      try {
        return refusal((await get('/config')).status)
      } catch (err) {
        const away = err instanceof BridgeError && err.kind === 'retriable'
        return refusal(undefined, err) ?? (away ? unavailable(err) : undefined)
      }
    }
  }
}

function refusalOf (
  shown: string, c: RegistrySecurityConfig, status: number | undefined, err: unknown
): BridgeError | undefined {
  if (status === 401 || status === 403) {
    const what = c.SCHEMA_REGISTRY_USERNAME === undefined
      ? 'asks for credentials: set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD'
      : status === 401
        ? 'refused our credentials: check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD'
        : 'refused the SCHEMA_REGISTRY_USERNAME user access: grant it the rights to read and register schemas'
    return fatal('REGISTRY_AUTH_FAILED', `schema registry at ${shown} ${what} (${status})`)
  }
  const tls = tlsFailureOf(err)
  if (tls === undefined) return undefined
  const trusted = c.SCHEMA_REGISTRY_CA_FILE === undefined
    ? 'Node.js\'s CAs (SCHEMA_REGISTRY_CA_FILE is unset)'
    : 'SCHEMA_REGISTRY_CA_FILE'
  const why = {
    untrusted: `its certificate is not signed by a CA in ${trusted}: check SCHEMA_REGISTRY_CA_FILE`,
    expired: 'its certificate is expired or not valid yet: the registry needs a current one',
    'wrong name': 'its certificate does not name the host of SCHEMA_REGISTRY_URL',
    'ours refused': c.SCHEMA_REGISTRY_CERT_FILE === undefined
      ? 'it requires a client certificate: set SCHEMA_REGISTRY_CERT_FILE and SCHEMA_REGISTRY_KEY_FILE'
      : 'it refused our client certificate: check SCHEMA_REGISTRY_CERT_FILE',
    'not TLS': 'it does not answer in TLS: check the scheme and port of SCHEMA_REGISTRY_URL',
    'is TLS': 'it answers only in TLS: use https:// in SCHEMA_REGISTRY_URL'
  }[tls.failure]
  return fatal('REGISTRY_AUTH_FAILED', `schema registry at ${shown}: ${why} (${tls.code})`, err)
}
