// A topic's serde from the topology: its schema file, registered under its subject.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../infra/embedded.ts'
import { subjectOf, type Topic } from '../topology/topology.ts'
import { createSerde, type Registry, type Serde } from './registry.ts'

export type TopicSerdes = <T>(topic: Topic) => Promise<Serde<T>>

export function readSchema (topic: Topic): object {
  return JSON.parse(readFileSync(join(projectRoot, 'schemas', `${topic.schema}.avsc`), 'utf8')) as object
}

/** One serde per topic, made on first use. */
export function topicSerdes (registry: Registry): TopicSerdes {
  const serdes = new Map<string, Promise<Serde<unknown>>>()
  return <T>(topic: Topic) => {
    let s = serdes.get(topic.name)
    if (s === undefined) {
      s = createSerde<unknown>(registry, subjectOf(topic), readSchema(topic))
      serdes.set(topic.name, s)
    }
    return s as Promise<Serde<T>>
  }
}
