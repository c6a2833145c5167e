// The admin client of lib/kafka.ts: topics, their configs and offsets, consumer groups.
import type { Kafka } from 'kafkajs'
import { kafkajs } from '../patches/kafkajs.ts'
import type { Admin } from './kafka.ts'

const { ConfigResourceTypes } = kafkajs

const entriesOf = (configs: Record<string, string>): Array<{ name: string, value: string }> =>
  Object.entries(configs).map(([name, value]) => ({ name, value }))

/** `explain` turns what the brokers refused (an ACL, say) into the error that says why. */
export async function createAdmin (kafka: Kafka, explain: (err: unknown) => unknown = (err) => err): Promise<Admin> {
  const a = kafka.admin()
  await a.connect()
  const self: Admin = {
    listTopics: () => a.listTopics(),
    async createTopics (topics) {
      const existing = new Set(await a.listTopics())
      const missing = topics.filter((t) => !existing.has(t.name))
      if (missing.length > 0) {
        await a.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            replicationFactor: -1,
            configEntries: entriesOf(t.configs)
          }))
        })
      }
      return missing.map((t) => t.name)
    },
    async describeTopics (names) {
      if (names.length === 0) return []
      const meta = await a.fetchTopicMetadata({ topics: names })
      const cfg = await a.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name }))
      })
      return meta.topics.map((t) => {
        const entries = cfg.resources.find((r) => r.resourceName === t.name)?.configEntries ?? []
        const configs: Record<string, string> = {}
        for (const e of entries) if (!e.isDefault) configs[e.configName] = e.configValue
        return { name: t.name, partitions: t.partitions.length, configs }
      })
    },
    async alterTopicConfigs (name, configs) {
      await a.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name, configEntries: entriesOf(configs) }]
      })
    },
    async addPartitions (name, count) {
      await a.createPartitions({ topicPartitions: [{ topic: name, count }] })
    },
    async watermarks (topic) {
      return (await a.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
    },
    async offsetsAtTime (topic, timeMs) {
      return (await a.fetchTopicOffsetsByTimestamp(topic, timeMs))
        .map((o) => ({ partition: o.partition, offset: o.offset }))
    },
    async groupOffsets (groupId, topic) {
      const res = await a.fetchOffsets({ groupId, topics: [topic] })
      return (res[0]?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset }))
    },
    async setGroupOffsets (groupId, topic, offsets) {
      await a.setOffsets({ groupId, topic, partitions: offsets })
    },
    async listGroups () {
      return (await a.listGroups()).groups.map((g) => g.groupId)
    },
    async describeGroup (groupId) {
      const g = (await a.describeGroups([groupId])).groups[0]
      return { groupId, state: g?.state ?? 'Dead', members: g?.members.length ?? 0 }
    },
    async deleteTopics (names) {
      await a.deleteTopics({ topics: names })
    },
    disconnect: () => a.disconnect()
  }
  return explained(self, explain)
}

function explained (admin: Admin, explain: (err: unknown) => unknown): Admin {
  const calls = Object.entries(admin).map(([name, fn]: [string, (...args: unknown[]) => Promise<unknown>]) =>
    [name, async (...args: unknown[]) => {
      try {
        return await fn(...args)
      } catch (err) {
        throw explain(err)
      }
    }])
  return Object.fromEntries(calls) as Admin
}
