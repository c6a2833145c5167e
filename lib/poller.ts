// The one poll loop for sources that read an external change feed: poll, back off
// on retriable failures (the external system is away), stop the process on fatal ones.
import { classify } from './errors.ts'
import { backoffMs } from './consumer-loop.ts'
import type { Logger } from './logger.ts'
import type { Metrics } from './metrics.ts'

export interface PollerOptions {
  name: string
  intervalMs: number
  /** One round; answers true when there is more to read right away. */
  poll: () => Promise<boolean>
  logger: Logger
  metrics: Metrics
  onFatal: (message: string) => void
  backoff?: { initialMs: number, maxMs: number }
}

export function startPoller (o: PollerOptions): { stop: () => Promise<void>, polledOnce: () => boolean } {
  let running = true
  let once = false
  let wake: (() => void) | undefined
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    wake = () => { clearTimeout(t); resolve() }
  })
  const done = (async () => {
    let failures = 0
    // eslint-disable-next-line no-unmodified-loop-condition -- stop() clears it while the loop awaits
    while (running) {
      let delay = o.intervalMs
      try {
        const more = await o.poll()
        once = true
        failures = 0
        if (more) delay = 0
      } catch (raw) {
        const err = classify(raw)
        o.metrics.errors.inc({ kind: err.kind, code: err.code })
        if (err.kind === 'fatal') { o.onFatal(`${o.name}: ${err.code}: ${err.message}`); return }
        delay = backoffMs(failures++, o.backoff ?? { initialMs: 500, maxMs: 30000 }, err.retryAfterMs)
        o.logger.warn({ poller: o.name, code: err.code, reason: err.message, delayMs: delay }, 'poll failed; retrying')
      }
      if (running && delay > 0) await sleep(delay)
    }
  })()
  return {
    polledOnce: () => once,
    stop: async () => { running = false; wake?.(); await done }
  }
}
