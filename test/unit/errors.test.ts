// The README's error table is the catalogue's, code for code and kind for kind (as
// fastify checks its error docs against FST_ERR_*).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { causes, codes } from '../../lib/errors.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const section = readme.slice(readme.indexOf('## Errors\n'), readme.indexOf('\n## ', readme.indexOf('## Errors\n') + 1))
const rows = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| (\w+) \| (.+) \|$/gm)].map((m) => ({ code: m[1]!, kind: m[2]!, doc: m[3]! }))

describe('the error catalogue', () => {
  it('the README lists every code with its kind and meaning, and no code the catalogue lacks', () => {
    expect(rows.length).toBeGreaterThan(0)
    expect(Object.fromEntries(rows.map((r) => [r.code, { kind: r.kind, doc: r.doc }]))).toEqual(codes)
  })
})

describe('causes', () => {
  it('walks an error and its causes outermost first, and ends a cycle after 8', () => {
    const inner = new Error('inner')
    const outer = new Error('outer', { cause: inner })
    expect([...causes(outer)].map((e) => e.message)).toEqual(['outer', 'inner'])
    expect([...causes(undefined)]).toEqual([])
    const a: { cause?: unknown } = {}
    a.cause = { cause: a }
    expect([...causes(a)]).toHaveLength(8)
  })
})
