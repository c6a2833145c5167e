// Every schema parses, every fixture validates, and each schema and its previous
// committed version read each other's data with every value intact (the registry
// enforces BACKWARD; a rolling upgrade needs old readers to read new records too).
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSchema } from '../../lib/avro.ts'
import { projectRoot } from '../../infra/embedded.ts'
import { allTopics } from '../../topology/topology.ts'

const schemaDir = join(projectRoot, 'schemas')
const fixtureDir = join(projectRoot, 'test', 'fixtures')
const schemas = readdirSync(schemaDir).filter((f) => f.endsWith('.avsc')).map((f) => f.slice(0, -5))

// JSON has no bytes: the dead-letter fixtures spell key and value as text.
const revive = (name: string, v: Record<string, unknown>): Record<string, unknown> =>
  name === 'dead-letter' ? { ...v, key: v.key === null ? null : Buffer.from(String(v.key)), value: v.value === null ? null : Buffer.from(String(v.value)) } : v

function fixtures (name: string): Array<[string, Record<string, unknown>]> {
  const dir = join(fixtureDir, name)
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => [f, revive(name, JSON.parse(readFileSync(join(dir, f), 'utf8')))])
}

/** The schema as it was in the newest commit that differs from the working copy. */
function previousVersion (name: string): string | undefined {
  const file = `schemas/${name}.avsc`
  const current = readFileSync(join(projectRoot, file), 'utf8')
  try {
    const commits = execFileSync('git', ['log', '--format=%H', '--', file], { cwd: projectRoot, encoding: 'utf8' }).split('\n').filter(Boolean)
    for (const c of commits) {
      const text = execFileSync('git', ['show', `${c}:${file}`], { cwd: projectRoot, encoding: 'utf8' })
      if (text !== current) return text
    }
  } catch {
    return undefined // not a git checkout: nothing to compare with
  }
  return undefined
}

describe('schemas', () => {
  it('covers every topic of the topology', () => {
    for (const t of allTopics) expect(schemas).toContain(t.schema)
  })

  it.each(schemas)('%s parses, has docs, and keeps money out of floating point', (name) => {
    const text = readFileSync(join(schemaDir, `${name}.avsc`), 'utf8')
    const schema = JSON.parse(text) as { doc?: string }
    expect(schema.doc, `${name} needs a doc`).toBeTruthy()
    expect(() => parseSchema(text)).not.toThrow()
    expect(text).not.toMatch(/"(float|double)"/)
  })

  it.each(schemas)('%s: every fixture validates and round-trips', (name) => {
    const type = parseSchema(readFileSync(join(schemaDir, `${name}.avsc`), 'utf8'))
    const all = fixtures(name)
    expect(all.length, `test/fixtures/${name}/ needs at least one fixture`).toBeGreaterThan(0)
    for (const [file, value] of all) {
      const paths: string[] = []
      const ok = type.isValid(value, { errorHook: (p) => paths.push(p.join('.')) })
      expect(ok, `${name}/${file} is invalid at ${paths.join(', ')}`).toBe(true)
      expect(type.fromBuffer(type.toBuffer(value)))
        .toEqual(type.fromBuffer(type.toBuffer(type.fromBuffer(type.toBuffer(value)))))
    }
  })

  // A rolling upgrade has both at once: new readers on old records and old readers on new.
  it.each(schemas)('%s and its previous committed version read each other\'s data, every shared value equal', (name) => {
    const current = parseSchema(readFileSync(join(schemaDir, `${name}.avsc`), 'utf8'))
    const prev = previousVersion(name)
    const older = prev === undefined ? current : parseSchema(prev)
    const backward = current.createResolver(older)
    const forward = older.createResolver(current)
    for (const [file, value] of fixtures(name)) {
      if (!older.isValid(value)) continue
      const asOld = older.fromBuffer(older.toBuffer(value)) as unknown
      const asNew = current.fromBuffer(current.toBuffer(value)) as unknown
      const [readNew, wroteOld] = shared(current.fromBuffer(older.toBuffer(value), backward), asOld)
      expect(readNew, `${name}/${file}: written with the previous version, read with this one`).toEqual(wroteOld)
      const [readOld, wroteNew] = shared(older.fromBuffer(current.toBuffer(value), forward), asNew)
      expect(readOld, `${name}/${file}: written with this version, read with the previous one`).toEqual(wroteNew)
    }
  })
})

/** Both values cut down to the fields they both have, at every depth: what a change keeps. */
function shared (a: unknown, b: unknown): [unknown, unknown] {
  if (Array.isArray(a) && Array.isArray(b)) {
    const pairs = a.map((x, i) => shared(x, b[i]))
    return [pairs.map((p) => p[0]), pairs.map((p) => p[1])]
  }
  const plain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Buffer.isBuffer(v)
  if (!plain(a) || !plain(b)) return [a, b]
  const keys = Object.keys(a).filter((k) => k in b)
  const pairs = keys.map((k) => shared(a[k], b[k]))
  return [
    Object.fromEntries(keys.map((k, i) => [k, pairs[i]![0]])), Object.fromEntries(keys.map((k, i) => [k, pairs[i]![1]]))
  ]
}
