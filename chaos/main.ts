// npm run chaos -- [--orders N] [--minutes M] [--seed S] [--services a,b] [--instances K]
// Prints the plan, what it does as it goes, the checks and the figures; exits 1 when an
// invariant fails (the processes' logs are then kept, and the report names where).
import { parseArgs } from 'node:util'
import { ALL_SERVICES, runChaos } from './run.ts'

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '100000' },
    minutes: { type: 'string' },
    seed: { type: 'string' },
    services: { type: 'string' },
    instances: { type: 'string', default: '2' },
    'base-port': { type: 'string', default: '17600' }
  }
})
const orders = Number(values.orders)
// 100 orders a second unless told: the default 100,000 take about 17 minutes.
const minutes = values.minutes === undefined ? Math.max(1, orders / 100 / 60) : Number(values.minutes)
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed)
const services = values.services === undefined ? ALL_SERVICES : values.services.split(',').map((s) => s.trim())
const bad = [['--orders', orders], ['--minutes', minutes], ['--seed', seed], ['--instances', Number(values.instances)]]
  .filter(([, n]) => !Number.isFinite(n as number) || (n as number) < 0)
const unknown = services.filter((s) => !ALL_SERVICES.includes(s))
if (bad.length > 0 || unknown.length > 0) {
  process.stderr.write(`chaos: ${[...bad.map(([k]) => `${k} must be a number >= 0`), ...unknown.map((s) => `no service ${s}`)].join('; ')}\n`)
  process.exit(2)
}

const report = await runChaos({
  orders, minutes, seed, services, instances: Number(values.instances), basePort: Number(values['base-port'])
})
const out = (l: string): void => { process.stdout.write(`${l}\n`) }
out('')
for (const c of report.checks) out(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`)
out('')
for (const [k, v] of Object.entries(report.figures)) out(`${k.padEnd(24)} ${v}`)
out('')
out(report.ok
  ? `chaos: every invariant held (seed ${seed})`
  : `chaos: FAILED (replay with --seed ${seed} --orders ${orders} --minutes ${minutes}); logs in ${report.logs ?? '-'}`)
process.exit(report.ok ? 0 : 1)
