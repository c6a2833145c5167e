// /sandbox/*: what the sandbox holds, and the knobs a test or a demo turns (webhook
// endpoints, duplicates, drops and reordering, secret rotation, the demo load).
import type { FastifyReply } from 'fastify'
import { fail, obj, type Ctx, type Q } from './api.ts'
import type { createLoad } from './load.ts'
import type { StockRow } from './state.ts'

type Load = ReturnType<typeof createLoad>

export function sandboxState (c: Ctx, load: Load) {
  const state = c.state()
  return {
    counts: {
      orders: Object.keys(state.orders).length, products: Object.keys(state.products).length,
      accounts: Object.keys(state.accounts).length, returns: Object.keys(state.returns).length,
      payments: Object.keys(state.payments).length
    },
    ordersByStatus: Object.values(state.orders)
      .reduce<Record<string, number>>((m, x) => { m[x.StatusKey] = (m[x.StatusKey] ?? 0) + 1; return m }, {}),
    webhooks: {
      urls: state.webhookUrls, pending: state.outbox.length, delivered: state.delivered, abandoned: state.abandoned,
      dropped: state.dropped
    },
    settings: state.settings,
    load: load.stats
  }
}

export const stateOrders = (c: Ctx, q: Q) =>
  ({ Items: Object.values(c.state().orders).filter((x) => q.ID === undefined || String(x.ID) === q.ID) })

export const statePayments = (c: Ctx, q: Q) => ({
  Items: Object.values(c.state().payments).filter((p) => q.order === undefined || String(p.SalesOrderID) === q.order)
})

export function stateStock (c: Ctx, q: Q) {
  const since = q.UpdatedSince === undefined ? undefined : Date.parse(q.UpdatedSince)
  const wanted = (r: StockRow): boolean =>
    (q.ProductKey === undefined || r.ProductKey === q.ProductKey) &&
    (since === undefined || Date.parse(r.UpdatedDate) > since)
  return { Items: Object.values(c.state().stock).filter(wanted) }
}

export function setWebhooks (c: Ctx, body: unknown, reply: FastifyReply) {
  const state = c.state()
  const b = obj(body)
  for (const k of ['duplicateRate', 'dropRate'] as const) {
    const v = b[k]
    if (v !== undefined && (typeof v !== 'number' || v < 0 || v > 1)) return fail(reply, 400, `${k} is from 0 to 1`)
  }
  if (b.urls !== undefined) {
    if (!Array.isArray(b.urls) || !b.urls.every((u) => typeof u === 'string' && /^https?:\/\//.test(u))) {
      return fail(reply, 400, 'urls is a list of http(s) URLs')
    }
    state.webhookUrls = b.urls as string[]
  }
  if (b.duplicateRate !== undefined) state.settings.webhookDuplicateRate = b.duplicateRate as number
  if (b.dropRate !== undefined) state.settings.webhookDropRate = b.dropRate as number
  if (b.reorder !== undefined) state.settings.webhookReorder = b.reorder === true
  if (b.secrets !== undefined) {
    if (!Array.isArray(b.secrets) || b.secrets.length === 0 || b.secrets.length > 2) {
      return fail(reply, 400, 'secrets is a list of one or two secrets')
    }
    c.sender.secrets.splice(0, c.sender.secrets.length, ...(b.secrets as string[]))
  }
  return c.changed({
    urls: state.webhookUrls, duplicateRate: state.settings.webhookDuplicateRate,
    dropRate: state.settings.webhookDropRate, reorder: state.settings.webhookReorder
  })
}

export function setLoadRate (load: Load, body: unknown, reply: FastifyReply) {
  const rate = Number(obj(body).rate)
  if (!Number.isFinite(rate) || rate < 0 || rate > 5000) return fail(reply, 400, 'rate is orders per second, 0 to 5000')
  load.set(rate)
  return load.stats
}
