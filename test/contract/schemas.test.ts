// Every schema parses, every fixture validates, and each schema reads data written
// with its previous committed version (BACKWARD, as the registry enforces).
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
      expect(type.fromBuffer(type.toBuffer(value))).toEqual(type.fromBuffer(type.toBuffer(type.fromBuffer(type.toBuffer(value)))))
    }
  })

  it.each(schemas)('%s reads data written with its previous committed version', (name) => {
    const current = parseSchema(readFileSync(join(schemaDir, `${name}.avsc`), 'utf8'))
    const prev = previousVersion(name)
    const writer = prev === undefined ? current : parseSchema(prev)
    const resolver = current.createResolver(writer)
    for (const [, value] of fixtures(name)) {
      if (!writer.isValid(value)) continue
      expect(() => current.fromBuffer(writer.toBuffer(value), resolver)).not.toThrow()
    }
  })
})
