// TLS as Kafka and the registry are reached: the PEM settings checked at start (a key that
// does not match its certificate, or a wrong passphrase, is a configuration problem, not an
// outage), and a failed handshake told apart from a server that is away.
import { createSecureContext, type SecureContextOptions } from 'node:tls'
import { causes } from './errors.ts'

/** The PEM settings of one connection, by the names of the variables they came from. */
export interface PemSettings {
  ca?: { name: string, pem: string }
  cert?: { name: string, pem: string }
  key?: { name: string, pem: string }
  passphrase?: { name: string, value: string }
}

/** The TLS options for `s`; problems (naming the variables, never a value) go to `problems`. */
export function tlsOptions (s: PemSettings, problems: string[]): SecureContextOptions {
  const opts: SecureContextOptions = {}
  if (s.ca !== undefined) {
    if (usable({ ca: s.ca.pem }, `${s.ca.name} holds no certificate TLS can use`, problems)) opts.ca = s.ca.pem
  }
  if (s.key !== undefined && s.cert === undefined) {
    problems.push(`${s.key.name} is set without its certificate: set both`)
  }
  if (s.passphrase !== undefined && s.key === undefined) {
    problems.push(`${s.passphrase.name} is set without a key file: it is the key's passphrase`)
  }
  if (s.cert !== undefined && s.key !== undefined) {
    const pair = { cert: s.cert.pem, key: s.key.pem, passphrase: s.passphrase?.value }
    if (usable(pair, keyProblem(s), problems)) Object.assign(opts, pair)
  }
  return opts
}

function keyProblem (s: PemSettings): (code: string | undefined) => string {
  const { cert, key, passphrase } = s as Required<PemSettings>
  return (code) => {
    if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') return `${key.name} is not the key of ${cert.name}`
    if (code === 'ERR_OSSL_BAD_DECRYPT' || code === 'ERR_OSSL_EVP_BAD_DECRYPT') {
      return passphrase === undefined
        ? `${key.name} is encrypted: give its passphrase`
        : `${passphrase.name} does not decrypt ${key.name}`
    }
    return `${cert.name} and ${key.name} cannot be used together`
  }
}

function usable (
  opts: SecureContextOptions, problem: string | ((code: string | undefined) => string), problems: string[]
): boolean {
  try {
    // An encrypted key without a passphrase would otherwise make OpenSSL ask on the terminal.
    createSecureContext({ passphrase: '', ...opts })
    return true
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException
    const what = typeof problem === 'string' ? problem : problem(code)
    problems.push(`${what} (${code ?? message})`)
    return false
  }
}

/** Why a TLS handshake failed, when it is not an outage (retrying would meet the same). */
export type TlsFailure = 'untrusted' | 'expired' | 'wrong name' | 'ours refused' | 'not TLS' | 'is TLS'

const FAILURES: Record<string, TlsFailure> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'untrusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'untrusted',
  CERT_UNTRUSTED: 'untrusted',
  CERT_SIGNATURE_FAILURE: 'untrusted',
  CERT_REJECTED: 'untrusted',
  INVALID_CA: 'untrusted',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'wrong name',
  HOSTNAME_MISMATCH: 'wrong name',
  // The server's alerts about our certificate (TLS 1.3 sends them after the handshake).
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'ours refused',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'ours refused',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'ours refused',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'ours refused',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED: 'ours refused',
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: 'ours refused',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'ours refused',
  ERR_SSL_TLSV1_ALERT_ACCESS_DENIED: 'ours refused',
  ERR_SSL_WRONG_VERSION_NUMBER: 'not TLS',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'not TLS',
  ERR_SSL_UNKNOWN_PROTOCOL: 'not TLS'
}

/** The TLS failure an error (or one of its causes) reports, with the error code that says so. */
export function tlsFailureOf (err: unknown): { failure: TlsFailure, code: string } | undefined {
  for (const { code } of causes(err)) {
    if (typeof code === 'string' && code in FAILURES) return { failure: FAILURES[code]!, code }
  }
  return undefined
}
