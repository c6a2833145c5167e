// `bridge backfill inventory|products`: the whole current state from SL into Clarity.
// Safe at any time because it adds no writer: the running source re-reads SL's feed
// from its start, as the one writer of the topic (one key's records stay in order, so
// an old level can never land after a newer one), and the sink pushes what it reads
// like any change. This module rewinds the source and watches the sink catch up.
// The rewind is an admin route: it takes the services' admin token (adminToken).
import { existsSync, readFileSync } from 'node:fs'
import { loadConfig, serviceSpec } from '../lib/config.ts'
import type { Admin } from '../lib/kafka.ts'
import { prefixed } from '../topology/topology.ts'
import type { FeedStatus } from '../lib/feed-source.ts'
import { cliSpec } from './config.ts'
import { adminTokenFile } from './stack.ts'

export const BACKFILLS = {
  inventory: {
    source: 'slInventorySource', sink: 'clarityInventorySink', topic: 'inventoryChanges', noun: 'item-site levels'
  },
  products: { source: 'slProductSource', sink: 'clarityProductSink', topic: 'productsChanges', noun: 'items' }
} as const
export type BackfillKind = keyof typeof BACKFILLS

export interface BackfillOptions {
  kind: BackfillKind
  admin: Admin
  /** The source service's HTTP address, e.g. http://127.0.0.1:7407. */
  sourceUrl: string
  /** The source's ADMIN_TOKEN; by default adminToken() finds it. */
  token?: string
  prefix?: string
  /** Called as the work moves: phase, done, total (total 0 while unknown). */
  progress?: (phase: 'reading SL' | 'pushing to Clarity', done: number, total: number) => void
  pollMs?: number
  timeoutMs?: number
}

export interface BackfillResult { records: number, pushed: boolean, ms: number }

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const tokenSpec = { ADMIN_TOKEN: serviceSpec(0).ADMIN_TOKEN, BRIDGE_HOME: cliSpec.BRIDGE_HOME }

/**
 * The services' admin token as the environment gives it (ADMIN_TOKEN or ADMIN_TOKEN_FILE),
 * else the one `bridge start` made under BRIDGE_HOME; undefined when there is none.
 */
export function adminToken (env: NodeJS.ProcessEnv = process.env): string | undefined {
  const c = loadConfig(tokenSpec, env)
  if (c.ADMIN_TOKEN !== undefined) return c.ADMIN_TOKEN
  const file = adminTokenFile(c.BRIDGE_HOME)
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined
}

async function feed (url: string, method: 'GET' | 'POST', name: string, token?: string): Promise<FeedStatus> {
  let res: Response
  // The rewind is an admin route: the token, and a JSON body.
  const admin = method === 'POST'
    ? { headers: { authorization: `Bearer ${token ?? ''}`, 'content-type': 'application/json' }, body: '{}' }
    : {}
  try {
    res = await fetch(`${url}/feed${method === 'POST' ? '/rewind' : ''}`, {
      method, signal: AbortSignal.timeout(10000), ...admin
    })
  } catch (err) {
    const why = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message
    throw new Error(`${name} does not answer at ${url} (${why}); ` +
      'start it (npx bridge start) and run the backfill again')
  }
  const refused = res.status === 403
    ? '; give its ADMIN_TOKEN in ADMIN_TOKEN or ADMIN_TOKEN_FILE (`bridge start` keeps it in BRIDGE_HOME/admin-token)'
    : ''
  if (!res.ok) throw new Error(`${name} at ${url} answered ${res.status}: ${await res.text()}${refused}`)
  return await res.json() as FeedStatus
}

export async function backfill (o: BackfillOptions): Promise<BackfillResult> {
  const b = BACKFILLS[o.kind]
  const { topics, services } = prefixed(o.prefix ?? '')
  const topic = topics[b.topic].name
  const source = services[b.source].name
  const group = services[b.sink].name
  const pollMs = o.pollMs ?? 200
  const deadline = Date.now() + (o.timeoutMs ?? 3600000)
  const started = Date.now()
  const committed = async (): Promise<Map<number, bigint>> =>
    new Map((await o.admin.groupOffsets(group, topic))
      .map((x) => [x.partition, BigInt(x.offset === '-1' ? 0 : x.offset)]))

  const before = await committed()
  await feed(o.sourceUrl, 'POST', source, o.token ?? adminToken())
  let status: FeedStatus
  for (;;) {
    status = await feed(o.sourceUrl, 'GET', source)
    o.progress?.('reading SL', status.produced, 0)
    if (status.caughtUp) break
    if (Date.now() > deadline) throw new Error(`${source} did not finish reading SL in time`)
    await sleep(pollMs)
  }
  const ends = await o.admin.watermarks(topic)
  const total = ends.reduce((n, e) => n + BigInt(e.high) - (before.get(e.partition) ?? BigInt(e.low)), 0n)
  if ((await o.admin.describeGroup(group)).members === 0) {
    return { records: status.produced, pushed: false, ms: Date.now() - started }
  }
  for (;;) {
    const now = await committed()
    const left = ends.reduce((n, e) => {
      const at = now.get(e.partition) ?? 0n
      return n + (BigInt(e.high) > at ? BigInt(e.high) - at : 0n)
    }, 0n)
    o.progress?.('pushing to Clarity', Number(total - left), Number(total))
    if (left === 0n) return { records: status.produced, pushed: true, ms: Date.now() - started }
    if (Date.now() > deadline) throw new Error(`${group} did not catch up in time (${left} records left)`)
    await sleep(pollMs)
  }
}
