// Moves a consumer group's committed offsets so its service re-reads from there.
// Kafka only lets an idle group's offsets be set, so an active group is refused
// with a message that says what to do.
import type { Admin, Offsets, Watermarks } from '../lib/kafka.ts'

export type ReplayTarget =
  | { kind: 'earliest' }
  | { kind: 'offsets', offsets: Offsets[] }
  | { kind: 'time', timeMs: number }

export function parseTarget (
  args: { 'to-earliest'?: boolean, 'to-offset'?: string, 'to-time'?: string }
): ReplayTarget {
  const given = [args['to-earliest'] === true, args['to-offset'] !== undefined, args['to-time'] !== undefined]
    .filter(Boolean).length
  if (given !== 1) {
    throw new Error('give exactly one of --to-earliest, --to-offset <partition:offset,…>, --to-time <ISO time>')
  }
  if (args['to-earliest'] === true) return { kind: 'earliest' }
  if (args['to-offset'] !== undefined) {
    const offsets = args['to-offset'].split(',').map((pair) => {
      const m = /^(\d+):(\d+)$/.exec(pair.trim())
      if (m === null) throw new Error(`--to-offset: "${pair}" is not partition:offset`)
      return { partition: Number(m[1]), offset: m[2]! }
    })
    return { kind: 'offsets', offsets }
  }
  const timeMs = Date.parse(args['to-time']!)
  if (Number.isNaN(timeMs)) throw new Error(`--to-time: "${args['to-time']}" is not an ISO-8601 time`)
  return { kind: 'time', timeMs }
}

export async function planReplay (admin: Admin, topic: string, target: ReplayTarget): Promise<Offsets[]> {
  if (!(await admin.listTopics()).includes(topic)) throw new Error(`topic ${topic} does not exist`)
  const marks = await admin.watermarks(topic)
  switch (target.kind) {
    case 'earliest':
      return marks.map((m) => ({ partition: m.partition, offset: m.low }))
    case 'time':
      // No record at or after the time: the group goes to the end and reads only what comes.
      return (await admin.offsetsAtTime(topic, target.timeMs)).map((o) => ({
        partition: o.partition, offset: o.offset === '-1' ? end(marks, o.partition) : o.offset
      }))
    case 'offsets':
      for (const o of target.offsets) {
        if (!marks.some((e) => e.partition === o.partition)) {
          throw new Error(`topic ${topic} has no partition ${o.partition}`)
        }
      }
      return target.offsets
  }
}

const end = (marks: Watermarks[], partition: number): string =>
  marks.find((m) => m.partition === partition)?.high ?? '0'

export async function replay (
  admin: Admin, o: { group: string, topic: string, target: ReplayTarget, dryRun: boolean }
): Promise<{ before: Offsets[], after: Offsets[] }> {
  const g = await admin.describeGroup(o.group)
  if (g.state !== 'Empty' && g.state !== 'Dead') {
    throw new Error(`group ${o.group} is active (${g.state}, ${g.members} member(s)): stop its instances, ` +
      'then replay; Kafka refuses to move an active group')
  }
  const after = await planReplay(admin, o.topic, o.target)
  const before = await admin.groupOffsets(o.group, o.topic)
  if (!o.dryRun) await admin.setGroupOffsets(o.group, o.topic, after)
  return { before, after }
}
