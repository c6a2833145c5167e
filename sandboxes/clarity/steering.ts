// /sandbox/*: what the sandbox holds, and the knobs a test or a demo turns (webhook
// endpoints, duplicates, drops and reordering, secret rotation, payouts, returns, the demo load).
import type { FastifyReply } from 'fastify'
import { fromMinor, toMinor } from '../common/money.ts'
import { fail, obj, reject, type Ctx, type Q } from './api.ts'
import type { createLoad } from './load.ts'
import type { ClaritySettings, PayoutFee, StockRow } from './state.ts'

type Load = ReturnType<typeof createLoad>

export function sandboxState (c: Ctx, load: Load) {
  const state = c.state()
  return {
    counts: {
      orders: Object.keys(state.orders).length, products: Object.keys(state.products).length,
      accounts: Object.keys(state.accounts).length, returns: Object.keys(state.returns).length,
      payments: Object.keys(state.payments).length, payouts: Object.keys(state.payouts).length
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

export const stateReturns = (c: Ctx, q: Q) => ({
  Items: Object.values(c.state().returns).filter((r) => q.order === undefined || String(r.SalesOrderID) === q.order)
})

export const statePayouts = (c: Ctx, q: Q) => ({
  Items: Object.values(c.state().payouts).filter((p) => q.currency === undefined || p.CurrencyKey === q.currency)
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

function payoutFees (v: unknown): Record<string, PayoutFee> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return reject(400, 'fees is an object of currency code → { percent, fixed }')
  }
  const fees: Record<string, PayoutFee> = {}
  for (const [k, f] of Object.entries(v)) {
    if (!/^[A-Z]{3}$/.test(k)) reject(400, `fees: ${JSON.stringify(k)} is not a currency code (three capitals)`)
    const { percent, fixed, ...rest } = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>
    if (Object.keys(rest).length > 0) reject(400, `fees.${k} has only percent and fixed`)
    // At most 4 decimals of a percent, and whole cents: what the fee arithmetic keeps exact.
    const exact = typeof percent === 'number' && Math.round(percent * 1e4) / 1e4 === percent
    if (!exact || !(percent >= 0 && percent <= 100)) {
      reject(400, `fees.${k}.percent is from 0 to 100 with at most 4 decimals`)
    }
    if (typeof fixed !== 'number' || !(fixed >= 0 && fixed <= 1000) || fromMinor(toMinor(fixed)) !== fixed) {
      reject(400, `fees.${k}.fixed is an amount from 0 to 1000 with at most 2 decimals`)
    }
    fees[k] = { percent: percent as number, fixed: fixed as number }
  }
  return fees
}

/** PUT /sandbox/payouts `{ auto?, hourUtc?, fees? }`: fees replaces the whole schedule. */
export function setPayouts (c: Ctx, body: unknown) {
  const settings = c.state().settings
  const b = obj(body)
  const unknown = Object.keys(b).find((k) => !['auto', 'hourUtc', 'fees'].includes(k))
  if (unknown !== undefined) reject(400, `${unknown} is not a payout setting; they are auto, hourUtc and fees`)
  if (b.auto !== undefined && typeof b.auto !== 'boolean') reject(400, 'auto is true or false')
  const hour = b.hourUtc
  if (hour !== undefined && !(typeof hour === 'number' && Number.isInteger(hour) && hour >= 0 && hour <= 23)) {
    reject(400, 'hourUtc is a whole hour from 0 to 23')
  }
  const fees = b.fees === undefined ? settings.payoutFees : payoutFees(b.fees)
  if (b.auto !== undefined) settings.payoutsAuto = b.auto as boolean
  if (hour !== undefined) settings.payoutsHourUtc = hour as number
  settings.payoutFees = fees
  return c.changed({ auto: settings.payoutsAuto, hourUtc: settings.payoutsHourUtc, fees: settings.payoutFees })
}

function restockingRates (v: unknown): Record<string, number> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return reject(400, 'restockingRates is an object of ReasonKey → a rate from 0 to 1')
  }
  const rates: Record<string, number> = {}
  for (const [k, r] of Object.entries(v)) {
    if (k.trim() === '' || k.length > 64) reject(400, 'restockingRates: a ReasonKey is 1 to 64 characters')
    // At most 4 decimals (a hundredth of a percent): what the fee arithmetic keeps exact.
    if (typeof r !== 'number' || !(r >= 0 && r <= 1) || Math.round(r * 1e4) / 1e4 !== r) {
      reject(400, `restockingRates.${k} is a rate from 0 to 1 with at most 4 decimals`)
    }
    rates[k] = r as number
  }
  return rates
}

const returnSettings = (s: ClaritySettings) => ({
  autoApprove: s.returnsAutoApprove, autoRefund: s.returnsAutoRefund, restockingRates: s.returnRestockingRates,
  share: s.returnShare
})

/** PUT /sandbox/returns `{ autoApprove?, autoRefund?, restockingRates?, share? }`; restockingRates replaces all. */
export function setReturns (c: Ctx, body: unknown) {
  const settings = c.state().settings
  const b = obj(body)
  const unknown = Object.keys(b).find((k) => !['autoApprove', 'autoRefund', 'restockingRates', 'share'].includes(k))
  if (unknown !== undefined) {
    reject(400, `${unknown} is not a returns setting; they are autoApprove, autoRefund, restockingRates and share`)
  }
  for (const k of ['autoApprove', 'autoRefund'] as const) {
    if (b[k] !== undefined && typeof b[k] !== 'boolean') reject(400, `${k} is true or false`)
  }
  const share = b.share
  if (share !== undefined && !(typeof share === 'number' && share >= 0 && share <= 1)) {
    reject(400, 'share is the part of the demo load\'s shipped orders returned, from 0 to 1')
  }
  const rates = b.restockingRates === undefined ? settings.returnRestockingRates : restockingRates(b.restockingRates)
  if (b.autoApprove !== undefined) settings.returnsAutoApprove = b.autoApprove as boolean
  if (b.autoRefund !== undefined) settings.returnsAutoRefund = b.autoRefund as boolean
  if (share !== undefined) settings.returnShare = share as number
  settings.returnRestockingRates = rates
  return c.changed(returnSettings(settings))
}

export function setLoadRate (load: Load, body: unknown, reply: FastifyReply) {
  const rate = Number(obj(body).rate)
  if (!Number.isFinite(rate) || rate < 0 || rate > 5000) return fail(reply, 400, 'rate is orders per second, 0 to 5000')
  load.set(rate)
  return load.stats
}
