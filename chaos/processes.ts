// The processes of a chaos run, each killed and restarted at will: spawned with its output
// in a log file, killed with SIGKILL (no chance to leave cleanly), and restarted when it
// exits on its own, as a supervisor (systemd, Kubernetes) would; and the balancer Clarity's
// webhooks go through, as one would in front of two clarity-ingests.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { nodeCommand } from '../infra/processes.ts'
import { projectRoot } from '../lib/paths.ts'

export interface Proc {
  name: string
  /** HTTP_PORT: /readyz, /metrics. */
  port: number
  running: () => boolean
  /** Starts it, and keeps it running: an exit not asked for is followed by a start 2 to 15 s later. */
  start: () => void
  /** SIGKILL, and no start until asked for. */
  kill: () => void
  /** Resolves once /readyz answers 200, or rejects after `ms`. */
  ready: (ms: number) => Promise<void>
  starts: number
  /** Exits not asked for (a start that gave up, say, with the broker away). */
  exits: number
}

/** Built JavaScript when there is (npm run chaos builds first), as production runs it; else the sources. */
const runnable = (script: string): string => {
  const js = join(projectRoot, 'dist', script.replace(/\.ts$/, '.js'))
  return existsSync(join(projectRoot, 'dist', '.built')) && existsSync(js) ? js : join(projectRoot, script)
}

export interface ProcOptions {
  name: string
  script: string
  port: number
  env: Record<string, string>
  logDir: string
  readyPath?: string
}

export function proc (o: ProcOptions): Proc {
  let child: ChildProcess | undefined
  let alive = false
  let wanted = false
  let backoff = 1000
  mkdirSync(o.logDir, { recursive: true })
  const spawnIt = (): void => {
    const { bin, args } = nodeCommand(runnable(o.script))
    const out = openSync(join(o.logDir, `${o.name}.log`), 'a')
    child = spawn(bin, args, { cwd: projectRoot, stdio: ['ignore', out, out], env: { ...process.env, ...o.env } })
    closeSync(out)
    alive = true
    p.starts++
    const mine = child
    const at = Date.now()
    mine.once('exit', () => {
      if (child !== mine) return
      alive = false
      if (!wanted) return
      p.exits++
      // Backing off as a supervisor does: a start that fails at once (the broker away) waits longer each time.
      backoff = Date.now() - at > 30_000 ? 2000 : Math.min(15_000, backoff * 2)
      setTimeout(() => { if (wanted && !alive) spawnIt() }, backoff)
    })
  }
  const p: Proc = {
    name: o.name, port: o.port, starts: 0, exits: 0,
    running: () => alive,
    start () {
      wanted = true
      if (!alive) spawnIt()
    },
    kill () {
      wanted = false
      if (child !== undefined && alive) child.kill('SIGKILL')
      alive = false
    },
    async ready (ms) {
      const until = Date.now() + ms
      while (Date.now() < until) {
        if (!alive) throw new Error(`${o.name} exited while starting; see ${join(o.logDir, `${o.name}.log`)}`)
        const ok = await fetch(`http://127.0.0.1:${o.port}${o.readyPath ?? '/readyz'}`).then((r) => r.ok, () => false)
        if (ok) return
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      throw new Error(`${o.name} was not ready within ${ms / 1000} s; see ${join(o.logDir, `${o.name}.log`)}`)
    }
  }
  return p
}

export interface Balancer {
  url: string
  /** Event ids a clarity-ingest answered 2xx, as Clarity saw them. */
  accepted: Set<string>
  close: () => Promise<void>
}

/**
 * Round robin over the instances that run; a failed hop is Clarity's failed delivery (502),
 * which it retries, as behind a real load balancer.
 */
export async function webhookBalancer (
  port: number, targets: Array<{ url: string, up: () => boolean }>
): Promise<Balancer> {
  const accepted = new Set<string>()
  let next = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const up = targets.filter((t) => t.up())
      const target = up[next++ % Math.max(1, up.length)]
      if (target === undefined) { res.writeHead(502).end(); return }
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length') headers[k] = v
      }
      fetch(`${target.url}${req.url ?? ''}`, { method: req.method, headers, body: Buffer.concat(chunks) })
        .then(async (r) => {
          const body = Buffer.from(await r.arrayBuffer())
          const id = req.headers['clarity-event-id']
          if (r.ok && typeof id === 'string') accepted.add(id)
          const h: Record<string, string> = {}
          const retry = r.headers.get('retry-after')
          if (retry !== null) h['retry-after'] = retry
          res.writeHead(r.status, h).end(body)
        }, () => { res.writeHead(502).end() })
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}/webhooks/clarity`,
    accepted,
    close: async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)) }
  }
}
