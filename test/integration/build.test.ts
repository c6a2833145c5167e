// Production runs the JavaScript that `npm run build` makes, with no TypeScript loader:
// the built order mapper (its handler on worker threads, its schemas and mapping files
// found from dist/) maps an order that the rest of the flow takes to SL.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../../lib/paths.ts'
import { place, shopper, slOrders, startFlow, stock, type Flow } from '../orders-harness.ts'
import { env, waitFor } from '../helpers.ts'

let f: Flow
let mapper: ChildProcess | undefined
let exited: Promise<number | null> = Promise.resolve(null)

beforeAll(async () => {
  // Incremental: quick when `npm test` has just built.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: projectRoot, stdio: 'inherit' })
  f = await startFlow({ ...env(), only: ['clarity-ingest', 'sl-order-sink', 'sl-shipper-source', 'clarity-order-sink'] })
  stock(f, 'WIDGET-RED-L')
})
afterAll(async () => {
  mapper?.kill('SIGTERM')
  await exited
  await f?.stop()
})

describe('the build', () => {
  it('the built order mapper runs under plain node, with worker threads, and maps orders to SL', async () => {
    const main = join(projectRoot, 'dist/services/order-mapper/src/main.js')
    expect(existsSync(main)).toBe(true)
    const vars = Object.fromEntries(Object.entries(f.common).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]))
    let stderr = ''
    mapper = spawn(process.execPath, [main], {
      cwd: '/',
      env: { PATH: process.env.PATH, ...vars, HTTP_PORT: '0', LOG_LEVEL: 'warn', MAPPER_WORKERS: '2' },
      stdio: ['ignore', 'ignore', 'pipe']
    })
    mapper.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
    exited = new Promise((resolve) => mapper!.once('exit', resolve))
    const id = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 2 }]))
    await waitFor('the order in SL', () => {
      if (mapper!.exitCode !== null) throw new Error(`the built mapper exited with ${mapper!.exitCode}: ${stderr}`)
      return slOrders(f, String(id)).length === 1
    }, 60000)
    expect(slOrders(f, String(id))[0]!.Lines.map((l) => [l.InvtID, l.QtyOrd])).toEqual([['WIDGET-RED-L', 2]])
  })
})
