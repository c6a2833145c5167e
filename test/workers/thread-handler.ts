// A handler for the worker-thread tests: orders.status records from IN copied to OUT and
// marked with the thread that handled them, with one poison id, one id that fails
// retriably the first time a thread sees it, one id that ends a worker thread (poison on
// the main thread: a service that keeps running shows it never reached a worker), and a
// config switch that makes the handler fail to build.
import { isMainThread } from 'node:worker_threads'
import { poison, retriable } from '../../lib/errors.ts'
import type { HandlerFactory } from '../../lib/workers.ts'
import type { Topic } from '../../topology/topology.ts'

export interface ThreadTestConfig { SCHEMA_REGISTRY_URL: string, IN: Topic, OUT: Topic, BROKEN?: boolean }

export const POISON_ID = 13
export const FLAKY_ID = 21
export const FATAL_ID = 99

const failedOnce = new Set<number>()

export const createThreadTestHandler: HandlerFactory<ThreadTestConfig> = async ({ config, serde }) => {
  if (config.BROKEN === true) throw new Error('the test handler was told not to build')
  const input = await serde<{ clarityOrderId: number }>(config.IN)
  const out = await serde<{ clarityOrderId: number }>(config.OUT)
  return async (rec) => {
    const v = await input.decode(rec.value!)
    if (v.clarityOrderId === POISON_ID) throw poison('INVALID_RECORD', `order ${POISON_ID} is refused by the test handler`)
    if (v.clarityOrderId === FLAKY_ID && !failedOnce.has(FLAKY_ID)) {
      failedOnce.add(FLAKY_ID)
      throw retriable('UPSTREAM_UNAVAILABLE', 'the test handler fails this one once per thread')
    }
    if (v.clarityOrderId === FATAL_ID) {
      if (isMainThread) throw poison('INVALID_RECORD', `order ${FATAL_ID} reached the main thread`)
      process.exit(3)
    }
    return [{ topic: config.OUT.name, key: rec.key, value: out.encode(v), headers: { ...rec.headers, 'handled.by': isMainThread ? 'main' : 'worker' } }]
  }
}
