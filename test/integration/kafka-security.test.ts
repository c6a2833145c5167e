// Kafka and the registry reached only with credentials over TLS. A broker of this file's
// own (its ports, its data in a temporary BRIDGE_HOME) with a SASL_SSL listener (PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512) and an mTLS one, ACLs enforced, certificates made here with
// openssl; the shared registry behind an https front that asks for HTTP Basic.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { projectRoot, startKafka, stopKafka, type InfraOptions } from '../../infra/embedded.ts'
import { portOpen } from '../../infra/processes.ts'
import { loadConfig } from '../../lib/config.ts'
import { BridgeError } from '../../lib/errors.ts'
import { createKafka, type Admin, type KafkaSecurityConfig } from '../../lib/kafka.ts'
import { createRegistry, createSerde, type RegistrySecurityConfig } from '../../lib/registry.ts'
import { readSchema } from '../../lib/serdes.ts'
import { startService, type KitConfig } from '../../lib/service.ts'
import { kafkajs } from '../../patches/kafkajs.ts'
import { spec as mapperSpec } from '../../services/order-mapper/src/config.ts'
import { startOrderMapper } from '../../services/order-mapper/src/service.ts'
import { serviceAcls, type Acl } from '../../topology/acls.ts'
import { desiredTopics } from '../../topology/apply.ts'
import { prefixed, subjectOf } from '../../topology/topology.ts'
import { quiet, readRecords, testTopic, unique, waitFor } from '../helpers.ts'
import { echo } from '../workers/echo.ts'
import { basicAuthFront, makePki, type Pki } from '../tls-fixtures.ts'

const KAFKA_PORT = 19592 // 19593 its controller
const MTLS_PORT = 19594
const broker = `127.0.0.1:${KAFKA_PORT}`
const dir = mkdtempSync(join(tmpdir(), 'bridge-security-'))
const RUN = randomBytes(3).toString('hex')
// The order mapper of a prefix of its own, with its ACLs; the other, the same with none.
const GRANTED = `sec${RUN}.`
const BARE = `bare${RUN}.`
const granted = prefixed(GRANTED)
const bare = prefixed(BARE)
const users = {
  admin: { mechanism: 'SCRAM-SHA-512', name: 'admin', password: `admin-${RUN}` },
  plain: { mechanism: 'PLAIN', name: 'plain-user', password: `plain-${RUN}` },
  scram256: { mechanism: 'SCRAM-SHA-256', name: 'scram256-user', password: `s256-${RUN}` },
  scram512: { mechanism: 'SCRAM-SHA-512', name: 'scram512-user', password: `s512-${RUN}` },
  mapper: { mechanism: 'SCRAM-SHA-512', name: granted.services.orderMapper.name, password: `mapper-${RUN}` },
  bare: { mechanism: 'SCRAM-SHA-512', name: bare.services.orderMapper.name, password: `bare-${RUN}` }
} as const
interface User { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', name: string, password: string }
const registryUser = { username: 'bridge', password: `registry-${RUN}` }

let pki: Pki
let registry: { url: string, close: () => Promise<void> }
let admin: Admin
const o: InfraOptions = { home: join(dir, 'home'), kafkaPort: KAFKA_PORT, registryPort: 19581, env: process.env, say: () => {} }
const pem = (file: string): string => readFileSync(file, 'utf8')

const kafkaAs = (u: User, more: KafkaSecurityConfig = {}): KafkaSecurityConfig => ({
  KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: u.mechanism, KAFKA_SASL_USERNAME: u.name,
  KAFKA_SASL_PASSWORD: u.password, KAFKA_SSL_CA_FILE: pem(pki.caFile), ...more
})
const registryAs = (more: RegistrySecurityConfig = {}): RegistrySecurityConfig => ({
  SCHEMA_REGISTRY_USERNAME: registryUser.username, SCHEMA_REGISTRY_PASSWORD: registryUser.password,
  SCHEMA_REGISTRY_CA_FILE: pem(pki.caFile), ...more
})
const config = (kafka: KafkaSecurityConfig, reg: RegistrySecurityConfig = registryAs()): KitConfig => ({
  KAFKA_BROKERS: [broker], SCHEMA_REGISTRY_URL: registry.url, LOG_LEVEL: 'silent', ...kafka, ...reg
})

/** How the start failed: its code and message; the test fails if it started. */
async function refusal (start: () => Promise<{ stop: () => Promise<void> }>): Promise<BridgeError> {
  const running: { stop: () => Promise<void> } | Error = await start().catch((err: unknown) => err as Error)
  if (!(running instanceof Error)) { await running.stop(); throw new Error('it started') }
  expect(running).toBeInstanceOf(BridgeError)
  const text = `${running.message}\n${running.stack ?? ''}`
  for (const u of Object.values(users)) expect(text).not.toContain(u.password)
  expect(text).not.toContain(registryUser.password)
  return running as BridgeError
}

async function echoService (name: string, kafka: KafkaSecurityConfig, reg?: RegistrySecurityConfig) {
  const input = testTopic(unique(`${name}.in`), 'orders.status')
  const out = testTopic(unique(`${name}.out`), 'orders.status')
  await admin.createTopics(desiredTopics([{ ...input, deadLetters: true }, out]))
  const start = () => startService({
    service: { name: unique(name).replace(/\./g, '-'), doc: '', consumes: [input], produces: [out], calls: [] },
    config: { ...config(kafka, reg), REGISTRY_CHECK_MS: 200 },
    exit: (() => undefined) as never, handler: echo(input, out)
  })
  return { input, out, start }
}

const status = (id: number) => ({ clarityOrderId: id, CustOrdNbr: String(id), status: 'CREATED', OrdNbr: `SO${id}`, reason: null, at: 1795774503000 })

beforeAll(async () => {
  for (const port of [KAFKA_PORT, KAFKA_PORT + 1, MTLS_PORT]) {
    if (await portOpen(port)) throw new Error(`port ${port}, which this test's own broker needs, is taken`)
  }
  pki = makePki(dir, users.admin.name)
  // The jar cache is shared; the data is this test's own.
  mkdirSync(join(projectRoot, '.bridge', 'cache'), { recursive: true })
  mkdirSync(o.home)
  symlinkSync(join(projectRoot, '.bridge', 'cache'), join(o.home, 'cache'))
  const all = Object.values(users)
  o.kafkaSecurity = {
    keystore: pki.brokerKeystore,
    truststore: pki.caFile,
    plain: Object.fromEntries(all.filter((u) => u.mechanism === 'PLAIN').map((u) => [u.name, u.password])),
    scram: all.flatMap((u) => u.mechanism === 'PLAIN' ? [] : [{ ...u, mechanism: u.mechanism }]),
    superUsers: [users.admin, users.plain, users.scram256, users.scram512].map((u) => `User:${u.name}`),
    mtlsPort: MTLS_PORT
  }
  await startKafka(o)
  registry = await basicAuthFront(inject('registryUrl'), pki.server, registryUser)
  admin = await createKafka({ brokers: [broker], clientId: 'test', logger: quiet, security: kafkaAs(users.admin) }).admin()
})
afterAll(async () => {
  await admin?.disconnect().catch(() => undefined)
  await registry?.close()
  await stopKafka(o)
  rmSync(dir, { recursive: true, force: true })
}, 120000)

describe('Kafka and the registry with credentials over TLS', () => {
  it('with the right credentials, a service works end to end: SCRAM-SHA-512 over TLS, the registry over https with Basic', async () => {
    const { input, out, start } = await echoService('scram', kafkaAs(users.scram512))
    const svc = await start()
    let stopped = false
    svc.kit.lifecycle.onStop('watch', async () => { stopped = true })
    try {
      const kafka = createKafka({ brokers: [broker], clientId: 'test', logger: quiet, security: kafkaAs(users.scram512) })
      const reg = createRegistry(registry.url, registryAs())
      const serde = await createSerde<{ clarityOrderId: number }>(reg, subjectOf(input), readSchema(input))
      const producer = await kafka.producer()
      await producer.send([1, 2, 3].map((id) => ({
        topic: input.name, key: String(id), value: serde.encode(status(id))
      })))
      await producer.send([{ topic: input.name, key: 'x', value: Buffer.from('not avro') }])
      await producer.disconnect()
      const outs = await readRecords(kafka, out.name, 3)
      const ids = await Promise.all(outs.map(async (r) => (await serde.decode(r.value!)).clarityOrderId))
      expect(ids).toEqual([1, 2, 3])
      expect((await readRecords(kafka, `${input.name}.dlq`, 1))[0]!.key?.toString()).toBe('x')
      // The schema ids are checked with the registry every 200 ms, each fetched through the https front.
      const before = svc.kit.registry.requests()
      await waitFor('two rounds of schema checks', () => svc.kit.registry.requests() >= before + 4)
      expect(stopped).toBe(false)
    } finally {
      await svc.stop()
    }
  })

  it.each([['PLAIN', users.plain], ['SCRAM-SHA-256', users.scram256]] as const)('%s logs in too', async (_, user) => {
    const topic = testTopic(unique('mech'), 'orders.status')
    await admin.createTopics(desiredTopics([topic]))
    const kafka = createKafka({ brokers: [broker], clientId: 'test', logger: quiet, security: kafkaAs(user) })
    const producer = await kafka.producer()
    await producer.send([{ topic: topic.name, key: 'k', value: Buffer.from('v') }])
    await producer.disconnect()
    expect((await readRecords(kafka, topic.name, 1))[0]!.value?.toString()).toBe('v')
  })

  it.each([['SCRAM-SHA-512', users.scram512], ['PLAIN', users.plain]] as const)(
    'with a wrong %s password, the service is refused and told to check KAFKA_SASL_PASSWORD', async (_, user) => {
      const { start } = await echoService('wrong-pw', kafkaAs({ ...user, password: `${user.password}-wrong` }))
      const err = await refusal(start)
      expect(err.code).toBe('KAFKA_AUTH_FAILED')
      expect(err.kind).toBe('fatal')
      expect(err.message).toContain(`SASL ${user.mechanism} login`)
      expect(err.message).toContain('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD')
    })

  it('with a CA that did not sign the broker\'s certificate, it is refused at once and told to check KAFKA_SSL_CA_FILE', async () => {
    const { start } = await echoService('wrong-ca', kafkaAs(users.scram512, { KAFKA_SSL_CA_FILE: pem(pki.otherCaFile) }))
    const t = Date.now()
    const err = await refusal(start)
    expect(err.code).toBe('KAFKA_AUTH_FAILED')
    expect(err.message).toMatch(new RegExp(`certificate of broker ${broker} is not signed by a CA in KAFKA_SSL_CA_FILE`))
    // Not after kafkajs' retries (about 20 s): no retry cures a certificate.
    expect(Date.now() - t).toBeLessThan(5000)
  })

  it('with PLAINTEXT against the TLS listener, it says to set KAFKA_SECURITY_PROTOCOL', async () => {
    const kafka = createKafka({ brokers: [broker], clientId: 'test', logger: quiet, security: { KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' } })
    const err = await refusal(() => kafka.producer().then((p) => ({ stop: () => p.disconnect() })))
    expect(err.message).toContain('answers only in TLS: set KAFKA_SECURITY_PROTOCOL to SSL or SASL_SSL')
  })

  it('by client certificate (mTLS): with one the broker trusts it connects; without, it is told to set KAFKA_SSL_CERT_FILE', async () => {
    const topic = testTopic(unique('mtls'), 'orders.status')
    await admin.createTopics(desiredTopics([topic]))
    const tls = { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: pem(pki.caFile) } as const
    const mtls = `127.0.0.1:${MTLS_PORT}`
    // The certificate's CN is the admin user's name: the same principal, as the broker maps it.
    const kafka = createKafka({
      brokers: [mtls], clientId: 'test', logger: quiet,
      security: { ...tls, KAFKA_SSL_CERT_FILE: pem(pki.clientCertFile), KAFKA_SSL_KEY_FILE: pem(pki.clientKeyFile) }
    })
    const producer = await kafka.producer()
    await producer.send([{ topic: topic.name, key: 'k', value: Buffer.from('by certificate') }])
    await producer.disconnect()
    expect((await readRecords(kafka, topic.name, 1))[0]!.value?.toString()).toBe('by certificate')

    const without = createKafka({ brokers: [mtls], clientId: 'test', logger: quiet, security: tls })
    const err = await refusal(() => without.producer().then((p) => ({ stop: () => p.disconnect() })))
    expect(err.code).toBe('KAFKA_AUTH_FAILED')
    expect(err.message).toContain('requires a client certificate: set KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE')
  })

  it('with a wrong registry password, no registry credentials, or a wrong registry CA, the service is told which setting', async () => {
    const wrongPassword = await refusal((await echoService('reg-pw', kafkaAs(users.scram512), registryAs({ SCHEMA_REGISTRY_PASSWORD: 'wrong-one' }))).start)
    expect(wrongPassword.code).toBe('REGISTRY_AUTH_FAILED')
    expect(wrongPassword.message).toContain('refused our credentials: check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (401)')
    expect(wrongPassword.message).not.toContain('wrong-one')

    const anonymous = await refusal((await echoService('reg-none', kafkaAs(users.scram512), { SCHEMA_REGISTRY_CA_FILE: pem(pki.caFile) })).start)
    expect(anonymous.message).toContain('asks for credentials: set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD')

    const wrongCa = await refusal((await echoService('reg-ca', kafkaAs(users.scram512), registryAs({ SCHEMA_REGISTRY_CA_FILE: pem(pki.otherCaFile) }))).start)
    expect(wrongCa.code).toBe('REGISTRY_AUTH_FAILED')
    expect(wrongCa.message).toContain('its certificate is not signed by a CA in SCHEMA_REGISTRY_CA_FILE')
  })
})

describe('the bridge command against the secured broker and registry', () => {
  // Not spawnSync: the registry's https front answers from this process's event loop.
  type Run = { status: number | null, stdout: string, stderr: string }
  const bridge = (env: Record<string, string>) => new Promise<Run>((resolve) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin/bridge.js'), 'topology', 'apply'], {
      env: {
        ...process.env, BRIDGE_TOPIC_PREFIX: `cli${RUN}.`, KAFKA_BROKERS: broker, SCHEMA_REGISTRY_URL: registry.url,
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: users.admin.name,
        KAFKA_SSL_CA_FILE: pki.caFile, SCHEMA_REGISTRY_USERNAME: registryUser.username,
        SCHEMA_REGISTRY_PASSWORD: registryUser.password, SCHEMA_REGISTRY_CA_FILE: pki.caFile, ...env
      }
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })

  it('`bridge topology apply` creates the topics and registers the schemas; with a wrong password it names the setting', async () => {
    const secret = join(dir, 'sasl-password')
    writeFileSync(secret, `${users.admin.password}\n`)
    const ok = await bridge({ KAFKA_SASL_PASSWORD_FILE: secret })
    expect(ok.stderr).toBe('')
    expect(ok.stdout).toContain(`created topic cli${RUN}.orders.raw (6 partitions, delete)`)
    expect(ok.stdout).toContain(`registered cli${RUN}.orders.raw-value`)
    expect(ok.status).toBe(0)

    const wrong = await bridge({ KAFKA_SASL_PASSWORD: 'not-the-password' })
    expect(wrong.status).toBe(1)
    expect(wrong.stderr).toContain('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD')
    expect(wrong.stderr).not.toContain('not-the-password')
  })
})

describe('the ACLs `bridge topology acls` prints, enforced by the broker', () => {
  const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs
  const asKafkajs = (acls: Acl[]) => acls.flatMap((a) => a.operations.map((op) => ({
    principal: a.principal, host: '*', permissionType: AclPermissionTypes.ALLOW,
    operation: {
      Read: AclOperationTypes.READ, Write: AclOperationTypes.WRITE,
      Describe: AclOperationTypes.DESCRIBE, IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE
    }[op],
    resourceType: {
      topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP, cluster: AclResourceTypes.CLUSTER
    }[a.resource.type],
    resourceName: a.resource.name,
    resourcePatternType: a.resource.pattern === 'prefixed' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL
  })))
  // Through lib/config.ts as a deployment's environment gives it (the CA as a file path).
  const mapperConfig = (prefix: string, u: User) => loadConfig(mapperSpec, {
    KAFKA_BROKERS: broker, SCHEMA_REGISTRY_URL: inject('registryUrl'), LOG_LEVEL: 'silent', HTTP_PORT: '0',
    MAPPER_WORKERS: '0', BRIDGE_TOPIC_PREFIX: prefix,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: u.name,
    KAFKA_SASL_PASSWORD: u.password, KAFKA_SSL_CA_FILE: pki.caFile
  })

  it('the order mapper with exactly its ACLs starts, maps and dead-letters; without them it is refused and told what to grant', async () => {
    for (const t of [granted, bare]) {
      await admin.createTopics(desiredTopics([t.topics.ordersRaw, t.topics.ordersMapped]))
    }
    const kafkajsAdmin = new kafkajs.Kafka({
      brokers: [broker], ssl: { ca: pem(pki.caFile) }, logLevel: kafkajs.logLevel.NOTHING,
      sasl: { mechanism: 'scram-sha-512', username: users.admin.name, password: users.admin.password }
    }).admin()
    await kafkajsAdmin.connect()
    await kafkajsAdmin.createAcls({ acl: asKafkajs(serviceAcls(granted.services.orderMapper)) })
    await kafkajsAdmin.disconnect()

    const svc = await startOrderMapper(mapperConfig(GRANTED, users.mapper), (() => undefined) as never)
    let stopped = false
    svc.kit.lifecycle.onStop('watch', async () => { stopped = true })
    try {
      const raw = granted.topics.ordersRaw
      const fixture = JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/orders.raw/eur-coupon.json'), 'utf8')) as object
      const serde = await createSerde<object>(createRegistry(inject('registryUrl')), subjectOf(raw), readSchema(raw))
      const kafka = createKafka({ brokers: [broker], clientId: 'test', logger: quiet, security: kafkaAs(users.admin) })
      const producer = await kafka.producer()
      await producer.send([{ topic: raw.name, key: '100045', value: serde.encode(fixture) }, { topic: raw.name, key: 'bad', value: Buffer.from('x') }])
      await producer.disconnect()
      expect((await readRecords(kafka, granted.topics.ordersMapped.name, 1))[0]!.key?.toString()).toBe('100045')
      expect((await readRecords(kafka, `${raw.name}.dlq`, 1))[0]!.key?.toString()).toBe('bad')
      expect(stopped).toBe(false)
    } finally {
      await svc.stop()
    }

    const err = await refusal(() => startOrderMapper(mapperConfig(BARE, users.bare), (() => undefined) as never))
    expect(err.code).toBe('KAFKA_NOT_AUTHORIZED')
    expect(err.message).toContain('grant it the ACLs `bridge topology acls` prints')
  })
})
