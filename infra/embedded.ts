// A real single-node Kafka (KRaft) and a real Confluent-compatible registry
// (Apicurio Registry) for machines without Docker: jars from Maven Central, cached
// in .bridge/cache, started as background JVMs whose state lives in .bridge/run.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { findJava } from './java.ts'
import { ensureRunning, portOpen, readPid, stopProcess, type Endpoint } from './processes.ts'
import { projectRoot } from '../lib/paths.ts'

export const KAFKA_VERSION = '4.1.2'
export const APICURIO_VERSION = '3.3.3'
const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1'

export { projectRoot }

export interface InfraOptions {
  home: string // .bridge
  kafkaPort: number
  registryPort: number
  /** Where the registry keeps its schemas; by default the embedded broker. */
  registryBrokers?: string[]
  /** A broker reached only over TLS with a login, as a secured cluster is; by default PLAINTEXT. */
  kafkaSecurity?: SecuredBroker
  env: NodeJS.ProcessEnv
  say: (line: string) => void
}

/**
 * The client listener as SASL_SSL (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512), with the
 * certificates given; the controller's stays PLAINTEXT on the loopback.
 */
export interface SecuredBroker {
  /** PEM file: the broker's unencrypted private key, then its certificate chain. */
  keystore: string
  /** PEM file of the CAs whose client certificates the mTLS listener accepts. */
  truststore: string
  /** PLAIN users, name → password. */
  plain: Record<string, string>
  /** SCRAM users, added when the storage is formatted. */
  scram: Array<{ mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', name: string, password: string }>
  /** With these, ACLs are enforced (StandardAuthorizer) and these principals are exempt from them. */
  superUsers?: string[]
  /** A second client listener, SSL, that requires a client certificate signed by a truststore CA. */
  mtlsPort?: number
}

const paths = (o: InfraOptions) => ({
  kafkaLibs: join(o.home, 'cache', `kafka-${KAFKA_VERSION}`, 'libs'),
  apicurio: join(o.home, 'cache', `apicurio-registry-${APICURIO_VERSION}`),
  kafkaRun: join(o.home, 'run', 'kafka'),
  registryRun: join(o.home, 'run', 'registry')
})

export const kafkaAddress = (o: InfraOptions): string => `127.0.0.1:${o.kafkaPort}`
export const registryAddress = (o: InfraOptions): string => `http://127.0.0.1:${o.registryPort}/apis/ccompat/v7`

/**
 * The registry's own topics (Apicurio's `kafkasql` storage): its schemas and ids live in
 * the broker, so the two survive a restart together and `bridge infra reset` wipes both.
 * An id is the name records carry for their writer schema, for as long as Kafka keeps
 * them (for ever on the compacted topics): a registry that forgot them, or handed them
 * out again in another order, would leave those records unreadable or misread.
 */
export const REGISTRY_TOPICS = {
  journal: '_bridge.registry.journal', snapshots: '_bridge.registry.snapshots', events: '_bridge.registry.events'
}
const REGISTRY_STORAGE = 'kafkasql'

/** Runs Maven, showing each finished download as one line so a first run shows progress. */
function mvn (args: string[], o: InfraOptions, what: string): void {
  if (spawnSync('mvn', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('Maven (mvn) is needed to fetch the broker and registry jars; ' +
      'install it, or set KAFKA_BROKERS and SCHEMA_REGISTRY_URL to a running cluster')
  }
  o.say(`fetching ${what} from Maven Central (first run only; later runs use the cache)…`)
  const r = spawnSync('mvn', ['-B', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const downloaded = (r.stdout ?? '').split('\n').filter((l) => l.includes('Downloaded from')).length
  if (r.status !== 0) {
    const errors = (r.stdout ?? '').split('\n').filter((l) => l.includes('[ERROR]')).slice(0, 5).join('\n')
    throw new Error(`fetching ${what} failed:\n${errors}`)
  }
  o.say(`fetched ${what} (${downloaded} files downloaded)`)
}

function ensureKafkaJars (o: InfraOptions): string {
  const { kafkaLibs } = paths(o)
  if (existsSync(join(kafkaLibs, '.complete'))) return kafkaLibs
  const tmp = `${kafkaLibs}.partial`
  rmSync(tmp, { recursive: true, force: true })
  mvn([
    '-f', join(projectRoot, 'infra/kafka/pom.xml'), `${MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies`,
    `-Dkafka.version=${KAFKA_VERSION}`, '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`
  ], o, `Apache Kafka ${KAFKA_VERSION}`)
  writeFileSync(join(tmp, '.complete'), new Date().toISOString())
  rmSync(kafkaLibs, { recursive: true, force: true })
  mkdirSync(dirname(kafkaLibs), { recursive: true })
  renameSync(tmp, kafkaLibs)
  return kafkaLibs
}

function ensureApicurio (o: InfraOptions): string {
  const { apicurio } = paths(o)
  if (existsSync(join(apicurio, '.complete'))) return apicurio
  const tmp = `${apicurio}.partial`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  mvn([`${MAVEN_DEPENDENCY_PLUGIN}:copy`, `-Dartifact=io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`,
    `-DoutputDirectory=${tmp}`], o, `Apicurio Registry ${APICURIO_VERSION}`)
  const archive = join(tmp, `apicurio-registry-app-${APICURIO_VERSION}-all.tar.gz`)
  const untar = spawnSync('tar', ['-xzf', archive, '-C', tmp], { stdio: 'inherit' })
  if (untar.status !== 0) throw new Error(`could not unpack ${archive}`)
  rmSync(archive)
  writeFileSync(join(tmp, '.complete'), new Date().toISOString())
  rmSync(apicurio, { recursive: true, force: true })
  renameSync(tmp, apicurio)
  return apicurio
}

// The broker's own login on its SASL_SSL listener (it is its own inter-broker peer).
const BROKER_USER = 'bridge-broker'

const jaasQuote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`

function listenerProperties (o: InfraOptions, controller: number, brokerPassword: string): string[] {
  const sec = o.kafkaSecurity
  if (sec === undefined) {
    return [
      `listeners=PLAINTEXT://127.0.0.1:${o.kafkaPort},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${o.kafkaPort}`,
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'
    ]
  }
  const mtls = sec.mtlsPort === undefined ? '' : `,SSL://127.0.0.1:${sec.mtlsPort}`
  const users = Object.entries({ ...sec.plain, [BROKER_USER]: brokerPassword })
    .map(([name, password]) => `user_${name}=${jaasQuote(password)}`).join(' ')
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;'
  return [
    `listeners=SASL_SSL://127.0.0.1:${o.kafkaPort},CONTROLLER://127.0.0.1:${controller}${mtls}`,
    `advertised.listeners=SASL_SSL://127.0.0.1:${o.kafkaPort}${mtls}`,
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL',
    'inter.broker.listener.name=SASL_SSL',
    'sasl.mechanism.inter.broker.protocol=PLAIN',
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ' +
      `username=${jaasQuote(BROKER_USER)} password=${jaasQuote(brokerPassword)} ${users};`,
    `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${scram}`,
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${scram}`,
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${sec.keystore}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${sec.truststore}`,
    'listener.name.ssl.ssl.client.auth=required',
    // A client certificate's principal is its CN (User:order-mapper), as a SASL user's is its name.
    'ssl.principal.mapping.rules=RULE:^CN=([^,]+).*$/$1/,DEFAULT',
    ...sec.superUsers === undefined
      ? []
      : [
          'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
          // The controller listener is PLAINTEXT: its peers are ANONYMOUS, and must pass.
          `super.users=${['User:ANONYMOUS', `User:${BROKER_USER}`, ...sec.superUsers].join(';')}`
        ]
  ]
}

function serverProperties (o: InfraOptions, dataDir: string, brokerPassword: string): string {
  const controller = o.kafkaPort + 1
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controller}`,
    ...listenerProperties(o, controller, brokerPassword),
    'controller.listener.names=CONTROLLER',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    // One broker: every internal topic must live with a single replica, or the group
    // coordinator never becomes available.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    ''
  ].join('\n')
}

export async function startKafka (o: InfraOptions): Promise<Endpoint> {
  const { kafkaRun } = paths(o)
  const log = join(kafkaRun, 'out.log')
  return await ensureRunning({
    name: 'kafka', dir: kafkaRun, port: o.kafkaPort, address: kafkaAddress(o),
    elsewhere: 'set KAFKA_BROKERS to use that cluster, or BRIDGE_KAFKA_PORT to move ours',
    command: () => {
      const java = findJava(17, o.env)
      if (java === undefined) {
        throw new Error('Kafka needs Java 17 or newer; none was found (JAVA_HOME, PATH, /usr/lib/jvm)')
      }
      const libs = ensureKafkaJars(o)
      const dataDir = join(kafkaRun, 'data')
      mkdirSync(dataDir, { recursive: true })
      const props = join(kafkaRun, 'server.properties')
      writeFileSync(props, serverProperties(o, dataDir, randomBytes(18).toString('base64url')), { mode: 0o600 })
      if (!existsSync(join(dataDir, 'meta.properties'))) {
        const storageTool = (...args: string[]) =>
          spawnSync(java.bin, ['-cp', `${libs}/*`, 'kafka.tools.StorageTool', ...args], { encoding: 'utf8' })
        const id = storageTool('random-uuid').stdout.trim().split('\n').pop() ?? ''
        // SCRAM credentials live in the cluster's metadata: a new cluster gets them at format time.
        const scram = (o.kafkaSecurity?.scram ?? []).flatMap((u) =>
          ['--add-scram', `${u.mechanism}=[name=${u.name},password=${u.password}]`])
        const fmt = storageTool('format', '-t', id, '-c', props, '--ignore-formatted', ...scram)
        if (fmt.status !== 0) throw new Error(`formatting Kafka storage failed: ${fmt.stderr}`)
      }
      o.say(`starting Kafka ${KAFKA_VERSION} (KRaft) on ${kafkaAddress(o)} with Java ${java.major}…`)
      return {
        bin: java.bin,
        args: [
          '-Xms256m', '-Xmx768m', '-XX:+UseG1GC',
          `-Dlog4j2.configurationFile=${join(projectRoot, 'infra/kafka/log4j2.properties')}`,
          '-cp', `${libs}/*`, 'kafka.Kafka', props
        ]
      }
    },
    ready: async () =>
      existsSync(log) && readFileSync(log, 'utf8').includes('Kafka Server started') && await portOpen(o.kafkaPort)
  })
}

export async function startRegistry (o: InfraOptions): Promise<Endpoint> {
  const { registryRun } = paths(o)
  const storage = o.registryBrokers ?? [kafkaAddress(o)]
  const marker = join(registryRun, 'storage')
  if (readPid(registryRun) === undefined && o.registryBrokers === undefined && !await portOpen(o.kafkaPort)) {
    throw new Error('the embedded registry keeps its schemas in the embedded Kafka, ' +
      `which is not running on ${kafkaAddress(o)}: start it first (\`bridge infra up\` starts both)`)
  }
  const up = await ensureRunning({
    name: 'registry', dir: registryRun, port: o.registryPort, address: registryAddress(o),
    elsewhere: 'set SCHEMA_REGISTRY_URL to use that registry, or BRIDGE_REGISTRY_PORT to move ours',
    command: () => {
      const java = findJava(21, o.env)
      if (java === undefined) {
        throw new Error(`Apicurio Registry ${APICURIO_VERSION} needs Java 21 or newer; ` +
          'none was found (JAVA_HOME, PATH, /usr/lib/jvm). ' +
          'Install one, or set SCHEMA_REGISTRY_URL to a running registry')
      }
      const dir = ensureApicurio(o)
      mkdirSync(registryRun, { recursive: true })
      writeFileSync(marker, `${REGISTRY_STORAGE} ${storage.join(',')}\n`)
      o.say(`starting Apicurio Registry ${APICURIO_VERSION} on ${registryAddress(o)} with Java ${java.major}, ` +
        `its schemas kept in Kafka at ${storage.join(',')}…`)
      return {
        bin: java.bin,
        args: [
          '-Xmx512m',
          '-Dquarkus.http.host=127.0.0.1', `-Dquarkus.http.port=${o.registryPort}`,
          '-Dquarkus.management.host=127.0.0.1', `-Dquarkus.management.port=${o.registryPort + 10}`,
          // Confluent's default; also keeps the npm client happy (Apicurio answers the
          // global level where Confluent answers 404 for a subject without its own rule).
          '-Dapicurio.rules.global.compatibility=BACKWARD',
          `-Dapicurio.storage.kind=${REGISTRY_STORAGE}`,
          `-Dapicurio.kafkasql.bootstrap.servers=${storage.join(',')}`,
          `-Dapicurio.kafkasql.topic=${REGISTRY_TOPICS.journal}`,
          `-Dapicurio.kafkasql.snapshots.topic=${REGISTRY_TOPICS.snapshots}`,
          `-Dapicurio.events.kafka.topic=${REGISTRY_TOPICS.events}`,
          '-Dapicurio.kafkasql.consumer.group-prefix=_bridge.registry-',
          '-Dquarkus.log.level=WARN',
          '-jar', join(dir, 'quarkus-run.jar')
        ]
      }
    },
    // Serving only once the journal has been read back: before that it would answer
    // as if it held no schema, and a service starting then would register new ids.
    ready: async () => {
      try {
        return (await fetch(`http://127.0.0.1:${o.registryPort + 10}/health/ready`)).ok &&
          (await fetch(`${registryAddress(o)}/subjects`)).ok
      } catch { return false }
    }
  })
  const inKafka = existsSync(marker) && readFileSync(marker, 'utf8').startsWith(REGISTRY_STORAGE)
  if (up.detail === 'already running' && !inKafka) {
    o.say('the running registry keeps its schemas in memory and forgets them when it stops: ' +
      'restart it (`bridge infra down`, then `up`) to keep them in Kafka')
  }
  return up
}

export const stopRegistry = async (o: InfraOptions): Promise<void> => {
  await stopProcess('registry', paths(o).registryRun, o.say)
}
export const stopKafka = async (o: InfraOptions): Promise<void> => {
  await stopProcess('kafka', paths(o).kafkaRun, o.say)
}

/** The registry first: it writes to the broker until it stops. */
export async function stopInfra (o: InfraOptions): Promise<void> {
  await stopRegistry(o)
  await stopKafka(o)
}

export async function infraStatus (o: InfraOptions): Promise<Endpoint[]> {
  const { kafkaRun, registryRun } = paths(o)
  const k = readPid(kafkaRun)
  const r = readPid(registryRun)
  return [
    {
      name: 'kafka', running: k !== undefined && await portOpen(o.kafkaPort), pid: k,
      address: kafkaAddress(o), detail: `embedded Kafka ${KAFKA_VERSION}`
    },
    {
      name: 'registry', running: r !== undefined && await portOpen(o.registryPort), pid: r,
      address: registryAddress(o), detail: `embedded Apicurio Registry ${APICURIO_VERSION}`
    }
  ]
}

/** Wipes the embedded broker's and registry's data (they must be stopped). */
export function resetInfra (o: InfraOptions): void {
  const { kafkaRun, registryRun } = paths(o)
  rmSync(kafkaRun, { recursive: true, force: true })
  rmSync(registryRun, { recursive: true, force: true })
}
