// `bridge` prints no credential: neither a configured secret's value, wherever it turns up
// in a line (a client's error, an address), nor credentials written into a URL.
import { describe, expect, it } from 'vitest'
import { loadCliConfig, scrubberOf } from '../../cli/config.ts'

describe('scrubberOf', () => {
  const c = loadCliConfig({
    KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN',
    KAFKA_SASL_USERNAME: 'bridge', KAFKA_SASL_PASSWORD: 'kafka-pw-0001',
    SCHEMA_REGISTRY_URL: 'http://reg:url-pw-0002@registry:8081/apis/ccompat/v7',
    SCHEMA_REGISTRY_USERNAME: 'reg', SCHEMA_REGISTRY_PASSWORD: 'reg-pw-0003',
    CLARITY_WEBHOOK_SECRET: 'whsec_old-0004,whsec_new-0005'
  })
  const scrub = scrubberOf(c)

  it('replaces every secret value, each of a list, and URL credentials', () => {
    const line = `schema registry ${c.registryUrl}; sasl kafka-pw-0001 refused; reg-pw-0003; whsec_old-0004 and whsec_new-0005`
    const shown = scrub(line)
    for (const marker of ['kafka-pw-0001', 'url-pw-0002', 'reg-pw-0003', 'whsec_old-0004', 'whsec_new-0005']) {
      expect(shown).not.toContain(marker)
    }
    expect(shown).toBe('schema registry http://[redacted]@registry:8081/apis/ccompat/v7; sasl [redacted] refused; ' +
      '[redacted]; [redacted] and [redacted]')
  })

  it('leaves a line without credentials as it is', () => {
    const line = 'group sl-order-sink moved; its service re-reads from there on its next start (http://127.0.0.1:7401)'
    expect(scrub(line)).toBe(line)
  })
})
