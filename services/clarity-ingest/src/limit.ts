// The largest webhook body taken whole. A body is only worth taking if what it becomes can
// be written: a broker refuses a record batch over the topic's max.message.bytes, and a
// send refused that way fails on every redelivery, for as long as Clarity retries. Its
// largest record is the dead letter, which keeps the body as it came (the orders.raw and
// customers.raw records hold the entity read from Clarity, in Avro, smaller than its JSON).
import type { Admin } from '../../../lib/kafka.ts'
import type { Logger } from '../../../lib/logger.ts'

/** max.message.bytes when neither the topic nor the broker sets it (Kafka's default: 1 MiB and 12 bytes). */
export const KAFKA_MAX_MESSAGE_BYTES = 1048588

/**
 * What a dead letter adds beside the body within max.message.bytes, at most: the record
 * batch's header (61 bytes) and the record's framing (under 40); the dead letter's headers,
 * dlq.error.message at most 4,000 characters (12,000 bytes in UTF-8), the source topic's
 * name (at most 249), the others under 200; and the Clarity-Event-Id as it was sent (Node
 * takes at most 16 KiB of headers in all). 61 + 40 + 12,000 + 249 + 200 + 16,384 < 32 KiB.
 */
export const RECORD_MARGIN_BYTES = 32 * 1024

/** The body limit the topics allow, or undefined when the broker does not say. */
async function topicsAllow (
  admin: Pick<Admin, 'describeTopics'>, topics: string[], logger: Logger
): Promise<number | undefined> {
  try {
    const described = await admin.describeTopics(topics)
    // A topic with no max.message.bytes of its own takes the broker's (reported when set).
    const least = Math.min(...described.map((t) => Number(t.configs['max.message.bytes'] ?? KAFKA_MAX_MESSAGE_BYTES)))
    return Number.isFinite(least) ? least - RECORD_MARGIN_BYTES : undefined
  } catch (err) {
    logger.warn({ topics, reason: (err as Error).message },
      'could not read max.message.bytes of the topics from the broker: assuming Kafka\'s default')
    return undefined
  }
}

/** WEBHOOK_MAX_BYTES as set, else what the topics the webhook writes allow. */
export async function webhookLimit (
  configured: number | undefined, admin: Pick<Admin, 'describeTopics'>, topics: string[], logger: Logger
): Promise<number> {
  const allowed = await topicsAllow(admin, topics, logger)
  if (configured === undefined) return Math.max(1024, allowed ?? KAFKA_MAX_MESSAGE_BYTES - RECORD_MARGIN_BYTES)
  if (allowed !== undefined && configured > allowed) {
    logger.warn({ WEBHOOK_MAX_BYTES: configured, allowed, topics },
      'WEBHOOK_MAX_BYTES is over what the topics take (max.message.bytes less room for the record): a signed ' +
      'webhook that large would fail to be written, and Clarity would send it again for hours')
  }
  return configured
}
