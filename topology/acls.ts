// The ACLs each service needs on a cluster that enforces them, derived from the topology
// and from what the kit does with Kafka: the principal is User:<service name> (its SASL
// user, or its certificate's name mapped to that), the topics and groups as prefixed.
import { dlqName, type Service } from './topology.ts'

export type Operation = 'Read' | 'Write' | 'Describe' | 'IdempotentWrite'
const ORDER: Operation[] = ['Read', 'Write', 'Describe', 'IdempotentWrite']

export interface Resource {
  type: 'topic' | 'group' | 'cluster'
  /** `kafka-cluster` for the cluster. */
  name: string
  pattern: 'literal' | 'prefixed'
}

export interface Acl { principal: string, resource: Resource, operations: Operation[] }

/**
 * The throwaway groups lib/cursor.ts reads a topic to its end with (a poller's cursor, a
 * table rebuilt from a compacted topic) are named `reader-<random>`, whatever the service.
 */
export const READER_GROUPS = 'reader-'

/** Everything `service` does with Kafka, allowed, and nothing more. */
export function serviceAcls (service: Service): Acl[] {
  const principal = `User:${service.name}`
  const acls = new Map<string, Acl>()
  const allow = (resource: Resource, operations: Operation[]): void => {
    const key = `${resource.type}:${resource.pattern}:${resource.name}`
    const acl = acls.get(key) ?? { principal, resource, operations: [] }
    for (const op of operations) if (!acl.operations.includes(op)) acl.operations.push(op)
    acls.set(key, acl)
  }
  const topic = (name: string): Resource => ({ type: 'topic', name, pattern: 'literal' })
  // Describe: the start checks its topics exist, and metadata and offsets need it.
  for (const t of service.consumes) allow(topic(t.name), ['Read', 'Describe'])
  for (const t of service.produces) allow(topic(t.name), ['Write', 'Describe'])
  // The consumer loop dead-letters what it cannot process to the topic's .dlq.
  for (const t of service.consumes) if (t.deadLetters) allow(topic(dlqName(t)), ['Write', 'Describe'])
  // Its group is its name; the throwaway groups a service names itself (`<name>-…`) share the prefix.
  allow({ type: 'group', name: service.name, pattern: 'prefixed' }, ['Read'])
  if (service.consumes.length > 0) allow({ type: 'group', name: READER_GROUPS, pattern: 'prefixed' }, ['Read'])
  // Every service starts an idempotent producer (dead letters at least).
  allow({ type: 'cluster', name: 'kafka-cluster', pattern: 'literal' }, ['IdempotentWrite'])
  return [...acls.values()].map((a) => ({ ...a, operations: ORDER.filter((op) => a.operations.includes(op)) }))
}

/** One `kafka-acls.sh --add` line for `acl`, as Kafka's own tool takes it. */
export function aclCommand (acl: Acl, o: { bootstrap: string, commandConfig?: string }): string {
  const config = o.commandConfig === undefined ? [] : ['--command-config', quoted(o.commandConfig)]
  const { type, name } = acl.resource
  const resource = type === 'cluster' ? ['--cluster'] : [`--${type}`, quoted(name)]
  const pattern = acl.resource.pattern === 'prefixed' ? ['--resource-pattern-type', 'prefixed'] : []
  return [
    'kafka-acls.sh', '--bootstrap-server', quoted(o.bootstrap), ...config, '--add',
    '--allow-principal', quoted(acl.principal), ...acl.operations.flatMap((op) => ['--operation', op]),
    ...resource, ...pattern
  ].join(' ')
}

/** The commands for `services`: per service a comment saying what it reads and writes, then its lines. */
export function aclScript (services: Service[], o: { bootstrap: string, commandConfig?: string }): string[] {
  return services.flatMap((s) => [
    `# ${s.name}: reads ${names(s.consumes)}; writes ${names(s.produces)}`,
    ...serviceAcls(s).map((acl) => aclCommand(acl, o))
  ])
}

const names = (topics: Array<{ name: string }>): string =>
  topics.length === 0 ? 'nothing (dead letters only)' : topics.map((t) => t.name).join(', ')

// Names in the topology are shell-safe; a bootstrap list or a file name may not be.
const quoted = (s: string): string => /^[\w.,:/@=+-]+$/.test(s) ? s : `'${s.replace(/'/g, '\'\\\'\'')}'`
