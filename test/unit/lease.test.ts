import { describe, expect, it } from 'vitest'
import { leaseGroup, writerSeenAgain } from '../../lib/lease.ts'

describe('writerSeenAgain', () => {
  it('accepts runs of writers, each once, records without a writer ignored', () => {
    expect(writerSeenAgain([])).toBeUndefined()
    expect(writerSeenAgain(['a', 'a', undefined, 'b', 'b', 'c'])).toBeUndefined()
  })
  it('names a writer that wrote again after another took over', () => {
    expect(writerSeenAgain(['a', 'b', 'a'])).toBe('a')
    expect(writerSeenAgain(['a', 'a', 'b', 'c', 'b'])).toBe('b')
  })
})

describe('leaseGroup', () => {
  it('starts with the service name, which the service\'s group ACL covers', () => {
    expect(leaseGroup('sl-inventory-source', 'x')).toBe('sl-inventory-source-lease-x')
  })
})
