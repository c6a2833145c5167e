// A minimal consuming service for the kit's integration tests: decodes each input,
// runs `effect` (a stand-in for a call to an external system), re-encodes it to `out`.
import type { Handler } from '../../lib/consumer-loop.ts'
import { poison } from '../../lib/errors.ts'
import type { InRecord } from '../../lib/kafka.ts'
import type { Kit } from '../../lib/service.ts'
import type { Topic } from '../../topology/topology.ts'

export function echo (
  input: Topic, out: Topic, effect: (value: Record<string, unknown>, rec: InRecord) => Promise<void> = async () => {}
) {
  return async (kit: Kit): Promise<Handler> => {
    const inSerde = await kit.serde<Record<string, unknown>>(input)
    const outSerde = await kit.serde<Record<string, unknown>>(out)
    return async (rec) => {
      if (rec.value === null) throw poison('INVALID_RECORD', 'a tombstone where a value belongs')
      const value = await inSerde.decode(rec.value)
      await effect(value, rec)
      return [{ topic: out.name, key: rec.key, value: outSerde.encode(value), headers: rec.headers }]
    }
  }
}
