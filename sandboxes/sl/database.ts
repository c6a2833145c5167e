// SL's database as a whole: what GET /api/Status reports, and the two events that move
// it under a client's cursor. A restore brings back the rows and the rowversion counter
// as the backup had them, so rows written afterwards get tstamps a client may already
// have seen. A move serves the company from another database (another DatabaseId).
import { randomUUID } from 'node:crypto'
import type { SlState } from './state.ts'

export const newDatabaseId = (): string => randomUUID().toUpperCase()

export interface Backup { at: number, state: SlState }

export const backupOf = (s: SlState, nowMs: number): Backup => ({ at: nowMs, state: structuredClone(s) })

/** The sandbox's own settings and counters are not SL's data: a restore leaves them as they are. */
export const restored = (b: Backup, current: SlState): SlState =>
  ({ ...structuredClone(b.state), settings: current.settings, stats: current.stats })

const rowsOf = (s: SlState): Array<{ tstamp: number }> => [
  ...Object.values(s.orders), ...Object.values(s.shippers), ...Object.values(s.items), ...Object.values(s.itemSites),
  ...Object.values(s.customers), ...Object.values(s.batches), ...Object.values(s.arDocs)
]

/**
 * The company's data, now in a new database. SQL Server's rowversion belongs to the
 * database, so a database the data was loaded into numbers its rows anew, in the order
 * they arrive (here: their old order), from a low counter; a backup restored onto another
 * server (`keepTstamps`) keeps the rowversions it was taken with. In place.
 */
export function move (s: SlState, keepTstamps: boolean, id = newDatabaseId()): SlState {
  s.DatabaseId = id
  if (keepTstamps) return s
  const rows = rowsOf(s).sort((a, b) => a.tstamp - b.tstamp)
  rows.forEach((r, i) => { r.tstamp = i + 1 })
  s.tstamp = rows.length
  return s
}
