import { join } from 'node:path'
import {
  clarityConnection, common, int, loadConfig, num, optional, list, secretsOf, slConnection, str
} from '../lib/config.ts'
import { projectRoot, type InfraOptions } from '../infra/embedded.ts'
import { createKafka, type Admin, type KafkaClient } from '../lib/kafka.ts'
import { createLogger } from '../lib/logger.ts'
import { createRegistry, type Registry } from '../lib/registry.ts'

export const cliSpec = {
  ...common,
  KAFKA_BROKERS: optional(list('Kafka bootstrap servers; unset: the embedded broker')),
  SCHEMA_REGISTRY_URL: optional(str('Confluent-compatible registry URL; unset: the embedded registry')),
  BRIDGE_HOME: str('Folder for the embedded infrastructure: jar cache, data, logs', join(projectRoot, '.bridge')),
  BRIDGE_KAFKA_PORT: int('Port of the embedded Kafka broker (the controller takes the next one)', 9092, 1),
  BRIDGE_REGISTRY_PORT: int('Port of the embedded schema registry (management takes port + 10)', 8081, 1),
  ...slConnection,
  ...clarityConnection,
  SL_SANDBOX_PORT: int('Port of the Dynamics SL sandbox', 7301, 1),
  CLARITY_SANDBOX_PORT: int('Port of the Clarity sandbox', 7302, 1),
  BRIDGE_TOPIC_PREFIX: str(
    'Prefix of every topic and consumer group name, to share a cluster between environments', ''),
  DEMO_RATE: num('Storefront orders per second the demo load places (0: none)', 2),
  CLARITY_WEBHOOK_URLS: optional(list(
    'Where the Clarity sandbox delivers webhooks; unset with `bridge start`: clarity-ingest'))
}

export type CliConfig = ReturnType<typeof loadCliConfig>

export function loadCliConfig (env: NodeJS.ProcessEnv = process.env) {
  const c = loadConfig(cliSpec, env)
  const infra: InfraOptions = {
    home: c.BRIDGE_HOME,
    kafkaPort: c.BRIDGE_KAFKA_PORT,
    registryPort: c.BRIDGE_REGISTRY_PORT,
    // An embedded registry beside a cluster of one's own keeps its schemas in that cluster.
    registryBrokers: c.KAFKA_BROKERS,
    env,
    say: (line) => process.stderr.write(`${line}\n`)
  }
  return {
    ...c,
    infra,
    externalKafka: c.KAFKA_BROKERS !== undefined,
    externalRegistry: c.SCHEMA_REGISTRY_URL !== undefined,
    brokers: c.KAFKA_BROKERS ?? [`127.0.0.1:${c.BRIDGE_KAFKA_PORT}`],
    registryUrl: c.SCHEMA_REGISTRY_URL ?? `http://127.0.0.1:${c.BRIDGE_REGISTRY_PORT}/apis/ccompat/v7`
  }
}

/** The CLI's Kafka client, reaching the brokers as the services do (KAFKA_SECURITY_PROTOCOL and the rest). */
export const cliKafka = (c: CliConfig): KafkaClient =>
  createKafka({ brokers: c.brokers, clientId: 'bridge-cli', logger: createLogger('bridge-cli', 'error'), security: c })

/** The CLI's registry client, with the registry's credentials and TLS settings. */
export const cliRegistry = (c: CliConfig): Registry => createRegistry(c.registryUrl, c)

export async function withAdmin<T> (c: CliConfig, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = await cliKafka(c).admin()
  try { return await fn(admin) } finally { await admin.disconnect() }
}

/**
 * What `bridge` prints, without a credential: each configured secret's value, and
 * credentials written into a URL (`http://user:pass@host`), whatever printed them (a
 * client's error quotes its URL, `start` prints the registry's).
 */
export function scrubberOf (c: Record<string, unknown>): (text: string) => string {
  const values = secretsOf(cliSpec).flatMap((k) => {
    const v = c[k]
    return typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  }).filter((v) => v.length > 0).sort((a, b) => b.length - a.length)
  return (text) => {
    let shown = text.replace(/\/\/[^/@\s]*@/g, '//[redacted]@')
    for (const v of values) shown = shown.split(v).join('[redacted]')
    return shown
  }
}
