// Credentials: from the environment or a file, never quoted, and never the documented
// development values once a real system is configured.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  asSandbox, clarityConnection, common, ConfigError, loadConfig, pemFile, secret, secretsOf, serviceSpec, slConnection
} from '../../lib/config.ts'

const dir = mkdtempSync(join(tmpdir(), 'bridge-config-'))
const file = (name: string, text: string): string => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}
function problems (spec: Parameters<typeof loadConfig>[0], env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(spec, env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

describe('secrets', () => {
  it('come from <NAME>_FILE, without the file\'s last newline', () => {
    const c = loadConfig(slConnection, { SL_API_PASSWORD_FILE: file('pw', 's3cret-from-file\n') })
    expect(c.SL_API_PASSWORD).toBe('s3cret-from-file')
    const w = loadConfig(clarityConnection, { CLARITY_WEBHOOK_SECRET_FILE: file('wh', 'whsec_new,whsec_old\r\n') })
    expect(w.CLARITY_WEBHOOK_SECRET).toEqual(['whsec_new', 'whsec_old'])
  })

  it('refuse both the variable and its file, a missing file and an empty one, naming the variable', () => {
    expect(problems(slConnection, { SL_API_PASSWORD: 'a', SL_API_PASSWORD_FILE: file('pw2', 'b') }))
      .toEqual(['SL_API_PASSWORD and SL_API_PASSWORD_FILE are both set: set one of them'])
    expect(problems(slConnection, { SL_API_PASSWORD_FILE: join(dir, 'absent') }))
      .toEqual([`SL_API_PASSWORD_FILE: cannot read ${join(dir, 'absent')} (ENOENT)`])
    expect(problems(slConnection, { SL_API_PASSWORD_FILE: file('empty', '\n') }))
      .toEqual([`SL_API_PASSWORD_FILE: ${join(dir, 'empty')} is empty`])
  })

  it('only secrets are read from files: another variable\'s _FILE means nothing', () => {
    expect(loadConfig(slConnection, { SL_CPNY_ID_FILE: file('cpny', 'OTHER') }).SL_CPNY_ID).toBe('DEMO')
  })

  it('with a real system configured, a missing credential stops the start, naming the variable', () => {
    expect(problems(slConnection, { SL_BASE_URL: 'https://sl.example.com' })).toEqual([
      'SL_API_USER is required when SL_BASE_URL is set (a real system) (SL API user (HTTP Basic))',
      'SL_API_PASSWORD (or SL_API_PASSWORD_FILE) is required when SL_BASE_URL is set (a real system) ' +
        '(SL API password (HTTP Basic))'
    ])
    expect(problems(clarityConnection, { CLARITY_BASE_URL: 'https://shop.example.com', CLARITY_CLIENT_ID: 'bridge' }))
      .toEqual([
        'CLARITY_CLIENT_SECRET (or CLARITY_CLIENT_SECRET_FILE) is required when CLARITY_BASE_URL is set ' +
          '(a real system) (Clarity OAuth client secret)',
        'CLARITY_WEBHOOK_SECRET (or CLARITY_WEBHOOK_SECRET_FILE) is required when CLARITY_BASE_URL is set ' +
          '(a real system) (Clarity webhook signing secret; two, comma separated, during a rotation)'
      ])
  })

  it('with a real system configured, the documented development values are refused, even in a rotation pair', () => {
    expect(problems(clarityConnection, {
      CLARITY_BASE_URL: 'https://shop.example.com',
      CLARITY_CLIENT_ID: 'bridge',
      CLARITY_CLIENT_SECRET_FILE: file('cs', 'bridge-dev'),
      CLARITY_WEBHOOK_SECRET: 'whsec_real, whsec_bridge_dev'
    })).toEqual([
      'CLARITY_CLIENT_SECRET is a documented development value, refused when CLARITY_BASE_URL is set ' +
        '(a real system): set the real one',
      'CLARITY_WEBHOOK_SECRET is a documented development value, refused when CLARITY_BASE_URL is set ' +
        '(a real system): set the real one'
    ])
    const ok = loadConfig(clarityConnection, {
      CLARITY_BASE_URL: 'https://shop.example.com', CLARITY_CLIENT_ID: 'shop-bridge',
      CLARITY_CLIENT_SECRET: 'a-real-one', CLARITY_WEBHOOK_SECRET: 'whsec_real'
    })
    expect([ok.CLARITY_CLIENT_SECRET, ok.CLARITY_WEBHOOK_SECRET]).toEqual(['a-real-one', ['whsec_real']])
  })

  it('a sandbox keeps its development credentials even when the connectors reach it by URL', () => {
    const c = loadConfig(asSandbox({ ...slConnection, ...clarityConnection }), {
      SL_BASE_URL: 'http://127.0.0.1:7301', CLARITY_BASE_URL: 'http://127.0.0.1:7302'
    })
    expect([c.SL_API_USER, c.SL_API_PASSWORD, c.CLARITY_WEBHOOK_SECRET]).toEqual(['bridge', 'bridge-dev', ['whsec_bridge_dev']])
  })

  it('against the sandboxes the development values are the defaults', () => {
    const c = loadConfig({ ...slConnection, ...clarityConnection }, {})
    expect([c.SL_API_PASSWORD, c.CLARITY_CLIENT_SECRET, c.CLARITY_WEBHOOK_SECRET])
      .toEqual(['bridge-dev', 'bridge-dev', ['whsec_bridge_dev']])
  })

  it('a secret that does not parse is named, its value never quoted', () => {
    const spec = { ADMIN_TOKEN: secret('admin token', undefined, 24), PORT: serviceSpec(1).HTTP_PORT }
    const p = problems(spec, { ADMIN_TOKEN: 'short-marker-4711', PORT: 'x' })
    expect(p).toEqual(['ADMIN_TOKEN: expected at least 24 characters', 'PORT="x": expected a whole number >= 0'])
    expect(p.join('\n')).not.toContain('marker-4711')
  })

  it('every credential of the kit is known as a secret (for redaction)', () => {
    expect(secretsOf({ ...serviceSpec(1), ...slConnection, ...clarityConnection }).sort()).toEqual([
      'ADMIN_TOKEN', 'CLARITY_CLIENT_SECRET', 'CLARITY_WEBHOOK_SECRET', 'KAFKA_SASL_PASSWORD', 'KAFKA_SSL_KEY_PASSWORD',
      'SCHEMA_REGISTRY_PASSWORD', 'SL_API_PASSWORD'
    ])
  })
})

describe('Kafka and registry security settings', () => {
  it('SASL needs a user and a password; a client certificate needs its key', () => {
    expect(problems(common, { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SSL_CERT_FILE: file('c.pem', '-----BEGIN CERTIFICATE-----\n') }))
      .toEqual([
        'KAFKA_SASL_USERNAME is required with KAFKA_SECURITY_PROTOCOL=SASL_* (SASL user name)',
        'KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) is required with KAFKA_SECURITY_PROTOCOL=SASL_* (SASL password)',
        'KAFKA_SSL_KEY_FILE is required with KAFKA_SSL_CERT_FILE (PEM private key of KAFKA_SSL_CERT_FILE)'
      ])
    expect(problems(common, { KAFKA_SECURITY_PROTOCOL: 'TLS' }))
      .toEqual(['KAFKA_SECURITY_PROTOCOL="TLS": expected one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL'])
  })

  it('a PEM file is read at start: a missing one or one with no PEM block is named', () => {
    const spec = { CA: pemFile('ca') }
    expect(loadConfig(spec, { CA: file('ca.pem', '-----BEGIN CERTIFICATE-----\nAAA\n') }).CA).toContain('AAA')
    expect(problems(spec, { CA: join(dir, 'nope.pem') }))
      .toEqual([`CA="${join(dir, 'nope.pem')}": cannot read ${join(dir, 'nope.pem')} (ENOENT)`])
    expect(problems(spec, { CA: file('bad.pem', 'not a pem') }))
      .toEqual([`CA="${join(dir, 'bad.pem')}": ${join(dir, 'bad.pem')} holds no PEM block`])
  })
})
