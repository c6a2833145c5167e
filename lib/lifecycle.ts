import type { Logger } from './logger.ts'

// SIGTERM/SIGINT drain in-flight work and disconnect in reverse order of start;
// orchestrators kill at ~10 s, so the whole stop must fit inside that.
export const STOP_TIMEOUT_MS = 9000

export interface Lifecycle {
  onStop: (name: string, fn: () => Promise<void>) => void
  stop: (code: number, reason?: string) => Promise<never>
}

export function createLifecycle (
  logger: Logger, exit: (code: number) => never = process.exit, trapSignals = true
): Lifecycle {
  const steps: Array<{ name: string, fn: () => Promise<void> }> = []
  let stopping: Promise<never> | undefined

  const lifecycle: Lifecycle = {
    onStop (name, fn) { steps.push({ name, fn }) },
    stop (code, reason) {
      stopping ??= (async () => {
        if (code === 0) logger.info({ reason }, 'stopping')
        else logger.fatal({ reason, code }, 'stopping on a fatal error')
        const timer = setTimeout(() => {
          logger.error('stop took too long; exiting')
          exit(code === 0 ? 1 : code)
        }, STOP_TIMEOUT_MS)
        timer.unref()
        for (const step of steps.reverse()) {
          const t0 = Date.now()
          try {
            await step.fn()
            logger.debug({ step: step.name, ms: Date.now() - t0 }, 'stopped')
          } catch (err) {
            logger.warn({ err, step: step.name }, 'stop step failed')
          }
        }
        logger.flush?.()
        return exit(code)
      })()
      return stopping
    }
  }
  if (trapSignals) {
    process.once('SIGTERM', () => { void lifecycle.stop(0, 'SIGTERM') })
    process.once('SIGINT', () => { void lifecycle.stop(0, 'SIGINT') })
  }
  return lifecycle
}
