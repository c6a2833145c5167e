// Runs a sandbox app as a process: listen, let the admin API refuse connections,
// stop cleanly on SIGTERM/SIGINT (state is flushed on close).
import type { FastifyInstance } from 'fastify'
import { bindRefuse, type FaultState } from './faults.ts'

export async function serve (
  name: string, app: FastifyInstance, faults: FaultState, port: number, host = '127.0.0.1'
): Promise<void> {
  await app.listen({ port, host })
  bindRefuse(app, faults, port, host)
  process.stdout.write(`${name} listening on http://${host}:${port}\n`)
  const stop = (): void => {
    const timer = setTimeout(() => process.exit(1), 5000)
    timer.unref()
    void app.close().then(() => process.exit(0))
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}
