// Clarity → orders.raw. Two ways in, one result per order state:
//  - webhooks: signature checked over the raw body; the order's current state is read
//    from Clarity (events arrive late and out of order; the current state does not),
//    and the 2xx goes out only once the record is acknowledged by every in-sync replica;
//  - the ModifiedSince poller, the safety net for events never pushed; its cursor is
//    kept in bridge.cursors.
// Key: the Clarity order ID, so one order's events stay in order downstream.
import { Counter } from 'prom-client'
import { ClarityRejected, createClarityClient } from '../../../lib/clients/clarity.ts'
import { deadLetter } from '../../../lib/consumer-loop.ts'
import { cursorRecord, readCursor, type Cursor } from '../../../lib/cursor.ts'
import { BridgeError, classify, poison } from '../../../lib/errors.ts'
import type { InRecord, OutRecord } from '../../../lib/kafka.ts'
import { startPoller } from '../../../lib/poller.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { verifySignature } from './signature.ts'
import { toOrderRecord } from './transform.ts'

const CURSOR = 'clarity-ingest.orders'
const SEEN_MAX = 100000

/** Event ids already in orders.raw; a redelivery then has no second effect. */
function seenSet () {
  const seen = new Set<string>()
  return {
    has: (id: string) => seen.has(id),
    add (id: string) {
      seen.add(id)
      if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value!)
    }
  }
}

export async function startClarityIngest (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const service = services.clarityIngest
  const clarity = createClarityClient({ baseUrl: c.CLARITY_BASE_URL ?? 'http://127.0.0.1:7302', clientId: c.CLARITY_CLIENT_ID, clientSecret: c.CLARITY_CLIENT_SECRET })
  const seen = seenSet()
  let webhooks: Counter<'result'> | undefined
  let produce: ((ev: { id: string, type: string, source: 'WEBHOOK' | 'POLL', order: unknown }) => Promise<OutRecord[]>) | undefined
  let dlq: ((raw: Buffer, id: string | undefined, err: BridgeError) => OutRecord) | undefined

  const running = await startService({
    service, config: c, exit, inputs: [],
    routes: (app, kit) => {
      webhooks = new Counter({ name: 'bridge_webhooks_total', help: 'Clarity webhooks by outcome', labelNames: ['result'], registers: [kit.metrics.registry] })
      app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: c.WEBHOOK_MAX_BYTES }, (_req, body, done) => done(null, body))
      app.addHook('onResponse', async (req, reply) => {
        if (req.url === '/webhooks/clarity' && reply.statusCode === 413) {
          webhooks!.inc({ result: 'too_large' })
          kit.logger.warn({ bytes: req.headers['content-length'] }, 'webhook refused: body over the limit')
        }
      })
      app.post('/webhooks/clarity', { bodyLimit: c.WEBHOOK_MAX_BYTES }, async (req, reply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.from(typeof req.body === 'string' ? req.body : '')
        const headerId = typeof req.headers['clarity-event-id'] === 'string' ? req.headers['clarity-event-id'] : undefined
        const verdict = verifySignature(req.headers['clarity-signature'] as string | undefined, raw, c.CLARITY_WEBHOOK_SECRET, Math.floor(Date.now() / 1000), c.WEBHOOK_TOLERANCE_SEC)
        if (verdict !== 'ok') {
          webhooks!.inc({ result: `signature_${verdict}` })
          kit.logger.warn({ eventId: headerId, verdict }, 'webhook refused: signature')
          return reply.code(401).send({ error: verdict === 'stale' ? 'stale timestamp' : `signature ${verdict}` })
        }
        // From here the event is genuine: whatever is wrong with it is kept, never refused,
        // because a 4xx would only make Clarity send it again for hours.
        const keep = async (err: BridgeError) => {
          await kit.producer.send([dlq!(raw, headerId, err)])
          webhooks!.inc({ result: 'dead_lettered' })
          kit.metrics.deadLettered.inc({ topic: topics.ordersRaw.name, code: err.code })
          kit.logger.warn({ eventId: headerId, code: err.code, reason: err.message }, 'webhook dead-lettered')
          return reply.code(202).send({ accepted: true, deadLettered: err.code })
        }
        let ev: { id?: unknown, type?: unknown, data?: unknown }
        try {
          ev = JSON.parse(raw.toString('utf8')) as typeof ev
        } catch (err) {
          return await keep(poison('INVALID_JSON', `the webhook body is not JSON: ${(err as Error).message}`))
        }
        if (typeof ev !== 'object' || ev === null || typeof ev.id !== 'string' || typeof ev.type !== 'string' || typeof ev.data !== 'object' || ev.data === null) {
          return await keep(poison('INVALID_PAYLOAD', 'the webhook needs id (text), type (text) and data (an object)'))
        }
        if (seen.has(ev.id)) { webhooks!.inc({ result: 'duplicate' }); return reply.code(200).send({ duplicate: true }) }
        if (!ev.type.startsWith('order.')) { webhooks!.inc({ result: 'ignored' }); return reply.code(202).send({ ignored: ev.type }) }
        const id = (ev.data as { ID?: unknown }).ID
        if (!Number.isInteger(id)) return await keep(poison('INVALID_PAYLOAD', `${ev.type}: data.ID must be the order's id`))
        try {
          let order: unknown
          try {
            order = await clarity.order(id as number)
          } catch (err) {
            if (err instanceof ClarityRejected) throw poison('ORDER_NOT_FOUND', `${ev.type}: Clarity has no order ${String(id)} (${err.message})`)
            throw err
          }
          await kit.producer.send(await produce!({ id: ev.id, type: ev.type, source: 'WEBHOOK', order }))
          seen.add(ev.id)
          webhooks!.inc({ result: 'accepted' })
          return reply.code(200).send({ accepted: true })
        } catch (raw2) {
          const err = classify(raw2)
          if (err.kind === 'poison') return await keep(err)
          // Kafka or Clarity away, or our credentials refused: Clarity retries a 503 later.
          webhooks!.inc({ result: 'unavailable' })
          kit.logger.error({ eventId: ev.id, code: err.code, reason: err.message }, 'webhook not taken: try again later')
          return reply.code(503).send({ error: 'temporarily unavailable', code: err.code })
        }
      })
    }
  })

  const { kit } = running
  const orders = await kit.serde<Record<string, unknown>>(topics.ordersRaw)
  const cursors = await kit.serde<Cursor>(topics.cursors)
  dlq = (raw, id, err) => deadLetter(
    { topic: topics.ordersRaw.name, partition: -1, offset: '-1', key: null, value: raw, headers: id === undefined ? {} : { 'Clarity-Event-Id': id }, timestamp: Date.now() } satisfies InRecord,
    service.name, err, Date.now())
  produce = async (ev) => {
    const order = toOrderRecord(ev.order)
    const value = orders.encode({ eventId: ev.id, eventType: ev.type, source: ev.source, receivedAt: Date.now(), order })
    return [{ topic: topics.ordersRaw.name, key: String(order.ID), value, headers: { 'clarity.event.id': ev.id } }]
  }

  if (c.CLARITY_POLL_INTERVAL_MS > 0) {
    let cursor = await readCursor(kit.kafka, topics.cursors.name, cursors, CURSOR) ?? new Date(Date.now() - c.CLARITY_POLL_LOOKBACK_MS).toISOString()
    const poller = startPoller({
      name: 'clarity-orders', intervalMs: c.CLARITY_POLL_INTERVAL_MS, logger: kit.logger, metrics: kit.metrics,
      onFatal: (reason) => { void kit.lifecycle.stop(1, reason) },
      poll: async () => {
        let latest = cursor
        for (let page = 1; ; page++) {
          const p = await clarity.orders(cursor, page, 100)
          const out: OutRecord[] = []
          for (const o of p.Results) {
            const updated = String(o.UpdatedDate)
            const id = `poll:${String(o.ID)}:${Date.parse(updated)}`
            if (updated > latest) latest = updated
            if (seen.has(id)) continue
            try {
              out.push(...await produce!({ id, type: 'order.polled', source: 'POLL', order: o }))
            } catch (err) {
              const e = classify(err)
              if (e.kind !== 'poison') throw err
              out.push(dlq!(Buffer.from(JSON.stringify(o)), id, e))
            }
            seen.add(id)
          }
          await kit.producer.send(out)
          if (page >= p.TotalPages) break
        }
        if (latest !== cursor) {
          await kit.producer.send([cursorRecord(topics.cursors.name, cursors, CURSOR, latest)])
          cursor = latest
        }
        return false
      }
    })
    kit.lifecycle.onStop('poller', poller.stop)
  }
  return running
}
