// Runs the echo service as its own process. With CRASH=1 it dies by SIGKILL right
// after the side effect of the first record, before anything is committed.
import { appendFileSync } from 'node:fs'
import { common, loadConfig, str, oneOf } from '../../lib/config.ts'
import { startService } from '../../lib/service.ts'
import { testTopic } from './topics.ts'
import { echo } from './echo.ts'

const c = loadConfig({
  ...common,
  IN_TOPIC: str('input topic'),
  OUT_TOPIC: str('output topic'),
  GROUP: str('consumer group and service name'),
  EFFECTS_FILE: str('file the side effects are appended to'),
  CRASH: oneOf('die after the first side effect', ['0', '1'] as const, '0')
})
const input = testTopic(c.IN_TOPIC, 'orders.status')
const out = testTopic(c.OUT_TOPIC, 'orders.status')

await startService({
  service: { name: c.GROUP, doc: 'test worker', consumes: [input], produces: [out], calls: [] },
  config: { ...c, HTTP_PORT: 0 },
  fromBeginning: true,
  handler: echo(input, out, async (_value, rec) => {
    appendFileSync(c.EFFECTS_FILE, `${rec.partition}:${rec.offset}\n`)
    if (c.CRASH === '1') process.kill(process.pid, 'SIGKILL')
  })
})
process.stdout.write('ready\n')
