// The webhook's body limit: what the topics it writes take, as the broker says, less the
// room a dead letter needs beside the body; or WEBHOOK_MAX_BYTES, said to be too much
// when it is.
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { TopicSpec } from '../../../lib/kafka.ts'
import { KAFKA_MAX_MESSAGE_BYTES, RECORD_MARGIN_BYTES, webhookLimit } from '../src/limit.ts'

function logs () {
  const lines: Array<Record<string, unknown>> = []
  const logger = pino(new Writable({
    write (l: Buffer, _e, done) { lines.push(JSON.parse(l.toString()) as Record<string, unknown>); done() }
  }))
  return { logger, lines }
}
const broker = (configs: Record<string, Record<string, string>>) => ({
  describeTopics: async (names: string[]): Promise<TopicSpec[]> =>
    names.map((name) => ({ name, partitions: 1, configs: configs[name] ?? {} }))
})
const topics = ['orders.raw', 'orders.raw.dlq', 'customers.raw', 'customers.raw.dlq']

describe('webhookLimit', () => {
  it('is Kafka\'s default max.message.bytes less the margin when no topic sets one', async () => {
    expect(await webhookLimit(undefined, broker({}), topics, logs().logger)).toBe(1048588 - 32 * 1024)
    expect(KAFKA_MAX_MESSAGE_BYTES - RECORD_MARGIN_BYTES).toBe(1015820)
  })

  it('follows the least max.message.bytes of the topics the webhook writes', async () => {
    const b = broker({ 'orders.raw': { 'max.message.bytes': '2097152' }, 'customers.raw.dlq': { 'max.message.bytes': '524288' } })
    expect(await webhookLimit(undefined, b, topics, logs().logger)).toBe(524288 - RECORD_MARGIN_BYTES)
  })

  it('takes Kafka\'s default, with a warning, when the broker does not say', async () => {
    const { logger, lines } = logs()
    const refusing = { describeTopics: async (): Promise<TopicSpec[]> => { throw new Error('Cluster authorization failed') } }
    expect(await webhookLimit(undefined, refusing, topics, logger)).toBe(KAFKA_MAX_MESSAGE_BYTES - RECORD_MARGIN_BYTES)
    expect(lines.find((l) => l.level === 40)?.msg).toMatch(/could not read max.message.bytes/)
  })

  it('is WEBHOOK_MAX_BYTES when set, with a warning when that is over what the topics take', async () => {
    const { logger, lines } = logs()
    expect(await webhookLimit(500000, broker({}), topics, logger)).toBe(500000)
    expect(lines).toEqual([])
    expect(await webhookLimit(8 * 1024 * 1024, broker({}), topics, logger)).toBe(8 * 1024 * 1024)
    expect(lines.find((l) => l.level === 40)).toMatchObject({ WEBHOOK_MAX_BYTES: 8 * 1024 * 1024, allowed: 1015820 })
  })
})
