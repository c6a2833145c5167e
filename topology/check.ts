// Invariants of the topology. Pure: the caller prints the problems and sets the exit code.
import { existsSync, readFileSync } from 'node:fs'
import { parseSchema } from '../lib/avro.ts'
import type { Service, Topic } from './topology.ts'

const topicName = /^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-z0-9]*(-[a-z0-9]+)*)+$/
const serviceName = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/

export function checkTopology (topics: Topic[], services: Service[], schemaDir: string): string[] {
  const problems: string[] = []
  const names = new Set<string>()
  for (const t of topics) {
    if (names.has(t.name)) problems.push(`topic ${t.name} is declared twice`)
    names.add(t.name)
    if (!topicName.test(t.name)) {
      problems.push(`topic ${t.name}: names are lower-case words joined by dots, like orders.raw`)
    }
    if (t.name.endsWith('.dlq')) {
      problems.push(`topic ${t.name}: dead-letter topics are derived (deadLetters: true), not declared`)
    }
    if (!Number.isInteger(t.partitions) || t.partitions < 1) {
      problems.push(`topic ${t.name}: partitions must be a whole number >= 1`)
    }
    const file = `${schemaDir}/${t.schema}.avsc`
    if (!existsSync(file)) {
      problems.push(`topic ${t.name}: schema file schemas/${t.schema}.avsc does not exist`)
    } else {
      try {
        parseSchema(readFileSync(file, 'utf8'))
      } catch (err) {
        problems.push(`topic ${t.name}: schemas/${t.schema}.avsc does not parse: ${(err as Error).message}`)
      }
    }
  }
  const produced = new Set(services.flatMap((s) => s.produces.map((t) => t.name)))
  const consumed = new Set(services.flatMap((s) => s.consumes.map((t) => t.name)))
  const seen = new Set<string>()
  for (const s of services) {
    if (seen.has(s.name)) problems.push(`service ${s.name} is declared twice`)
    seen.add(s.name)
    if (!serviceName.test(s.name)) {
      problems.push(`service ${s.name}: names are lower-case words joined by dashes, like order-mapper`)
    }
    for (const t of [...s.consumes, ...s.produces]) {
      if (!names.has(t.name)) problems.push(`service ${s.name} uses topic ${t.name}, which is not declared`)
    }
  }
  for (const t of topics) {
    if (consumed.has(t.name) && !produced.has(t.name) && t.ingress !== true) {
      problems.push(
        `topic ${t.name} is consumed but nothing produces it (mark it ingress if it is written from outside)`
      )
    }
    if (!consumed.has(t.name) && !produced.has(t.name)) {
      problems.push(`topic ${t.name} is neither produced nor consumed`)
    }
  }
  return problems
}
