// The ACLs each service needs, derived from the topology: what it reads and writes, its
// dead letters, its groups, its idempotent producer; and `bridge topology acls`.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../lib/paths.ts'
import { aclCommand, aclScript, READER_GROUPS, serviceAcls } from '../../topology/acls.ts'
import { allServices, prefixed, services } from '../../topology/topology.ts'

const topic = (name: string) => ({ type: 'topic', name, pattern: 'literal' })
const group = (name: string) => ({ type: 'group', name, pattern: 'prefixed' })
const cluster = { type: 'cluster', name: 'kafka-cluster', pattern: 'literal' }

describe('serviceAcls', () => {
  it('gives a sink Read on what it consumes, Write on its dead letters, its groups and an idempotent producer', () => {
    expect(serviceAcls(services.orderMapper).map(({ resource, operations }) => ({ resource, operations }))).toEqual([
      { resource: topic('orders.raw'), operations: ['Read', 'Describe'] },
      { resource: topic('orders.mapped'), operations: ['Write', 'Describe'] },
      { resource: topic('orders.raw.dlq'), operations: ['Write', 'Describe'] },
      { resource: group('order-mapper'), operations: ['Read'] },
      { resource: group('reader-'), operations: ['Read'] },
      { resource: cluster, operations: ['IdempotentWrite'] }
    ])
    expect(new Set(serviceAcls(services.orderMapper).map((a) => a.principal))).toEqual(new Set(['User:order-mapper']))
  })

  it('merges a topic a service both reads and writes, and gives no dead letters to topics that have none', () => {
    const acls = serviceAcls(services.clarityIngest)
    expect(acls.find((a) => a.resource.name === 'bridge.cursors')?.operations).toEqual(['Read', 'Write', 'Describe'])
    expect(acls.filter((a) => a.resource.name.endsWith('.dlq'))).toEqual([])
    expect(acls.filter((a) => a.resource.name === 'bridge.cursors')).toHaveLength(1)
  })

  it('gives every service exactly the topics the topology says it reads or writes, and the .dlq of what it reads', () => {
    for (const s of allServices) {
      const topics = serviceAcls(s).filter((a) => a.resource.type === 'topic').map((a) => a.resource.name).sort()
      const expected = new Set([
        ...s.consumes.map((t) => t.name), ...s.produces.map((t) => t.name),
        ...s.consumes.filter((t) => t.deadLetters).map((t) => `${t.name}.dlq`)
      ])
      expect(topics, s.name).toEqual([...expected].sort())
      expect(serviceAcls(s).some((a) => a.resource.type === 'topic' && a.operations.includes('Write') &&
        !expected.has(a.resource.name)), s.name).toBe(false)
    }
  })

  it('applies BRIDGE_TOPIC_PREFIX to the topics, the group and the principal', () => {
    const acls = serviceAcls(prefixed('staging.').services.orderMapper)
    expect(acls[0]).toEqual({ principal: 'User:staging-order-mapper', resource: topic('staging.orders.raw'), operations: ['Read', 'Describe'] })
    expect(acls.map((a) => a.resource.name)).toContain('staging-order-mapper')
    expect(acls.map((a) => a.resource.name)).toContain('staging.orders.raw.dlq')
  })

  it('names the throwaway groups as lib/cursor.ts does', () => {
    expect(readFileSync(join(projectRoot, 'lib/cursor.ts'), 'utf8')).toContain(`kafka.consumer(\`${READER_GROUPS}\${`)
  })
})

describe('kafka-acls.sh lines', () => {
  it('are Kafka\'s own form, one resource a line, quoted where the shell needs it', () => {
    const [read, , , groupAcl, , clusterAcl] = serviceAcls(services.orderMapper)
    expect(aclCommand(read!, { bootstrap: 'k1:9093,k2:9093' })).toBe(
      'kafka-acls.sh --bootstrap-server k1:9093,k2:9093 --add --allow-principal User:order-mapper --operation Read --operation Describe --topic orders.raw')
    expect(aclCommand(groupAcl!, { bootstrap: 'k1:9093', commandConfig: '/etc/kafka/admin client.properties' })).toBe(
      'kafka-acls.sh --bootstrap-server k1:9093 --command-config \'/etc/kafka/admin client.properties\' --add --allow-principal User:order-mapper --operation Read --group order-mapper --resource-pattern-type prefixed')
    expect(aclCommand(clusterAcl!, { bootstrap: 'k1:9093' })).toBe(
      'kafka-acls.sh --bootstrap-server k1:9093 --add --allow-principal User:order-mapper --operation IdempotentWrite --cluster')
  })

  it('say per service what it reads and writes', () => {
    const lines = aclScript([services.clarityOrderSink], { bootstrap: 'k:9093' })
    expect(lines[0]).toBe('# clarity-order-sink: reads orders.status, shipments.changes; writes nothing (dead letters only)')
    expect(lines.slice(1).every((l) => l.startsWith('kafka-acls.sh --bootstrap-server k:9093 --add --allow-principal User:clarity-order-sink '))).toBe(true)
  })

  it('`bridge topology acls` prints them for every service, with the prefix and the brokers of the environment', () => {
    const r = spawnSync(process.execPath, [join(projectRoot, 'bin/bridge.js'), 'topology', 'acls', '--command-config', 'admin.properties'], {
      encoding: 'utf8', env: { ...process.env, BRIDGE_TOPIC_PREFIX: 'staging.', KAFKA_BROKERS: 'k1:9093,k2:9093' }
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toEqual(aclScript(Object.values(prefixed('staging.').services), { bootstrap: 'k1:9093,k2:9093', commandConfig: 'admin.properties' }))
    expect(lines).toContain('# staging-order-mapper: reads staging.orders.raw; writes staging.orders.mapped')
  })
})
