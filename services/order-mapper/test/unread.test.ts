// The mapper's narrow reader of orders.raw, built inside the test: a list of unread fields
// that leaves a named type without its definition fails here rather than at import.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../../infra/embedded.ts'
import { parseSchema, withoutFields } from '../../../lib/avro.ts'
import { loadOrderMapping } from '../../../domain/mapping.ts'
import { readSchema } from '../../../lib/serdes.ts'
import { topics } from '../../../topology/topology.ts'
import { mapOrder, UNREAD, type OrderEvent } from '../src/transform.ts'

describe('the reader schema without UNREAD', () => {
  it('can be built, and an order read through it maps as read whole', () => {
    const mapping = loadOrderMapping(join(projectRoot, 'mappings/orders.yaml'))
    const schema = readSchema(topics.ordersRaw)
    const whole = parseSchema(schema)
    const view = parseSchema(withoutFields(schema, UNREAD))
    for (const name of ['eur-coupon', 'guest-polled']) {
      const ev = JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/orders.raw', `${name}.json`), 'utf8')) as OrderEvent
      const bytes = whole.toBuffer(ev)
      const narrow = view.fromBuffer(bytes, view.createResolver(whole)) as OrderEvent
      expect(mapOrder(narrow, mapping)).toEqual(mapOrder(whole.fromBuffer(bytes) as OrderEvent, mapping))
    }
  })
})
