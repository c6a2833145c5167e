// Background processes the CLI starts and stops: the embedded broker and registry,
// the sandboxes. Each lives in a folder with its pid file and its log.
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'

export interface Endpoint { name: string, running: boolean, pid?: number, address: string, detail: string }

export interface ProcessSpec {
  name: string
  dir: string
  port: number
  address: string
  /** What to tell a user whose port is taken by something else. */
  elsewhere: string
  /** Prepares whatever is needed and answers what to run. */
  command: () => { bin: string, args: string[], env?: NodeJS.ProcessEnv }
  ready: () => Promise<boolean>
  timeoutMs?: number
}

export function portOpen (port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host })
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
  })
}

export const alive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true } catch { return false }
}

export function readPid (dir: string): number | undefined {
  const f = join(dir, 'pid')
  if (!existsSync(f)) return undefined
  const pid = Number(readFileSync(f, 'utf8'))
  return Number.isInteger(pid) && alive(pid) ? pid : undefined
}

/** Starts the process unless ours already runs; waits until it is ready. Idempotent. */
export async function ensureRunning (spec: ProcessSpec): Promise<Endpoint> {
  const running = readPid(spec.dir)
  if (running !== undefined) {
    return { name: spec.name, running: true, pid: running, address: spec.address, detail: 'already running' }
  }
  if (await portOpen(spec.port)) throw new Error(`port ${spec.port} is taken by another process; ${spec.elsewhere}`)
  const { bin, args, env } = spec.command()
  mkdirSync(spec.dir, { recursive: true })
  const logFile = join(spec.dir, 'out.log')
  const out = openSync(logFile, 'a')
  const child = spawn(bin, args, {
    cwd: spec.dir, detached: true, stdio: ['ignore', out, out], env: env ?? process.env
  })
  closeSync(out)
  child.unref()
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not start ${spec.name} (${bin})`)
  writeFileSync(join(spec.dir, 'pid'), String(pid))
  const timeoutMs = spec.timeoutMs ?? 120000
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await spec.ready().catch(() => false)) {
      return { name: spec.name, running: true, pid, address: spec.address, detail: 'started' }
    }
    if (!alive(pid)) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : ''
      throw new Error(`${spec.name} exited while starting; the end of ${logFile}:\n${tail}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`${spec.name} did not become ready within ${timeoutMs / 1000} s; see ${logFile}`)
}

export async function stopProcess (name: string, dir: string, say: (l: string) => void): Promise<void> {
  const pid = readPid(dir)
  if (pid === undefined) { say(`${name}: not running`); return }
  process.kill(pid, 'SIGTERM')
  const until = Date.now() + 30000
  while (alive(pid) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200))
  if (alive(pid)) process.kill(pid, 'SIGKILL')
  rmSync(join(dir, 'pid'), { force: true })
  say(`${name}: stopped (pid ${pid})`)
}

/** node running a script from any working directory: TypeScript through tsx, the built JavaScript as it is. */
export function nodeCommand (script: string): { bin: string, args: string[] } {
  if (!script.endsWith('.ts')) return { bin: process.execPath, args: [script] }
  return { bin: process.execPath, args: ['--import', import.meta.resolve('tsx'), script] }
}
