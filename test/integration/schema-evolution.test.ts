// A rolling upgrade: while one service writes with a newer compatible schema and another
// still reads with the older one (and the other way round), every record reads back
// whole, every amount and time to the unit, through the real registry.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSchema } from '../../lib/avro.ts'
import { createSerde } from '../../lib/registry.ts'
import { readSchema, SCHEMA_DIR } from '../../lib/serdes.ts'
import { allTopics, subjectOf } from '../../topology/topology.ts'
import { testTopic, unique, useBroker } from '../helpers.ts'

const b = useBroker()

interface Field { name: string, type: unknown, default?: unknown }
interface RecordSchema { type: 'record', name: string, fields: Field[] }
type Value = Record<string, unknown>

const PROBE: Field = { name: 'upgradeProbe', type: ['null', 'string'], default: null, doc: 'added by a newer version' } as Field

/** The schema with one more optional field at the top: what a newer version writes. */
const withProbe = (s: RecordSchema): RecordSchema => ({ ...s, fields: [...s.fields, PROBE] })

/**
 * A newer version that dropped a field with a default: the first such top-level field of
 * the schema; where there is none, the probe, as if an older version had had it.
 */
function dropDefaulted (s: RecordSchema): { field: Field, older: RecordSchema, newer: RecordSchema } {
  const field = s.fields.find((f) => 'default' in f)
  if (field === undefined) return { field: PROBE, older: withProbe(s), newer: s }
  return { field, older: s, newer: { ...s, fields: s.fields.filter((f) => f !== field) } }
}

const fixtures = (schema: string): Value[] => {
  const dir = join(SCHEMA_DIR, '..', 'test', 'fixtures', schema)
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Value)
}

// The dead-letter envelope carries bytes, which its JSON fixture cannot spell.
const schemas = [...new Set(allTopics.map((t) => t.schema))]

describe.each(schemas)('%s across a compatible change', (name) => {
  const current = readSchema(testTopic('x', name)) as RecordSchema
  // What a reader on `schema` sees of a value: the canonical decoded form.
  const seen = (schema: object, v: Value): Value => {
    const t = parseSchema(schema)
    return t.fromBuffer(t.toBuffer(v)) as Value
  }

  it('a field added with a default: the old reader reads the new records and the new reader the old, every value equal', async () => {
    const subject = subjectOf(testTopic(unique(`evo.${name}`), name))
    const older = await createSerde<Value>(b.registry, subject, current)
    const newer = await createSerde<Value>(b.registry, subject, withProbe(current))
    for (const v of fixtures(name)) {
      const expected = seen(current, v)
      expect(await older.decode(newer.encode({ ...v, upgradeProbe: 'from the newer version' }))).toEqual(expected)
      expect(await newer.decode(older.encode(v))).toEqual({ ...expected, upgradeProbe: null })
    }
  })

  it('a field with a default removed: each side reads the other, the missing field as its default', async () => {
    const { field, older: before, newer: after } = dropDefaulted(current)
    const subject = subjectOf(testTopic(unique(`evo.${name}`), name))
    const older = await createSerde<Value>(b.registry, subject, before)
    const newer = await createSerde<Value>(b.registry, subject, after)
    for (const fixture of fixtures(name)) {
      const v = field === PROBE ? { ...fixture, upgradeProbe: 'from the older version' } : fixture
      const { [field.name]: _gone, ...rest } = seen(before, v)
      expect(await older.decode(newer.encode(rest))).toEqual({ ...rest, [field.name]: field.default })
      expect(await newer.decode(older.encode(v))).toEqual(rest)
    }
  })
})

it('every topic whose schema has an amount is among those tried', () => {
  const withDecimal = schemas.filter((s) => readFileSync(join(SCHEMA_DIR, `${s}.avsc`), 'utf8').includes('"decimal"'))
  expect(withDecimal).toEqual(expect.arrayContaining(['orders.raw', 'orders.mapped', 'inventory.changes', 'products.changes', 'shipments.changes']))
})
