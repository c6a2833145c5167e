// A topic's serde from the topology: its schema file, registered under its subject.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { subjectOf, type Topic } from '../topology/topology.ts'
import { withoutFields } from './avro.ts'
import { projectRoot } from './paths.ts'
import { createSerde, type Registry, type Serde } from './registry.ts'

/** A topic's serde; with `unread`, it decodes without those fields (see withoutFields). */
export type TopicSerdes = <T>(topic: Topic, unread?: Record<string, string[]>) => Promise<Serde<T>>

/** The schemas this version of the bridge writes with. */
export const SCHEMA_DIR = join(projectRoot, 'schemas')

export function readSchema (topic: Topic, dir = SCHEMA_DIR): object {
  return JSON.parse(readFileSync(join(dir, `${topic.schema}.avsc`), 'utf8')) as object
}

/** One serde per topic (and view), made on first use; `dir` holds the schema files. */
export function topicSerdes (registry: Registry, dir = SCHEMA_DIR): TopicSerdes {
  const serdes = new Map<string, Promise<Serde<unknown>>>()
  return <T>(topic: Topic, unread?: Record<string, string[]>) => {
    const key = unread === undefined ? topic.name : `${topic.name} ${JSON.stringify(unread)}`
    let s = serdes.get(key)
    if (s === undefined) {
      const schema = readSchema(topic, dir)
      const readAs = unread === undefined ? undefined : withoutFields(schema, unread)
      s = createSerde<unknown>(registry, subjectOf(topic), schema, readAs)
      serdes.set(key, s)
    }
    return s as Promise<Serde<T>>
  }
}
