// Avro values in the Confluent wire format (magic 0, 4-byte schema id, Avro body)
// over a Confluent-compatible registry. Writer ids per subject and resolvers per
// (writer id, reader schema) are cached, so steady-state traffic makes no registry call.
import registryPkg from '@kafkajs/confluent-schema-registry'
import { parseSchema, type AvroType } from './avro.ts'
import { bridgeError, BridgeError, fatal } from './errors.ts'
import { registryAccess, type RegistrySecurityConfig } from './registry-security.ts'

export type { RegistrySecurityConfig } from './registry-security.ts'

const { SchemaRegistry, SchemaType, COMPATIBILITY } =
  registryPkg as unknown as typeof import('@kafkajs/confluent-schema-registry')

export interface Registry {
  /** Register `schema` under `subject` (BACKWARD compatible); answers its id. */
  register: (subject: string, schema: object) => Promise<number>
  /** The id of `schema` under `subject` if it is registered there already. */
  lookup: (subject: string, schema: object) => Promise<number | undefined>
  /** Writer schema text for an id, as the registry holds it (logical types intact). */
  schemaOf: (id: number) => Promise<string>
  /**
   * Asks the registry afresh for every id this client registered: throws fatal
   * SCHEMA_ID_LOST when one is gone or now names another schema (a registry reset or
   * restored under the bridge), since records written with it could not be read.
   */
  checkWriters: () => Promise<void>
  /** How many HTTP calls to the registry this process made: a steady-state check. */
  requests: () => number
}

export interface Serde<T> {
  encode: (value: T) => Buffer
  decode: (buf: Buffer) => Promise<T>
}

/** Two schema texts that read and write the same bytes the same way (docs aside). */
export function sameSchema (a: string | object, b: string | object): boolean {
  const form = (s: string | object): string => JSON.stringify(parseSchema(s).schema({ exportAttrs: true }))
  return form(a) === form(b)
}

/** Throws ConfigError when `security` contradicts itself. A service passes its config as `security`. */
export function createRegistry (url: string, security: RegistrySecurityConfig = {}): Registry {
  const access = registryAccess(url, security)
  const { refusal, shown, unavailable } = access
  const client = new SchemaRegistry({
    host: url, auth: access.auth, agent: access.agent, retry: { retries: 3, initialRetryTimeInSecs: 0.2 }
  })
  let calls = 0
  const ids = new Map<string, number>()
  const registered = new Map<number, { subject: string, schema: object }>()
  const schemas = new Map<number, string>()
  const diagnose = (): Promise<BridgeError | undefined> => { calls++; return access.diagnose() }
  const wrap = async <R>(fn: () => Promise<R>): Promise<R> => {
    calls++
    try {
      return await fn()
    } catch (err) {
      const { status, name } = err as { status?: number, name?: string }
      const refused = refusal(status)
      if (refused !== undefined) throw refused
      if (status !== undefined && status >= 500) throw unavailable(err)
      // No status and not the client's own error class: the registry did not answer at all.
      const unanswered = status === undefined && name?.startsWith('ConfluentSchemaRegistry') !== true
      if (unanswered || status === 400) throw (await diagnose()) ?? (unanswered ? unavailable(err) : err)
      throw err
    }
  }
  // The schema's own text over the Confluent API: the client answers a parsed type whose
  // export has lost the logical types, and a decimal reader cannot resolve plain bytes.
  async function fetchText (id: number): Promise<string | undefined> {
    calls++
    let a
    try {
      a = await access.get(`/schemas/ids/${id}`, { accept: 'application/vnd.schemaregistry.v1+json' })
    } catch (err) {
      const refused = refusal(undefined, err)
      if (refused !== undefined) throw refused
      if (err instanceof BridgeError && err.kind === 'retriable') throw unavailable(err)
      throw err
    }
    const refused = refusal(a.status)
    if (refused !== undefined) throw refused
    if (a.status === 404) return undefined
    const text = (a.body as { schema?: unknown } | undefined)?.schema
    if (a.status !== 200 || typeof text !== 'string') {
      throw fatal('CONTRACT_MISMATCH', `schema registry at ${shown} answered ${a.status} for schema id ${id}`)
    }
    return text
  }

  return {
    async register (subject, schema) {
      const key = `${subject}\0${JSON.stringify(schema)}`
      const cached = ids.get(key)
      if (cached !== undefined) return cached
      const attempt = (): Promise<{ id: number }> => wrap(() => client.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
        { subject, compatibility: COMPATIBILITY.BACKWARD }
      ))
      // Several instances (or worker threads) registering a new subject at once race on
      // setting its compatibility; whoever loses finds it set on the second try.
      const { id } = await attempt().catch(async (err: unknown) => {
        const e = err as { status?: number, message?: string }
        if (e.status === 409 || /already exists/i.test(e.message ?? '')) return await attempt()
        throw err
      })
      ids.set(key, id)
      registered.set(id, { subject, schema })
      return id
    },
    async lookup (subject, schema) {
      try {
        return await wrap(() => client.getRegistryIdBySchema(subject, {
          type: SchemaType.AVRO, schema: JSON.stringify(schema)
        }))
      } catch (err) {
        // The client turns the registry's 404 into its own error class, without the status.
        if ((err as { status?: number }).status === 404 || (err as Error).name === 'ConfluentSchemaRegistryError') {
          return undefined
        }
        throw err
      }
    },
    async schemaOf (id) {
      const cached = schemas.get(id)
      if (cached !== undefined) return cached
      const text = await fetchText(id)
      if (text === undefined) throw bridgeError('UNKNOWN_SCHEMA_ID', `schema id ${id} is not in the registry`)
      schemas.set(id, text)
      return text
    },
    async checkWriters () {
      for (const [id, { subject, schema }] of registered) {
        const text = await fetchText(id)
        const why = text === undefined
          ? 'is no longer in the registry'
          : sameSchema(text, schema) ? undefined : 'now names a different schema'
        if (why === undefined) continue
        throw fatal('SCHEMA_ID_LOST', `${subject}: schema id ${id}, which this service writes with, ${why} ` +
          '(was the registry reset or restored?); records written now could not be read. ' +
          'Restart the service once the registry holds its schemas again')
      }
    },
    requests: () => calls
  }
}

/**
 * A serde for one subject. Values are written with `schema` (registered at creation)
 * and read into `schema` from whatever compatible writer schema produced them, or into
 * `readAs` when given: a narrower view of `schema` (see withoutFields) for a reader that
 * uses only some fields.
 */
export async function createSerde<T> (
  registry: Registry, subject: string, schema: object, readAs?: object
): Promise<Serde<T>> {
  const writer = parseSchema(schema)
  const reader = readAs === undefined ? writer : parseSchema(readAs)
  const writerId = await registry.register(subject, schema)
  const header = Buffer.alloc(5)
  header.writeUInt32BE(writerId, 1)
  const resolvers = new Map<number, AvroType | ReturnType<AvroType['createResolver']>>()
  resolvers.set(writerId, reader === writer ? reader : reader.createResolver(writer))

  async function resolverFor (id: number): Promise<AvroType | ReturnType<AvroType['createResolver']>> {
    const cached = resolvers.get(id)
    if (cached !== undefined) return cached
    const other = parseSchema(await registry.schemaOf(id))
    let resolver
    try {
      resolver = reader.createResolver(other)
    } catch (err) {
      const why = (err as Error).message
      throw bridgeError('INCOMPATIBLE_SCHEMA', `writer schema ${id} cannot be read as ${subject}: ${why}`, {
        cause: err
      })
    }
    resolvers.set(id, resolver)
    return resolver
  }

  // Values are written after the header in one reused buffer and copied out once
  // (avsc's toBuffer allocates a zero-filled copy, then a header joined in front is another).
  let scratch = Buffer.allocUnsafe(16 * 1024)
  header.copy(scratch)
  return {
    encode (value) {
      try {
        let end = writer.encode(value, scratch, 5)
        if (end < 0) {
          scratch = Buffer.allocUnsafe(2 * (scratch.length - end))
          header.copy(scratch)
          end = writer.encode(value, scratch, 5)
        }
        const out = Buffer.allocUnsafe(end)
        scratch.copy(out, 0, 0, end)
        return out
      } catch (err) {
        const paths: string[] = []
        writer.isValid(value, { errorHook: (p) => paths.push(p.join('.') || '(root)') })
        const where = paths.join(', ') || (err as Error).message
        throw bridgeError('ENCODE_FAILED', `${subject}: invalid value at ${where}`, { cause: err })
      }
    },
    async decode (buf) {
      if (buf.length < 5 || buf[0] !== 0) {
        throw bridgeError('DECODE_FAILED', `${subject}: not in the Confluent wire format (no magic byte)`)
      }
      const resolver = await resolverFor(buf.readUInt32BE(1))
      try {
        const { value, offset } = reader.decode(
          buf, 5, resolver === reader ? undefined : resolver as ReturnType<AvroType['createResolver']>
        )
        if (offset < 0) throw new Error('truncated buffer')
        if (offset < buf.length) throw new Error('trailing data')
        return value as T
      } catch (err) {
        throw bridgeError('DECODE_FAILED', `${subject}: ${(err as Error).message}`, { cause: err })
      }
    }
  }
}
