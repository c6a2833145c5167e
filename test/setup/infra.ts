// Where the tests find Kafka and the schema registry, in this order:
//   1. KAFKA_BROKERS / SCHEMA_REGISTRY_URL from the environment
//   2. testcontainers, when a container engine answers
//   3. the embedded JVM processes (`bridge infra up`), started if not running
import 'vitest'
import type { TestProject } from 'vitest/node'
import { loadCliConfig } from '../../cli/config.ts'
import { startKafka, startRegistry } from '../../infra/embedded.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    brokers: string[]
    registryUrl: string
  }
}

type Stop = () => Promise<void>

async function fromContainers (): Promise<{ brokers: string[], registryUrl: string, stop: Stop } | undefined> {
  const tc = await import('testcontainers')
  try {
    await tc.getContainerRuntimeClient()
  } catch {
    return undefined
  }
  const { KafkaContainer } = await import('@testcontainers/kafka')
  const network = await new tc.Network().start()
  const kafka = await new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().withNetwork(network).withNetworkAliases('kafka').start()
  const registry = await new tc.GenericContainer('confluentinc/cp-schema-registry:7.9.0')
    .withNetwork(network)
    .withExposedPorts(8081)
    .withEnvironment({
      SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
      SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
      SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:9092'
    })
    .withWaitStrategy(tc.Wait.forHttp('/subjects', 8081))
    .start()
  return {
    brokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
    registryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8081)}`,
    stop: async () => { await registry.stop(); await kafka.stop(); await network.stop() }
  }
}

export default async function setup (project: TestProject): Promise<Stop | undefined> {
  const c = loadCliConfig()
  if (c.externalKafka && c.externalRegistry) {
    project.provide('brokers', c.brokers)
    project.provide('registryUrl', c.registryUrl)
    return undefined
  }
  const containers = process.env.BRIDGE_TEST_NO_CONTAINERS === '1' ? undefined : await fromContainers().catch(() => undefined)
  if (containers !== undefined) {
    project.provide('brokers', containers.brokers)
    project.provide('registryUrl', containers.registryUrl)
    return containers.stop
  }
  // Left running afterwards, so the next run starts in seconds; `bridge infra down` stops it.
  if (!c.externalKafka) await startKafka(c.infra)
  if (!c.externalRegistry) await startRegistry(c.infra)
  project.provide('brokers', c.brokers)
  project.provide('registryUrl', c.registryUrl)
  return undefined
}
