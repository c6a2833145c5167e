import type { Topic } from '../../topology/topology.ts'

export const testTopic = (name: string, schema: string, partitions = 1): Topic =>
  ({ name, doc: 'test', partitions, key: 'test', schema, cleanup: 'delete', deadLetters: true })
