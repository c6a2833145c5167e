// The ISO 3166-1 tables both ways. Imported inside each test: a table that cannot be built
// then fails the test instead of the file's import, which would count as no test at all.
import { describe, expect, it } from 'vitest'

const tables = async () => await import('../../domain/countries.ts')

describe('country codes', () => {
  it('hold all 249 ISO 3166-1 countries, each once both ways, and cannot be changed', async () => {
    const { ALPHA2, ALPHA3 } = await tables()
    expect(Object.keys(ALPHA3)).toHaveLength(249)
    expect(Object.keys(ALPHA2)).toHaveLength(249)
    for (const [a2, a3] of Object.entries(ALPHA3)) {
      expect(a2).toMatch(/^[A-Z]{2}$/)
      expect(a3).toMatch(/^[A-Z]{3}$/)
      expect(ALPHA2[a3]).toBe(a2)
    }
    expect(Object.isFrozen(ALPHA3) && Object.isFrozen(ALPHA2)).toBe(true)
  })

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])('%s is no country either way', async (code) => {
    const { ALPHA2, ALPHA3 } = await tables()
    expect([ALPHA3[code], ALPHA2[code]]).toEqual([undefined, undefined])
  })

  it.each([['AD', 'AND'], ['AZ', 'AZE'], ['BA', 'BIH'], ['GB', 'GBR'], ['NO', 'NOR'], ['US', 'USA'], ['ZW', 'ZWE']])('%s is %s', async (a2, a3) => {
    const { ALPHA2, ALPHA3 } = await tables()
    expect(ALPHA3[a2]).toBe(a3)
    expect(ALPHA2[a3]).toBe(a2)
  })
})
