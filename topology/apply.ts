// Makes the cluster and the registry match the topology. Idempotent: a second run
// finds nothing to change and says so.
import { readFileSync } from 'node:fs'
import type { Admin, TopicSpec } from '../lib/kafka.ts'
import type { Registry } from '../lib/registry.ts'
import { dlqConfigs, dlqName, subjectOf, topicConfigs, type Topic } from './topology.ts'

export function desiredTopics (topics: Topic[]): TopicSpec[] {
  return topics.flatMap((t) => {
    const main = { name: t.name, partitions: t.partitions, configs: topicConfigs(t) }
    return t.deadLetters ? [main, { name: dlqName(t), partitions: t.partitions, configs: dlqConfigs }] : [main]
  })
}

export const loadSchema = (schemaDir: string, t: Topic): object =>
  JSON.parse(readFileSync(`${schemaDir}/${t.schema}.avsc`, 'utf8')) as object

export async function applyTopology (
  o: { admin: Admin, registry: Registry, topics: Topic[], schemaDir: string }
): Promise<string[]> {
  const changes: string[] = []
  const wanted = desiredTopics(o.topics)
  const created = new Set(await o.admin.createTopics(wanted))
  for (const t of wanted) {
    if (created.has(t.name)) {
      changes.push(`created topic ${t.name} (${t.partitions} partitions, ${t.configs['cleanup.policy']})`)
    }
  }

  const existing = wanted.filter((t) => !created.has(t.name))
  for (const actual of await o.admin.describeTopics(existing.map((t) => t.name))) {
    const want = existing.find((t) => t.name === actual.name)
    if (want === undefined) continue
    if (actual.partitions < want.partitions) {
      await o.admin.addPartitions(want.name, want.partitions)
      changes.push(`topic ${want.name}: partitions ${actual.partitions} → ${want.partitions}`)
    }
    const drift = Object.entries(want.configs).filter(([k, v]) => actual.configs[k] !== v)
    if (drift.length > 0) {
      await o.admin.alterTopicConfigs(want.name, { ...actual.configs, ...want.configs })
      changes.push(`topic ${want.name}: ${drift.map(([k, v]) => `${k}=${v}`).join(', ')}`)
    }
  }

  for (const t of o.topics) {
    const schema = loadSchema(o.schemaDir, t)
    if (await o.registry.lookup(subjectOf(t), schema) !== undefined) continue
    const id = await o.registry.register(subjectOf(t), schema)
    changes.push(`registered ${subjectOf(t)} (schema id ${id})`)
  }
  return changes
}
