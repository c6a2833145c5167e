// What a mapping check says of a mapping: every problem it lists, or none.
import { expect } from 'vitest'
import { MappingError } from '../../domain/mapping.ts'

export function problemsWith (check: (m: unknown, file: string) => unknown, file: string): (m: unknown) => string[] {
  return (m) => {
    try { check(m, file); return [] } catch (e) {
      expect(e).toBeInstanceOf(MappingError)
      return (e as MappingError).problems
    }
  }
}
