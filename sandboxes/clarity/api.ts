// What Clarity's routes share: the answer envelope and its errors, paging of the list
// routes, the checks on a body, and the sandbox as a route reaches it.
import type { FastifyReply } from 'fastify'
import { createHash } from 'node:crypto'
import type { ClarityState } from './state.ts'
import type { Sender } from './webhooks.ts'

/** The sandbox as its routes see it. */
export interface Ctx {
  /** The state now: a reset replaces it. */
  state: () => ClarityState
  sender: Sender
  /** Marks the state for the next snapshot; answers `v`. */
  changed: <T>(v: T) => T
}

export type P = Record<string, string>
export type Q = Record<string, string | undefined>

export const fail = (reply: FastifyReply, status: number, ...messages: string[]): FastifyReply =>
  reply.code(status).send({ ActionSucceeded: false, Messages: messages })
export const ok = <T>(Result: T, Messages: string[] = []) => ({ ActionSucceeded: true, Messages, Result })

export class ClarityError extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}
export const reject = (status: number, message: string): never => { throw new ClarityError(status, message) }

export function page<T extends { ID: number, UpdatedDate: string }> (rows: T[], q: Q) {
  let since = 0
  if (q.ModifiedSince !== undefined) {
    since = Date.parse(q.ModifiedSince)
    if (Number.isNaN(since)) reject(400, `ModifiedSince "${q.ModifiedSince}" is not an ISO-8601 time`)
  }
  const size = Number(q['Paging.Size'] ?? 100)
  const index = Number(q['Paging.StartIndex'] ?? 1)
  if (!Number.isInteger(size) || size < 1 || size > 1000) reject(400, 'Paging.Size is a whole number from 1 to 1000')
  if (!Number.isInteger(index) || index < 1) reject(400, 'Paging.StartIndex is a page number starting at 1')
  // Inclusive: a change at exactly ModifiedSince is listed again rather than missed.
  const all = rows
    .filter((r) => Date.parse(r.UpdatedDate) >= since)
    .sort((a, b) => a.UpdatedDate.localeCompare(b.UpdatedDate) || a.ID - b.ID)
  const results = all.slice((index - 1) * size, index * size)
  return {
    TotalPages: Math.ceil(all.length / size), CurrentPage: index, TotalCount: all.length, CurrentCount: results.length,
    Results: results
  }
}

export const hashOf = (v: unknown): string => createHash('sha1').update(JSON.stringify(v)).digest('hex')
export const now = () => new Date().toISOString()

export const obj = (b: unknown): Record<string, unknown> =>
  (typeof b === 'object' && b !== null && !Array.isArray(b)
    ? b as Record<string, unknown>
    : reject(400, 'The body must be a JSON object'))

export const text = (v: unknown, name: string, max = 128): string => {
  if (typeof v !== 'string' || v.trim() === '') reject(400, `${name} is required`)
  if ((v as string).length > max) reject(400, `${name} is longer than ${max} characters`)
  return (v as string).trim()
}
