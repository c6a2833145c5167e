import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diagramFile, schemaDir } from '../../cli/main.ts'
import { parseTarget } from '../../cli/replay.ts'
import { runnableServices } from '../../cli/stack.ts'
import { desiredTopics } from '../../topology/apply.ts'
import { checkTopology } from '../../topology/check.ts'
import { renderDiagram } from '../../topology/diagram.ts'
import { allServices, allTopics, topics, type Service, type Topic } from '../../topology/topology.ts'

describe('topology', () => {
  it('holds its invariants', () => {
    expect(checkTopology(allTopics, allServices, schemaDir)).toEqual([])
  })

  it('TOPOLOGY.md is not stale (run `bridge topology diagram`)', () => {
    expect(readFileSync(diagramFile, 'utf8')).toBe(renderDiagram(allTopics, allServices))
  })

  it('derives a dead-letter topic for each topic that has one', () => {
    const names = desiredTopics(allTopics).map((t) => t.name)
    expect(names).toContain('orders.raw.dlq')
    expect(names).not.toContain('bridge.cursors.dlq')
  })

  it('reports each broken invariant clearly', () => {
    const orphan: Topic = { ...topics.ordersRaw, name: 'orders.orphan' }
    const badName: Topic = { ...topics.ordersRaw, name: 'Orders_Raw' }
    const noSchema: Topic = { ...topics.ordersRaw, name: 'orders.nothing', schema: 'no-such-schema' }
    const svc: Service = { name: 'reader', doc: '', consumes: [orphan, badName, noSchema], produces: [], calls: [] }
    const problems = checkTopology([orphan, badName, noSchema, orphan], [svc], join(schemaDir))
    expect(problems).toEqual(expect.arrayContaining([
      'topic orders.orphan is declared twice',
      'topic Orders_Raw: names are lower-case words joined by dots, like orders.raw',
      'topic orders.nothing: schema file schemas/no-such-schema.avsc does not exist',
      'topic orders.orphan is consumed but nothing produces it (mark it ingress if it is written from outside)',
      'service reader: names are lower-case words joined by dashes, like order-mapper'
    ]))
  })
})

describe('replay targets', () => {
  it('parses each form', () => {
    expect(parseTarget({ 'to-earliest': true })).toEqual({ kind: 'earliest' })
    expect(parseTarget({ 'to-offset': '0:5,3:17' })).toEqual({ kind: 'offsets', offsets: [{ partition: 0, offset: '5' }, { partition: 3, offset: '17' }] })
    expect(parseTarget({ 'to-time': '2026-11-27T10:00:00Z' })).toEqual({ kind: 'time', timeMs: Date.UTC(2026, 10, 27, 10) })
  })
  it('refuses none, several, or a malformed target', () => {
    expect(() => parseTarget({})).toThrow(/exactly one/)
    expect(() => parseTarget({ 'to-earliest': true, 'to-time': 'x' })).toThrow(/exactly one/)
    expect(() => parseTarget({ 'to-offset': '0=5' })).toThrow(/not partition:offset/)
    expect(() => parseTarget({ 'to-time': 'yesterday' })).toThrow(/not an ISO-8601 time/)
  })
})

describe('README', () => {
  it('documents every configuration variable of the CLI and the sandboxes', async () => {
    const { cliSpec } = await import('../../cli/config.ts')
    const { slSandboxSpec } = await import('../../sandboxes/sl/config.ts')
    const { claritySandboxSpec } = await import('../../sandboxes/clarity/config.ts')
    const readme = readFileSync(join(diagramFile, '..', '..', 'README.md'), 'utf8')
    // Every service of the topology that has a folder: a new one cannot slip past.
    const specs = await Promise.all(runnableServices()
      .map(async (s) => (await import(`../../services/${s}/src/config.ts`) as { spec: object }).spec))
    expect(specs.length).toBe(allServices.length)
    for (const name of Object.keys(Object.assign({ ...cliSpec, ...slSandboxSpec, ...claritySandboxSpec }, ...specs))) expect(readme, `README lacks ${name}`).toContain(`\`${name}\``)
  })
})
