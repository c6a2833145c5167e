// Clarity → orders.raw and customers.raw. Two ways in, one result per state:
//  - webhooks: signature checked over the raw body; an order's current state is read
//    from Clarity (events arrive late and out of order; the current state does not);
//    an account comes as the event carries it, and an older state than one already
//    taken is acknowledged and dropped. The 2xx goes out only once the record is
//    acknowledged by every in-sync replica;
//  - the ModifiedSince pollers (orders, accounts), the safety net for events never
//    pushed; their cursors are kept in bridge.cursors.
// Keys: the Clarity order ID and account ID, so one entity's states stay in order downstream.
import { Counter } from 'prom-client'
import { ClarityRejected, clarityClientOf } from '../../../lib/clients/clarity.ts'
import { deadLetter } from '../../../lib/consumer-loop.ts'
import { cursorRecord, readCursor, type Cursor } from '../../../lib/cursor.ts'
import { BridgeError, classify, poison } from '../../../lib/errors.ts'
import type { InRecord, OutRecord } from '../../../lib/kafka.ts'
import { startPoller } from '../../../lib/poller.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { verifySignature } from './signature.ts'
import { toAccountRecord, toOrderRecord } from './transform.ts'

const SEEN_MAX = 100000
type Source = 'WEBHOOK' | 'POLL'

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
  const clarity = clarityClientOf(c)
  const seen = seenSet()
  let webhooks: Counter<'result'> | undefined
  let produce: ((ev: { id: string, type: string, source: Source, order: unknown }) => Promise<OutRecord[]>) | undefined
  let produceAccount: ((ev: { id: string, type: string, source: Source, account: unknown }) => OutRecord[]) | undefined
  let dlq: ((raw: Buffer, id: string | undefined, err: BridgeError, topic?: string) => OutRecord) | undefined
  // The newest UpdatedDate taken per account: an older state arriving late is not news.
  const accountSeen = new Map<number, number>()

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
        const keep = async (err: BridgeError, topic: string = topics.ordersRaw.name) => {
          await kit.producer.send([dlq!(raw, headerId, err, topic)])
          webhooks!.inc({ result: 'dead_lettered' })
          kit.metrics.deadLettered.inc({ topic, code: err.code })
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
        if (ev.type === 'customer.created' || ev.type === 'customer.updated') {
          let out: OutRecord[]
          try {
            out = produceAccount!({ id: ev.id, type: ev.type, source: 'WEBHOOK', account: ev.data })
          } catch (err) {
            const e = classify(err)
            if (e.kind === 'poison') return await keep(e, topics.customersRaw.name)
            throw err
          }
          if (out.length === 0) { webhooks!.inc({ result: 'stale' }); return reply.code(200).send({ stale: true }) }
          try {
            await kit.producer.send(out)
          } catch (err) {
            webhooks!.inc({ result: 'unavailable' })
            kit.logger.error({ eventId: ev.id, reason: (err as Error).message }, 'webhook not taken: try again later')
            return reply.code(503).send({ error: 'temporarily unavailable' })
          }
          seen.add(ev.id)
          webhooks!.inc({ result: 'accepted' })
          return reply.code(200).send({ accepted: true })
        }
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
  const accounts = await kit.serde<Record<string, unknown>>(topics.customersRaw)
  const cursors = await kit.serde<Cursor>(topics.cursors)
  dlq = (raw, id, err, topic = topics.ordersRaw.name) => deadLetter(
    { topic, partition: -1, offset: '-1', key: null, value: raw, headers: id === undefined ? {} : { 'Clarity-Event-Id': id }, timestamp: Date.now() } satisfies InRecord,
    service.name, err, Date.now())
  produce = async (ev) => {
    const order = toOrderRecord(ev.order)
    const value = orders.encode({ eventId: ev.id, eventType: ev.type, source: ev.source, receivedAt: Date.now(), order })
    return [{ topic: topics.ordersRaw.name, key: String(order.ID), value, headers: { 'clarity.event.id': ev.id } }]
  }
  produceAccount = (ev) => {
    const account = toAccountRecord(ev.account)
    if ((accountSeen.get(account.ID) ?? -1) > account.UpdatedDate) return []
    accountSeen.set(account.ID, account.UpdatedDate)
    const value = accounts.encode({ eventId: ev.id, eventType: ev.type, source: ev.source, receivedAt: Date.now(), account })
    return [{ topic: topics.customersRaw.name, key: String(account.ID), value, headers: { 'clarity.event.id': ev.id } }]
  }

  /** One ModifiedSince poller: every entity changed since the cursor, page by page. */
  async function poll (name: string, cursorName: string, topic: string, list: typeof clarity.orders, from: string, take: (row: Record<string, unknown>, id: string) => Promise<OutRecord[]>): Promise<void> {
    let cursor = await readCursor(kit.kafka, topics.cursors.name, cursors, cursorName) ?? from
    const poller = startPoller({
      name, intervalMs: c.CLARITY_POLL_INTERVAL_MS, logger: kit.logger, metrics: kit.metrics,
      onFatal: (reason) => { void kit.lifecycle.stop(1, reason) },
      poll: async () => {
        let latest = cursor
        for (let page = 1; ; page++) {
          const p = await list(cursor, page, 100)
          const out: OutRecord[] = []
          for (const row of p.Results) {
            const updated = String(row.UpdatedDate)
            const id = `poll:${String(row.ID)}:${Date.parse(updated)}`
            if (updated > latest) latest = updated
            if (seen.has(id)) continue
            try {
              out.push(...await take(row, id))
            } catch (err) {
              const e = classify(err)
              if (e.kind !== 'poison') throw err
              out.push(dlq!(Buffer.from(JSON.stringify(row)), id, e, topic))
            }
            seen.add(id)
          }
          await kit.producer.send(out)
          if (page >= p.TotalPages) break
        }
        if (latest !== cursor) {
          await kit.producer.send([cursorRecord(topics.cursors.name, cursors, cursorName, latest)])
          cursor = latest
        }
        return false
      }
    })
    kit.lifecycle.onStop(name, poller.stop)
  }

  if (c.CLARITY_POLL_INTERVAL_MS > 0) {
    const lookback = new Date(Date.now() - c.CLARITY_POLL_LOOKBACK_MS).toISOString()
    await poll('clarity-orders', 'clarity-ingest.orders', topics.ordersRaw.name, clarity.orders, lookback, (o, id) => produce!({ id, type: 'order.polled', source: 'POLL', order: o }))
    // Every account on a first start: an account nobody edits would otherwise never reach
    // SL, and its orders would wait for a customer that is not coming.
    await poll('clarity-accounts', 'clarity-ingest.accounts', topics.customersRaw.name, clarity.accounts, new Date(0).toISOString(), async (a, id) => produceAccount!({ id, type: 'customer.polled', source: 'POLL', account: a }))
  }
  return running
}
