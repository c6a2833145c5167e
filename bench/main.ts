// npm run bench -- <name>: prints figures; never a pass/fail test.
const benches: Record<string, () => Promise<void>> = {
  kit: async () => { await (await import('./kit.ts')).run() },
  orders: async () => { await (await import('./orders.ts')).run() },
  inventory: async () => { await (await import('./inventory.ts')).run() }
}
const name = process.argv[2] ?? 'kit'
const bench = benches[name]
if (bench === undefined) {
  process.stderr.write(`unknown bench "${name}"; one of: ${Object.keys(benches).join(', ')}\n`)
  process.exit(2)
}
await bench()
process.exit(0)
