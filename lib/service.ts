// Wiring shared by every consuming service: one logger, one producer, one consumer
// group named after the service, serdes from the topology, the one consumer loop,
// /healthz /readyz /metrics, and an orderly stop.
import type { FastifyInstance } from 'fastify'
import { createKafka, type KafkaClient, type KafkaSecurityConfig, type Producer } from './kafka.ts'
import { createLogger, type Logger } from './logger.ts'
import { createRegistry, type Registry, type RegistrySecurityConfig, type Serde } from './registry.ts'
import { topicSerdes } from './serdes.ts'
import { buildHandler, handlerInWorkers, WORKER_CHUNK } from './workers.ts'
import { createMetrics, type Metrics } from './metrics.ts'
import { buildOpsServer, type Probe } from './http.ts'
import { byKey, runLoop, type BatchHandler, type Handler } from './consumer-loop.ts'
import { createLifecycle, type Lifecycle } from './lifecycle.ts'
import { classify, fatal, type BridgeError } from './errors.ts'
import type { Service, Topic } from '../topology/topology.ts'

/** What lib/config.ts `common` gives every service; the security settings are optional here (PLAINTEXT). */
export interface KitConfig extends KafkaSecurityConfig, RegistrySecurityConfig {
  KAFKA_BROKERS: string[]
  SCHEMA_REGISTRY_URL: string
  LOG_LEVEL: string
  /** How long a silent member keeps its partitions; bounds failover after a crash. */
  KAFKA_SESSION_TIMEOUT_MS?: number
  /** How long a small send waits for company before its produce request goes out. */
  KAFKA_LINGER_MS?: number
  /** 0 picks a free port; undefined serves no HTTP. */
  HTTP_PORT?: number
  /** How often the registry is asked whether the schema ids this service writes with still stand. */
  REGISTRY_CHECK_MS?: number
  /** Where the schema files are; by default the ones this version ships (tests run other versions). */
  SCHEMA_DIR?: string
}

/** Where the service's HTTP server listens, and what its admin routes ask for (serviceSpec in lib/config.ts). */
export interface HttpConfig {
  /** Default 127.0.0.1: only this machine. */
  HTTP_HOST?: string
  /** The token the admin routes require (lib/http.ts adminOnly); unset, they refuse every request. */
  ADMIN_TOKEN?: string
}

export interface Kit {
  logger: Logger
  kafka: KafkaClient
  registry: Registry
  producer: Producer
  metrics: Metrics
  lifecycle: Lifecycle
  serde: <T>(topic: Topic) => Promise<Serde<T>>
}

interface CommonOptions {
  service: Service
  config: KitConfig & HttpConfig
  /** Topics read through the consumer loop; default: everything the service consumes. */
  inputs?: Topic[]
  /**
   * Where a group with no committed offset starts. Default: the beginning, so a new
   * deployment, or a service whose offsets expired, loses nothing that is retained.
   */
  fromBeginning?: boolean
  concurrency?: number
  backoff?: { initialMs: number, maxMs: number }
  /** Tests pass their own; a process uses process.exit. */
  exit?: (code: number) => never
  /** Extra routes on the service's HTTP server (webhooks, query APIs). */
  routes?: (app: FastifyInstance, kit: Kit) => void
}

/** One record at a time, built once the kit is connected. */
interface OneByOne {
  handler: (kit: Kit) => Promise<Handler>
  /**
   * How many keys of a partition may be in the handler at once (default 1). For sinks
   * bound by an external system's round trips; one key's records stay in order.
   */
  keyConcurrency?: number
  workerHandler?: never
  batchHandler?: never
  batchSize?: never
}

/**
 * A pure, CPU-bound handler: the `exportName` (a HandlerFactory) of `module`, built from
 * the config, on `workers` worker threads (0: this thread).
 */
interface OnWorkers {
  workerHandler: { module: string, exportName: string, workers: number }
  handler?: never
  keyConcurrency?: never
  batchHandler?: never
  batchSize?: never
}

/** Records in chunks of up to batchSize, for sinks that write in bulk. */
interface InBatches {
  batchHandler: (kit: Kit) => Promise<BatchHandler>
  batchSize?: number
  handler?: never
  keyConcurrency?: never
  workerHandler?: never
}

/** No consumer loop: a source, or a service with only its own routes. */
interface NoLoop {
  inputs: []
  handler?: never
  keyConcurrency?: never
  workerHandler?: never
  batchHandler?: never
  batchSize?: never
}

/** How the records of the loop's inputs are handled: exactly one way, or none with no inputs. */
export type StartOptions = CommonOptions & (OneByOne | OnWorkers | InBatches | NoLoop)

export interface Running {
  kit: Kit
  app: FastifyInstance | undefined
  port: number | undefined
  stop: () => Promise<void>
}

export async function startService (o: StartOptions): Promise<Running> {
  const name = o.service.name
  const logger = createLogger(name, o.config.LOG_LEVEL)
  const exit = o.exit ?? ((code: number) => process.exit(code))
  const lifecycle = createLifecycle(logger, exit, o.exit === undefined)
  const metrics = createMetrics(name)
  const kafka = createKafka({
    brokers: o.config.KAFKA_BROKERS,
    clientId: name,
    logger,
    sessionTimeoutMs: o.config.KAFKA_SESSION_TIMEOUT_MS,
    lingerMs: o.config.KAFKA_LINGER_MS,
    security: o.config
  })
  const registry = createRegistry(o.config.SCHEMA_REGISTRY_URL, o.config)
  const producer = await kafka.producer()
  lifecycle.onStop('producer', () => producer.disconnect())
  const kit: Kit = {
    logger, kafka, registry, producer, metrics, lifecycle, serde: topicSerdes(registry, o.config.SCHEMA_DIR)
  }
  watchWriterIds(kit, o.config.REGISTRY_CHECK_MS ?? 30000)

  const ready: Probe[] = [{ name: 'producer', ok: () => true }]
  const loopInputs = o.inputs ?? o.service.consumes
  // A topic that does not exist is a deployment step not taken, not a bug: say which.
  const needed = [...new Set([...loopInputs, ...o.service.produces].map((t) => t.name))]
  const admin = await kafka.admin()
  const existing = new Set(await admin.listTopics())
  await admin.disconnect()
  const missing = needed.filter((t) => !existing.has(t))
  if (missing.length > 0) {
    await producer.disconnect()
    throw fatal('CONTRACT_MISMATCH', `${name}: topic(s) ${missing.join(', ')} do not exist; ` +
      'run `npx bridge topology apply` (with the same BRIDGE_TOPIC_PREFIX) first')
  }
  if (loopInputs.length > 0) {
    const { handle, handleBatch, batchSize } = await handlersOf(o, kit)
    const c = await kafka.consumer(name)
    ready.push({ name: 'consumer', ok: () => c.joined() })
    c.onCrash((err) => { void lifecycle.stop(1, `consumer crashed: ${err.message}`) })
    lifecycle.onStop('consumer', () => c.disconnect())
    const onFatal = (err: BridgeError): void => { void lifecycle.stop(1, `${err.code}: ${err.message}`) }
    void runLoop({
      service: name, consumer: c, producer, topics: loopInputs.map((t) => t.name),
      handle, handleBatch, batchSize, logger, metrics, onFatal,
      fromBeginning: o.fromBeginning ?? true, backoff: o.backoff,
      // Every partition in parallel: order holds within a partition, which is what keys need.
      concurrency: o.concurrency ?? Math.max(1, ...loopInputs.map((t) => t.partitions))
    }).catch((err: unknown) => onFatal(fatal('BUG', `consumer loop: ${(err as Error).message}`, err)))
  }

  let app: FastifyInstance | undefined
  let port: number | undefined
  if (o.config.HTTP_PORT !== undefined) {
    app = buildOpsServer({ metrics, ready })
    o.routes?.(app, kit)
    await app.listen({ host: o.config.HTTP_HOST ?? '127.0.0.1', port: o.config.HTTP_PORT })
    const addr = app.server.address()
    port = typeof addr === 'object' && addr !== null ? addr.port : undefined
    const server = app
    lifecycle.onStop('http', () => server.close())
  }
  logger.info({ consumes: loopInputs.map((t) => t.name), port }, 'started')
  return { kit, app, port, stop: async () => { await lifecycle.stop(0, 'stop requested').catch(() => {}) } }
}

/** The loop's handler for the service's way of handling records. */
async function handlersOf (
  o: StartOptions, kit: Kit
): Promise<{ handle?: Handler, handleBatch?: BatchHandler, batchSize?: number }> {
  if (o.handler !== undefined) {
    const handle = await o.handler(kit)
    const keys = o.keyConcurrency ?? 1
    // Enough records per chunk to keep every slot busy, few enough to commit often.
    return keys > 1 ? { handleBatch: byKey(handle, keys), batchSize: keys * 4 } : { handle }
  }
  if (o.batchHandler !== undefined) return { handleBatch: await o.batchHandler(kit), batchSize: o.batchSize }
  const wh = o.workerHandler
  if (wh === undefined) return {}
  if (!(wh.workers > 0)) {
    return { handle: await buildHandler(wh.module, wh.exportName, { config: o.config, serde: kit.serde }) }
  }
  const pool = await handlerInWorkers({
    module: wh.module, exportName: wh.exportName, config: o.config, count: wh.workers, serde: kit.serde
  })
  // Stopped after the consumer (steps run in reverse): no chunk is left without its worker.
  kit.lifecycle.onStop('workers', pool.close)
  return { handleBatch: pool.handleBatch, batchSize: WORKER_CHUNK }
}

/**
 * A registry reset or restored under a running service would leave it writing with ids
 * that are gone or name other schemas; such records could never be read. A registry
 * that does not answer is an outage like any other: the check waits for the next round.
 */
function watchWriterIds (kit: Kit, everyMs: number): void {
  if (!(everyMs > 0)) return
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    kit.registry.checkWriters().catch((raw: unknown) => {
      const err = classify(raw)
      if (err.kind === 'fatal') { void kit.lifecycle.stop(1, `${err.code}: ${err.message}`); return }
      kit.logger.warn(
        { code: err.code, reason: err.message },
        'could not check the schema ids with the registry; trying again later'
      )
    }).finally(() => { running = false })
  }, everyMs)
  timer.unref()
  kit.lifecycle.onStop('registry check', async () => { clearInterval(timer) })
}

/** A service's main: a configuration or mapping mistake is one clear message and exit code 1. */
export async function runMain (start: () => Promise<unknown>): Promise<void> {
  try {
    await start()
  } catch (err) {
    const e = err as Error & { problems?: string[] }
    process.stderr.write(`${e.message}\n`)
    process.exit(1)
  }
}
