// /sandbox/*: what the SL sandbox holds, its settings, and the events a test puts a
// client through: a reset, a backup and its restore, a move to another database. No auth:
// the sandbox listens on loopback, and common/guard.ts refuses what a web page sends.
import type { FastifyInstance } from 'fastify'
import type { Snapshotter } from '../common/persist.ts'
import { backupOf, move, restored, type Backup } from './database.ts'
import { changePeriods } from './finance.ts'
import { ordersByCustOrdNbr } from './orders.ts'
import type { SlState } from './state.ts'

type Q = Record<string, string | undefined>

/** The sandbox as /sandbox/* sees it. `db` is read on each request: a reset or a restore replaces its state. */
export interface Sandbox {
  db: { state: SlState, backup: Backup | undefined }
  snap: Snapshotter<SlState>
  backupSnap: Snapshotter<Backup | undefined>
  reset: () => void
}

export function steeringRoutes (app: FastifyInstance, c: Sandbox): void {
  inspectionRoutes(app, c)
  databaseRoutes(app, c)
}

function inspectionRoutes (app: FastifyInstance, c: Sandbox): void {
  app.get('/sandbox/state', async () => {
    const { state, backup } = c.db
    return {
      counts: {
        orders: Object.keys(state.orders).length, shippers: Object.keys(state.shippers).length,
        items: Object.keys(state.items).length, itemSites: Object.keys(state.itemSites).length,
        customers: Object.keys(state.customers).length, batches: Object.keys(state.batches).length,
        arDocs: Object.keys(state.arDocs).length
      },
      stats: state.stats,
      settings: state.settings,
      DatabaseId: state.DatabaseId,
      tstamp: state.tstamp,
      backup: backup === undefined
        ? null
        : { DatabaseId: backup.state.DatabaseId, tstamp: backup.state.tstamp, at: new Date(backup.at).toISOString() },
      currentPeriod: state.currentPeriod,
      openPeriods: state.openPeriods,
      baseCuryId: state.baseCuryId
    }
  })
  app.get('/sandbox/state/orders', async (req) => {
    const q = req.query as Q
    const since = Number(q.SinceTstamp ?? 0) || 0
    const all = q.CustOrdNbr === undefined
      ? Object.values(c.db.state.orders)
      : ordersByCustOrdNbr(c.db.state, q.CustOrdNbr)
    return { Items: all.filter((x) => x.tstamp > since).map(({ dueAt, ...x }) => x) }
  })
  app.get('/sandbox/state/shippers', async () => ({ Items: Object.values(c.db.state.shippers) }))
  app.get('/sandbox/state/batches', async () => ({ Items: Object.values(c.db.state.batches) }))
  app.get('/sandbox/state/ar', async () =>
    ({ Items: Object.values(c.db.state.arDocs), Adjustments: c.db.state.arAdjust }))
  app.get('/sandbox/state/item-sites', async (req) => {
    const q = req.query as Q
    const all = Object.values(c.db.state.itemSites)
    return { Items: q.InvtID === undefined ? all : all.filter((x) => x.InvtID === q.InvtID) }
  })
  app.put('/sandbox/settings', async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>
    const next = { ...c.db.state.settings }
    for (const [k, v] of Object.entries(b)) {
      if (!(k in next)) {
        return reply.code(400).send({ error: `unknown setting "${k}"; known: ${Object.keys(next).join(', ')}` })
      }
      if (k === 'autoShip' ? typeof v !== 'boolean' : typeof v !== 'number' || v < 0) {
        return reply.code(400).send({ error: `${k} has the wrong type` })
      }
      ;(next as Record<string, unknown>)[k] = v
    }
    c.db.state.settings = next
    c.snap.changed()
    return c.db.state.settings
  })
  // A month-end close, or a period opened early: what GL batches may post to.
  app.put('/sandbox/periods', async (req, reply) => {
    const b = req.body ?? {}
    if (typeof b !== 'object' || Array.isArray(b)) {
      return reply.code(400).send({ error: 'the body is a JSON object: {open?, close?, current?}' })
    }
    const periods = changePeriods(c.db.state, b as Record<string, unknown>)
    if (typeof periods === 'string') return reply.code(400).send({ error: periods })
    c.snap.changed()
    return periods
  })
}

// A reset, a backup and its restore, and a move to another database
function databaseRoutes (app: FastifyInstance, c: Sandbox): void {
  const where = () => ({ DatabaseId: c.db.state.DatabaseId, tstamp: c.db.state.tstamp })
  app.post('/sandbox/reset', async () => { c.reset(); return { reset: true } })
  app.post('/sandbox/database/backup', async () => {
    c.db.backup = backupOf(c.db.state, Date.now())
    c.backupSnap.flush()
    return { backup: where() }
  })
  app.post('/sandbox/database/restore', async (_req, reply) => {
    const { backup } = c.db
    if (backup === undefined) {
      return reply.code(409).send({ error: 'no backup to restore; take one first (POST /sandbox/database/backup)' })
    }
    const was = where()
    c.db.state = restored(backup, c.db.state)
    c.snap.flush()
    return { restored: where(), was }
  })
  app.post('/sandbox/database/move', async (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>
    const unknown = Object.keys(b).filter((k) => k !== 'keepTstamps')
    if (unknown.length > 0) return reply.code(400).send({ error: `unknown option "${unknown[0]}"; known: keepTstamps` })
    if (b.keepTstamps !== undefined && typeof b.keepTstamps !== 'boolean') {
      return reply.code(400).send({ error: 'keepTstamps must be true or false' })
    }
    const was = where()
    move(c.db.state, b.keepTstamps === true)
    c.snap.flush()
    return { moved: where(), was }
  })
}
