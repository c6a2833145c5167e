// bridge sandbox up | down | reset | faults: the two sandboxes as background processes.
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { codePath } from '../lib/paths.ts'
import { ensureRunning, nodeCommand, readPid, stopProcess, type Endpoint } from '../infra/processes.ts'
import type { CliConfig } from './config.ts'

export interface SandboxSpec {
  name: 'sl' | 'clarity'
  title: string
  port: number
  external: string | undefined
  main: string
  dataVar: string
}

export const sandboxes = (c: CliConfig): SandboxSpec[] => [
  {
    name: 'sl', title: 'Dynamics SL sandbox', port: c.SL_SANDBOX_PORT, external: c.SL_BASE_URL,
    main: 'sandboxes/sl/main.ts', dataVar: 'SL_SANDBOX_DATA'
  },
  {
    name: 'clarity', title: 'Clarity sandbox', port: c.CLARITY_SANDBOX_PORT, external: c.CLARITY_BASE_URL,
    main: 'sandboxes/clarity/main.ts', dataVar: 'CLARITY_SANDBOX_DATA'
  }
]

const runDir = (c: CliConfig, s: SandboxSpec): string => join(c.BRIDGE_HOME, 'run', `${s.name}-sandbox`)
export const sandboxUrl = (s: SandboxSpec): string => `http://127.0.0.1:${s.port}`

export async function sandboxUp (c: CliConfig, extraEnv: NodeJS.ProcessEnv = {}): Promise<Endpoint[]> {
  const started: Endpoint[] = []
  for (const s of sandboxes(c)) {
    if (s.external !== undefined) continue
    const [urlVar, portVar] = s.name === 'sl'
      ? ['SL_BASE_URL', 'SL_SANDBOX_PORT']
      : ['CLARITY_BASE_URL', 'CLARITY_SANDBOX_PORT']
    started.push(await ensureRunning({
      name: s.name, dir: runDir(c, s), port: s.port, address: sandboxUrl(s),
      elsewhere: `set ${urlVar} to use that server, or ${portVar} to move the sandbox`,
      command: () => ({
        ...nodeCommand(codePath(s.main)),
        env: { ...process.env, ...extraEnv, [s.dataVar]: join(c.BRIDGE_HOME, 'sandboxes', `${s.name}.json`) }
      }),
      ready: async () => { try { return (await fetch(`${sandboxUrl(s)}/sandbox/state`)).ok } catch { return false } },
      timeoutMs: 30000
    }))
  }
  return started
}

export async function sandboxDown (c: CliConfig, say: (l: string) => void): Promise<void> {
  for (const s of sandboxes(c)) await stopProcess(`${s.name} sandbox`, runDir(c, s), say)
}

export const sandboxRunning = (c: CliConfig, s: SandboxSpec): boolean => readPid(runDir(c, s)) !== undefined

async function admin (s: SandboxSpec, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sandboxUrl(s)}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  }).catch(() => {
    throw new Error(`the ${s.title} does not answer at ${sandboxUrl(s)}; ` + 'start it with `bridge sandbox up`')
  })
  const json = await res.json() as unknown
  if (!res.ok) throw new Error(`${s.title}: ${JSON.stringify(json)}`)
  return json
}

export async function sandboxReset (c: CliConfig): Promise<string[]> {
  const out: string[] = []
  for (const s of sandboxes(c)) {
    if (s.external !== undefined) continue
    await admin(s, 'POST', '/sandbox/reset')
    out.push(`${s.name}: reset to its seed data`)
  }
  return out
}

/**
 * bridge sandbox faults <sl|clarity> [--latency-ms N] [--rate429 F] … ; no option shows the current faults.
 * For SL also what a restore or a move of its database does to the feeds: --backup, then
 * --restore (rows and rowversions back to the backup); --move [--keep-tstamps] (another DatabaseId).
 */
export async function sandboxFaults (c: CliConfig, argv: string[]): Promise<unknown> {
  const [which, ...rest] = argv
  const s = sandboxes(c).find((x) => x.name === which)
  if (s === undefined) throw new Error('say which sandbox: bridge sandbox faults sl|clarity [options]')
  const { values } = parseArgs({
    args: rest,
    options: {
      'latency-ms': { type: 'string' }, 'answer-delay-ms': { type: 'string' },
      rate429: { type: 'string' }, rate503: { type: 'string' }, 'retry-after': { type: 'string' },
      outage: { type: 'string' }, refuse: { type: 'string' }, 'rate-limit': { type: 'string' },
      'expire-tokens': { type: 'boolean' }, clear: { type: 'boolean' },
      backup: { type: 'boolean' }, restore: { type: 'boolean' }, move: { type: 'boolean' },
      'keep-tstamps': { type: 'boolean' }
    }
  })
  if (values.clear === true) return await admin(s, 'DELETE', '/sandbox/faults')
  const database = (['backup', 'restore', 'move'] as const).find((a) => values[a] === true)
  if (database !== undefined || values['keep-tstamps'] === true) {
    if (s.name !== 'sl') throw new Error('--backup, --restore and --move are for the SL sandbox')
    if (database === undefined) throw new Error('--keep-tstamps goes with --move')
    const options = database === 'move' ? { keepTstamps: values['keep-tstamps'] === true } : undefined
    return await admin(s, 'POST', `/sandbox/database/${database}`, options)
  }
  if (values['expire-tokens'] === true) {
    if (s.name !== 'clarity') throw new Error('--expire-tokens is for the Clarity sandbox (SL uses Basic auth)')
    return await admin(s, 'POST', '/sandbox/tokens/expire')
  }
  const map: Record<string, string> = {
    'latency-ms': 'latencyMs', 'answer-delay-ms': 'answerDelayMs', rate429: 'rate429', rate503: 'rate503',
    'retry-after': 'retryAfterSec', outage: 'outageSec', refuse: 'refuseSec', 'rate-limit': 'rateLimitPerSec'
  }
  const body: Record<string, number> = {}
  for (const [flag, key] of Object.entries(map)) {
    const v = values[flag as keyof typeof values]
    if (typeof v === 'string') body[key] = Number(v)
  }
  return Object.keys(body).length === 0
    ? await admin(s, 'GET', '/sandbox/faults')
    : await admin(s, 'PUT', '/sandbox/faults', body)
}
