// Replaces: RequestQueue.prototype.scheduleCheckPendingRequests (kafkajs/src/network/requestQueue/index.js)
// Upstream: tulios/kafkajs#1556; its fix, #1667, was never released
// Gain: an idle service burnt ~6% of a core on this timer; now nothing while nothing waits
// Tested: test/unit/kit.test.ts, "kafkajs request queue"
// Remove: when kafkajs releases #1667, or if kafkajs is replaced
//
// kafkajs 2.2.4 re-arms a 1 ms timer for ever on every broker connection once its
// request queue has nothing waiting, and under load each connection still fired a
// thousand timers a second. Only a queue with requests waiting (throttled, or too
// many in flight) needs checking again later.
import type { Internals } from './kafkajs.ts'

interface RequestQueue {
  pending: unknown[]
  throttledUntil: number
  throttleCheckTimeoutId: NodeJS.Timeout | null
  checkPendingRequests: () => void
}

function scheduleCheckPendingRequests (this: RequestQueue): void {
  if (this.throttleCheckTimeoutId !== null || this.pending.length === 0) return
  const throttledFor = this.throttledUntil - Date.now()
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null
    this.checkPendingRequests()
  }, throttledFor > 0 ? throttledFor : 10)
}

export function install ({ load }: Internals): void {
  const queue = load<{ prototype: { scheduleCheckPendingRequests: unknown } }>('network/requestQueue/index.js')
  queue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests
}
