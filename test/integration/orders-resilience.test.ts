// The order flow when things go wrong: the sink dies between SL's answer and its
// commit; SL is down for 30 s with throttling around it.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../../infra/embedded.ts'
import { nodeCommand } from '../../infra/processes.ts'
import { clarityOrder, place, shopper, slOrders, startFlow, stock, type Flow } from '../orders-harness.ts'
import { env, recordCount, useBroker, waitFor } from '../helpers.ts'

const b = useBroker()
let f: Flow

beforeAll(async () => {
  // Everything but the SL order sink, which runs as a process of its own so it can be killed.
  f = await startFlow({ ...env(), logLevel: process.env.TEST_LOG_LEVEL, only: ['clarity-ingest', 'order-mapper', 'sl-shipper-source', 'clarity-order-sink'] })
  for (const sku of ['WIDGET-RED-L', 'WIDGET-BLUE-M']) stock(f, sku)
})
afterAll(async () => { await f.stop() })

function sinkProcess (): { child: ChildProcess, exited: Promise<unknown> } {
  const vars = Object.fromEntries(Object.entries(f.common).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]))
  const { bin, args } = nodeCommand(join(projectRoot, 'services/sl-order-sink/src/main.ts'))
  const child = spawn(bin, args, { cwd: projectRoot, env: { ...process.env, ...vars, HTTP_PORT: '0', LOG_LEVEL: 'warn' }, stdio: ['ignore', process.env.TEST_SINK_LOG === undefined ? 'ignore' : 'inherit', 'inherit'] })
  return { child, exited: new Promise((resolve) => child.once('exit', resolve)) }
}
const faults = (body: object) => f.sl.app.inject({ method: 'PUT', url: '/sandbox/faults', payload: body })

describe('order flow under failure', () => {
  it('killed between SL\'s answer and the commit, the sink still makes exactly one SL order', async () => {
    let sink = sinkProcess()
    try {
      // SL writes the order, then takes 5 s to answer: the sink is killed inside that window.
      await faults({ answerDelayMs: 5000 })
      const id = await place(f, shopper([{ sku: 'WIDGET-RED-L', quantity: 1 }]))
      await waitFor('SL to create the order', () => slOrders(f, String(id)).length === 1, 60000)
      sink.child.kill('SIGKILL')
      await sink.exited
      await f.sl.app.inject({ method: 'DELETE', url: '/sandbox/faults' })
      sink = sinkProcess()
      // Confirmed by the restarted sink, or already shipped by SL's warehouse while the sink was down.
      await waitFor('the order confirmed or shipped in Clarity', () => ['Confirmed', 'Shipped'].includes(clarityOrder(f, id).StatusKey), 60000)
      await waitFor('the sink to commit past the order', async () => (await b.admin.groupOffsets(`${f.prefix.replace(/\./g, '-')}sl-order-sink`, `${f.prefix}orders.mapped`)).some((o) => o.offset !== '-1'))
      expect(slOrders(f, String(id))).toHaveLength(1)
      const c = clarityOrder(f, id)
      if (c.StatusKey === 'Confirmed') expect(c.ErpOrderNumber).toBe(slOrders(f, String(id))[0]!.OrdNbr)
    } finally {
      sink.child.kill('SIGTERM')
      await sink.exited
    }
  })

  it('an SL outage of 30 s with 429s around it: every order arrives once, none dead-lettered', async () => {
    const sink = sinkProcess()
    try {
      await faults({ rate429: 0.3, retryAfterSec: 1 })
      const early = [await place(f, shopper([{ sku: 'WIDGET-BLUE-M', quantity: 1 }]))]
      await faults({ outageSec: 30 })
      const during = []
      for (let i = 0; i < 4; i++) during.push(await place(f, shopper([{ sku: 'WIDGET-BLUE-M', quantity: 1 }])))
      const all = [...early, ...during]
      await waitFor('every order in SL after the outage', () => all.every((id) => slOrders(f, String(id)).length >= 1), 90000)
      await faults({ rate429: 0, outageSec: 0 })
      await waitFor('every order confirmed in Clarity', () => all.every((id) => clarityOrder(f, id).StatusKey !== 'Pending'), 60000)
      for (const id of all) expect(slOrders(f, String(id)), `order ${id}`).toHaveLength(1)
      expect(await recordCount(b.admin, `${f.prefix}orders.mapped.dlq`)).toBe(0)
      expect(f.sl.faults.counters.outage).toBeGreaterThan(0)
    } finally {
      sink.child.kill('SIGTERM')
      await sink.exited
    }
  })
})
