// Clarity → orders.raw and customers.raw. Two ways in, one result per state:
//  - webhooks: signature checked over the raw body; the entity's current state is read
//    from Clarity, never taken from the event: events arrive late and out of order, and
//    a signed one can be replayed. An order by its ID; an account, which the contract
//    cannot read by ID, from the ModifiedSince listing since the event's UpdatedDate.
//    The 2xx goes out only once the record is acknowledged by every in-sync replica;
//  - the ModifiedSince pollers (orders, accounts), the safety net for events never
//    pushed; their cursors are kept in bridge.cursors.
// Each event taken leaves its id in bridge.webhooks-seen, in the same send as its record,
// so a redelivery to any instance, or after a restart, has no second effect.
// A time later than now (a wrong clock, a bad row) becomes neither an account's newest
// state nor a poller's cursor: either would outrank every genuine change until then.
// Keys: the Clarity order ID and account ID, so one entity's states stay in order downstream.
import { Counter, Gauge } from 'prom-client'
import { ClarityRejected, clarityClientOf, type ClarityRow } from '../../../lib/clients/clarity.ts'
import { deadLetter } from '../../../lib/consumer-loop.ts'
import { cursorRecord, readCursor, type Cursor } from '../../../lib/cursor.ts'
import { BridgeError, classify, poison } from '../../../lib/errors.ts'
import type { InRecord, OutRecord } from '../../../lib/kafka.ts'
import { startPoller } from '../../../lib/poller.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { seenIds, type SeenIds, type WebhookSeen } from './seen.ts'
import { verifySignature } from './signature.ts'
import { toAccountRecord, toOrderRecord } from './transform.ts'

const POLLED_MAX = 100000
/** Seen webhook ids in memory at most: well over the signature tolerance at 500 events/s. */
const SEEN_MAX = 250000
/** How far Clarity's clock may run ahead of ours before a time counts as from the future. */
const CLOCK_SKEW_MS = 60000
/** The listing that confirms an account event starts this much before the event's time: the two may be rounded differently. */
const LISTING_MARGIN_MS = 5000
type Source = 'WEBHOOK' | 'POLL'

/** States this instance's pollers produced; one produced again after a restart is harmless downstream. */
function polledSet () {
  const polled = new Set<string>()
  return {
    has: (id: string) => polled.has(id),
    add (id: string) {
      polled.add(id)
      if (polled.size > POLLED_MAX) polled.delete(polled.values().next().value!)
    }
  }
}

export async function startClarityIngest (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const service = services.clarityIngest
  const clarity = clarityClientOf(c)
  const polled = polledSet()
  let seen: SeenIds | undefined
  let webhooks: Counter<'result'> | undefined
  let produce: ((ev: { id: string, type: string, source: Source, order: unknown }) => Promise<OutRecord[]>) | undefined
  let produceAccount: ((ev: { id: string, type: string, source: Source, account: unknown }) => OutRecord[]) | undefined
  let dlq: ((raw: Buffer, id: string | undefined, err: BridgeError, topic?: string) => OutRecord) | undefined
  // The newest UpdatedDate taken per account: an older state arriving late is not news.
  const accountSeen = new Map<number, number>()
  // Events being taken: a retry that overtakes its first attempt waits for it.
  const taking = new Map<string, Promise<void>>()
  let markReady!: () => void
  const ready = new Promise<void>((resolve) => { markReady = resolve })

  /**
   * The account as Clarity holds it now, if Clarity lists it among the accounts changed
   * since the event's UpdatedDate (never later than now): the contract has no route that
   * reads one account. Not listed: the event speaks of a change Clarity does not know.
   */
  async function listedAccount (id: number, claimedAt: number): Promise<ClarityRow | undefined> {
    const since = new Date(Math.min(claimedAt, Date.now()) - LISTING_MARGIN_MS).toISOString()
    for (let page = 1; ; page++) {
      const p = await clarity.accounts(since, page, 100)
      const row = p.Results.find((r) => r.ID === id)
      if (row !== undefined || page >= p.TotalPages) return row
    }
  }

  const running = await startService({
    service, config: c, exit, inputs: [],
    routes: (app, kit) => {
      webhooks = new Counter({ name: 'bridge_webhooks_total', help: 'Clarity webhooks by outcome', labelNames: ['result'], registers: [kit.metrics.registry] })
      new Gauge({ name: 'bridge_webhook_seen_ids', help: 'Webhook event ids remembered, from every instance', registers: [kit.metrics.registry], collect () { this.set(seen?.size() ?? 0) } })
      app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: c.WEBHOOK_MAX_BYTES }, (_req, body, done) => done(null, body))
      app.addHook('onResponse', async (req, reply) => {
        if (req.url === '/webhooks/clarity' && reply.statusCode === 413) {
          webhooks!.inc({ result: 'too_large' })
          kit.logger.warn({ bytes: req.headers['content-length'] }, 'webhook refused: body over the limit')
        }
      })

      /**
       * The event's records and its seen id in one send. A failed send may have written
       * part of it: the id is withdrawn, because a second record is harmless downstream,
       * and a redelivery answered "duplicate" for a record never written would be a loss.
       */
      const accept = async (ev: { id: string, type: string }, entityId: number, out: OutRecord[]): Promise<void> => {
        try {
          await kit.producer.send([...out, seen!.record(ev.id, ev.type, entityId)])
        } catch (err) {
          kit.producer.send([seen!.tombstone(ev.id)]).catch((e: Error) => {
            kit.logger.warn({ eventId: ev.id, reason: e.message }, 'could not withdraw the seen id of a failed send: a redelivery may be taken for a duplicate')
          })
          throw err
        }
        seen!.add(ev.id)
        webhooks!.inc({ result: 'accepted' })
      }

      app.post('/webhooks/clarity', { bodyLimit: c.WEBHOOK_MAX_BYTES }, async (req, reply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.from(typeof req.body === 'string' ? req.body : '')
        const headerId = typeof req.headers['clarity-event-id'] === 'string' ? req.headers['clarity-event-id'] : undefined
        const verdict = verifySignature(req.headers['clarity-signature'] as string | undefined, raw, c.CLARITY_WEBHOOK_SECRET, Math.floor(Date.now() / 1000), c.WEBHOOK_TOLERANCE_SEC)
        if (verdict !== 'ok') {
          webhooks!.inc({ result: `signature_${verdict}` })
          kit.logger.warn({ eventId: headerId, verdict }, 'webhook refused: signature')
          return reply.code(401).send({ error: verdict === 'stale' ? 'stale timestamp' : `signature ${verdict}` })
        }
        // Until the seen ids are read to their end, a redelivery would pass for new.
        await ready
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
        const e = { id: ev.id, type: ev.type, data: ev.data }
        for (let first = taking.get(e.id); first !== undefined; first = taking.get(e.id)) await first
        if (seen!.has(e.id)) {
          webhooks!.inc({ result: 'duplicate' })
          kit.logger.info({ eventId: e.id, type: e.type }, 'webhook already taken: answered 200, nothing produced')
          return reply.code(200).send({ duplicate: true })
        }
        if (e.type !== 'customer.created' && e.type !== 'customer.updated' && !e.type.startsWith('order.')) {
          webhooks!.inc({ result: 'ignored' })
          return reply.code(202).send({ ignored: e.type })
        }
        const isAccount = e.type.startsWith('customer.')
        const topic = isAccount ? topics.customersRaw.name : topics.ordersRaw.name
        const attempt = (async () => {
          try {
            if (isAccount) {
              // What the event claims is checked for shape, then only used to find the account.
              const claimed = toAccountRecord(e.data)
              const row = await listedAccount(claimed.ID, claimed.UpdatedDate)
              if (row === undefined) {
                webhooks!.inc({ result: 'account_refused' })
                kit.logger.warn({ eventId: e.id, type: e.type, account: claimed.ID, code: 'ACCOUNT_NOT_LISTED' }, 'account event refused: Clarity does not list the account as changed since the event\'s UpdatedDate; nothing produced')
                return reply.code(200).send({ refused: 'ACCOUNT_NOT_LISTED' })
              }
              const out = produceAccount!({ id: e.id, type: e.type, source: 'WEBHOOK', account: row })
              if (out.length === 0) { webhooks!.inc({ result: 'stale' }); return reply.code(200).send({ stale: true }) }
              await accept(e, claimed.ID, out)
              return reply.code(200).send({ accepted: true })
            }
            const id = (e.data as { ID?: unknown }).ID
            if (!Number.isInteger(id)) throw poison('INVALID_PAYLOAD', `${e.type}: data.ID must be the order's id`)
            let order: unknown
            try {
              order = await clarity.order(id as number)
            } catch (err) {
              if (err instanceof ClarityRejected) throw poison('ORDER_NOT_FOUND', `${e.type}: Clarity has no order ${String(id)} (${err.message})`)
              throw err
            }
            await accept(e, id as number, await produce!({ id: e.id, type: e.type, source: 'WEBHOOK', order }))
            return reply.code(200).send({ accepted: true })
          } catch (raw2) {
            const err = classify(raw2)
            if (err.kind === 'poison') return await keep(err, topic)
            // Kafka or Clarity away, or our credentials refused: Clarity retries a 503 later.
            webhooks!.inc({ result: 'unavailable' })
            kit.logger.error({ eventId: e.id, code: err.code, reason: err.message }, 'webhook not taken: try again later')
            return reply.code(503).send({ error: 'temporarily unavailable', code: err.code })
          }
        })()
        taking.set(e.id, attempt.then(() => undefined, () => undefined))
        try {
          return await attempt
        } finally {
          taking.delete(e.id)
        }
      })
    }
  })

  const { kit } = running
  const orders = await kit.serde<Record<string, unknown>>(topics.ordersRaw)
  const accounts = await kit.serde<Record<string, unknown>>(topics.customersRaw)
  const cursors = await kit.serde<Cursor>(topics.cursors)
  seen = seenIds({
    kafka: kit.kafka, topic: topics.webhooksSeen.name, serde: await kit.serde<WebhookSeen>(topics.webhooksSeen), group: `${service.name}-seen`,
    windowMs: topics.webhooksSeen.retentionMs, max: SEEN_MAX, logger: kit.logger
  })
  kit.lifecycle.onStop('seen ids', await seen.follow((err) => { void kit.lifecycle.stop(1, `following ${topics.webhooksSeen.name}: ${err.message}`) }))
  dlq = (raw, id, err, topic = topics.ordersRaw.name) => deadLetter(
    { topic, partition: -1, offset: '-1', key: null, value: raw, headers: id === undefined ? {} : { 'Clarity-Event-Id': id }, timestamp: Date.now() } satisfies InRecord,
    service.name, err, Date.now())
  produce = async (ev) => {
    const order = toOrderRecord(ev.order)
    const value = orders.encode({ eventId: ev.id, eventType: ev.type, source: ev.source, receivedAt: Date.now(), order })
    return [{ topic: topics.ordersRaw.name, key: String(order.ID), value, headers: { 'clarity.event.id': ev.id } }]
  }
  produceAccount = (ev) => {
    const now = Date.now()
    let account = toAccountRecord(ev.account)
    if (account.UpdatedDate > now + CLOCK_SKEW_MS) {
      // Here it would outrank every later state of the account; downstream, every change in SL.
      kit.logger.warn({ eventId: ev.id, account: account.ID, code: 'UPDATED_IN_FUTURE' }, 'account.UpdatedDate is later than now: taken as now')
      account = { ...account, UpdatedDate: now }
    }
    if ((accountSeen.get(account.ID) ?? -1) > account.UpdatedDate) return []
    accountSeen.set(account.ID, account.UpdatedDate)
    const value = accounts.encode({ eventId: ev.id, eventType: ev.type, source: ev.source, receivedAt: now, account })
    return [{ topic: topics.customersRaw.name, key: String(account.ID), value, headers: { 'clarity.event.id': ev.id } }]
  }
  markReady()

  /** One ModifiedSince poller: every entity changed since the cursor, page by page. */
  async function poll (name: string, cursorName: string, topic: string, list: typeof clarity.orders, from: string, take: (row: Record<string, unknown>, id: string) => Promise<OutRecord[]>): Promise<void> {
    let cursor = await readCursor(kit.kafka, topics.cursors.name, cursors, cursorName) ?? from
    if (Date.parse(cursor) > Date.now() + CLOCK_SKEW_MS) {
      // Kept by a version without the check below, or under a clock since set right.
      kit.logger.warn({ poller: name, code: 'CURSOR_IN_FUTURE' }, 'the stored cursor is later than now: reading again from the first-start position')
      cursor = from
    }
    const poller = startPoller({
      name, intervalMs: c.CLARITY_POLL_INTERVAL_MS, logger: kit.logger, metrics: kit.metrics,
      onFatal: (reason) => { void kit.lifecycle.stop(1, reason) },
      poll: async () => {
        // The cursor never passes the time this round began: a row dated later would
        // make it skip every genuine change until that date.
        const began = Date.now()
        let latest = cursor
        for (let page = 1; ; page++) {
          const p = await list(cursor, page, 100)
          const out: OutRecord[] = []
          for (const row of p.Results) {
            const updated = String(row.UpdatedDate)
            const id = `poll:${String(row.ID)}:${Date.parse(updated)}`
            const mark = Date.parse(updated) > began ? new Date(began).toISOString() : updated
            if (Date.parse(mark) > Date.parse(latest)) latest = mark
            if (polled.has(id)) continue
            try {
              out.push(...await take(row, id))
            } catch (err) {
              const e = classify(err)
              if (e.kind !== 'poison') throw err
              out.push(dlq!(Buffer.from(JSON.stringify(row)), id, e, topic))
            }
            polled.add(id)
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
