// The security settings checked against each other where the Kafka and registry clients
// are made: every contradiction is a configuration problem naming the variables, never a
// value, before any connection is tried.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../lib/config.ts'
import { createKafka, type KafkaSecurityConfig } from '../../lib/kafka.ts'
import { createRegistry, type RegistrySecurityConfig } from '../../lib/registry.ts'
import { quiet } from '../helpers.ts'
import { makePki } from '../tls-fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'bridge-pki-'))
const pki = makePki(dir, 'order-mapper')
const read = (f: string): string => readFileSync(f, 'utf8')
execFileSync('openssl', ['pkey', '-in', pki.clientKeyFile, '-aes256', '-passout', 'pass:the-passphrase', '-out', 'enc.key'], { cwd: dir })
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const pems = {
  ca: read(pki.caFile), cert: read(pki.clientCertFile), key: read(pki.clientKeyFile),
  encrypted: read(join(dir, 'enc.key')), otherKey: read(join(dir, 'other-ca.key'))
}

function problems (fn: () => unknown): string[] {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    const text = (err as ConfigError).message
    for (const secret of ['the-passphrase', 'sasl-secret', 'registry-secret', 'BEGIN']) expect(text).not.toContain(secret)
    return (err as ConfigError).problems
  }
  throw new Error('no ConfigError')
}
const kafka = (security: KafkaSecurityConfig) => () => createKafka({ brokers: ['127.0.0.1:1'], clientId: 't', logger: quiet, security })
const registry = (url: string, security: RegistrySecurityConfig) => () => createRegistry(url, security)

describe('Kafka security settings', () => {
  it('refuses TLS files with a protocol without TLS, and SASL credentials with one without SASL', () => {
    expect(problems(kafka({ KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT', KAFKA_SSL_CA_FILE: pems.ca }))).toEqual([
      'KAFKA_SSL_CA_FILE is set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT uses no TLS: set KAFKA_SECURITY_PROTOCOL to SSL or SASL_SSL, or unset KAFKA_SSL_CA_FILE'
    ])
    expect(problems(kafka({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'sasl-secret' }))).toEqual([
      'KAFKA_SASL_USERNAME is set, but KAFKA_SECURITY_PROTOCOL=SSL uses no SASL: set KAFKA_SECURITY_PROTOCOL to SASL_PLAINTEXT or SASL_SSL, or unset KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD is set, but KAFKA_SECURITY_PROTOCOL=SSL uses no SASL: set KAFKA_SECURITY_PROTOCOL to SASL_PLAINTEXT or SASL_SSL, or unset KAFKA_SASL_PASSWORD'
    ])
    expect(problems(kafka({ KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_USERNAME: 'u' }))).toEqual([
      'KAFKA_SASL_PASSWORD is required with SASL_PLAINTEXT'
    ])
  })

  it('refuses a key that is not the certificate\'s, a key without its certificate, and a wrong or missing passphrase', () => {
    const ssl = { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERT_FILE: pems.cert } as const
    expect(problems(kafka({ ...ssl, KAFKA_SSL_KEY_FILE: pems.otherKey }))[0]).toMatch(/^KAFKA_SSL_KEY_FILE is not the key of KAFKA_SSL_CERT_FILE/)
    expect(problems(kafka({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_KEY_FILE: pems.key }))).toEqual([
      'KAFKA_SSL_KEY_FILE is set without its certificate: set both'
    ])
    expect(problems(kafka({ ...ssl, KAFKA_SSL_KEY_FILE: pems.encrypted }))[0]).toMatch(/^KAFKA_SSL_KEY_FILE is encrypted: give its passphrase/)
    expect(problems(kafka({ ...ssl, KAFKA_SSL_KEY_FILE: pems.encrypted, KAFKA_SSL_KEY_PASSWORD: 'not-the-passphrase' }))[0])
      .toMatch(/^KAFKA_SSL_KEY_PASSWORD does not decrypt KAFKA_SSL_KEY_FILE/)
  })

  it('takes a consistent setting, an encrypted key with its passphrase included', () => {
    expect(kafka({ KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' })).not.toThrow()
    expect(kafka({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'sasl-secret', KAFKA_SSL_CA_FILE: pems.ca,
      KAFKA_SSL_CERT_FILE: pems.cert, KAFKA_SSL_KEY_FILE: pems.encrypted, KAFKA_SSL_KEY_PASSWORD: 'the-passphrase'
    })).not.toThrow()
  })
})

describe('registry security settings', () => {
  it('refuses TLS files with an http:// URL, and a user without a password', () => {
    expect(problems(registry('http://registry:8081', { SCHEMA_REGISTRY_CA_FILE: pems.ca, SCHEMA_REGISTRY_USERNAME: 'bridge' }))).toEqual([
      'SCHEMA_REGISTRY_CA_FILE is set, but SCHEMA_REGISTRY_URL is not https://',
      'SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together: set both or neither'
    ])
    expect(problems(registry('https://registry', { SCHEMA_REGISTRY_CERT_FILE: pems.cert, SCHEMA_REGISTRY_KEY_FILE: pems.otherKey }))[0])
      .toMatch(/^SCHEMA_REGISTRY_KEY_FILE is not the key of SCHEMA_REGISTRY_CERT_FILE/)
    expect(registry('https://registry', {
      SCHEMA_REGISTRY_USERNAME: 'bridge', SCHEMA_REGISTRY_PASSWORD: 'registry-secret', SCHEMA_REGISTRY_CA_FILE: pems.ca,
      SCHEMA_REGISTRY_CERT_FILE: pems.cert, SCHEMA_REGISTRY_KEY_FILE: pems.key
    })).not.toThrow()
  })
})
