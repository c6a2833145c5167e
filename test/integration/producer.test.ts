// The shared producer's lingering against the real broker: records carry the time
// their produce request was written, which is what tells when a send went out.
import { describe, expect, it } from 'vitest'
import { createKafka } from '../../lib/kafka.ts'
import { useBroker, createTopics, env, quiet, readRecords, testTopic, unique } from '../helpers.ts'

const b = useBroker()

async function lingering (lingerMs: number) {
  const topic = testTopic(unique('linger'), 'orders.status')
  await createTopics(b.admin, [topic])
  const producer = await createKafka({ brokers: env().brokers, clientId: 'test', logger: quiet, lingerMs }).producer()
  return { topic: topic.name, producer }
}

describe('producer', () => {
  it('holds a small send from idle for lingerMs, and sends made meanwhile go out with it', async () => {
    const { topic, producer } = await lingering(400)
    try {
      const t0 = Date.now()
      await Promise.all([
        producer.send([{ topic, key: 'a', value: Buffer.from('first') }]),
        producer.send([{ topic, key: 'a', value: Buffer.from('second') }])
      ])
      const got = await readRecords(b.kafka, topic, 2)
      expect(got.map((r) => r.value?.toString())).toEqual(['first', 'second'])
      for (const r of got) expect(r.timestamp).toBeGreaterThanOrEqual(t0 + 400)
    } finally {
      await producer.disconnect()
    }
  })

  it('sends a big send at once, without lingering', async () => {
    const { topic, producer } = await lingering(30000)
    try {
      const t0 = Date.now()
      await producer.send([{ topic, key: 'a', value: Buffer.alloc(70 * 1024, 1) }])
      const [r] = await readRecords(b.kafka, topic, 1)
      expect(r!.value?.length).toBe(70 * 1024)
      expect(r!.timestamp - t0).toBeLessThan(30000)
    } finally {
      await producer.disconnect()
    }
  })

  it('sends what is lingering when it disconnects: nothing is left behind', async () => {
    const { topic, producer } = await lingering(600000)
    const sent = producer.send([{ topic, key: 'a', value: Buffer.from('last words') }])
    await producer.disconnect()
    await sent
    const [r] = await readRecords(b.kafka, topic, 1)
    expect(r!.value?.toString()).toBe('last words')
  })
})
