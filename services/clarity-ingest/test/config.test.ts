// WEBHOOK_MAX_IN_FLIGHT: one in-flight body at the least, and not so many that the bodies
// being read could take the process's memory.
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../lib/config.ts'
import { spec } from '../src/config.ts'

describe('WEBHOOK_MAX_IN_FLIGHT', () => {
  it('is 64 unless set', () => {
    expect(loadConfig(spec, {}).WEBHOOK_MAX_IN_FLIGHT).toBe(64)
    expect(loadConfig(spec, { WEBHOOK_MAX_IN_FLIGHT: '4096' }).WEBHOOK_MAX_IN_FLIGHT).toBe(4096)
  })

  it.each(['0', '4097', '1.5', 'many'])('refuses %s, naming the range', (raw) => {
    expect(() => loadConfig(spec, { WEBHOOK_MAX_IN_FLIGHT: raw }))
      .toThrow(`WEBHOOK_MAX_IN_FLIGHT=${JSON.stringify(raw)}: expected a whole number from 1 to 4096`)
  })
})
