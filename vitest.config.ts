import { defineConfig } from 'vitest/config'

// Two projects: `unit` needs no broker or registry and runs in seconds
// (`npx vitest run --project unit`); `integration` runs against the real broker and
// registry, which its global setup finds or starts. A third, `chaos`, runs once both are
// done: a short chaos run (README "What it survives") on a broker and registry of its own,
// which it kills. `npm test` runs all three; CHAOS=0 leaves the chaos run out.
const chaos = {
  test: {
    name: 'chaos',
    include: ['test/chaos/**/*.test.ts'],
    // Alone: it starts some thirty processes and kills its own broker.
    testTimeout: 900000,
    pool: 'forks',
    sequence: { groupOrder: 1 }
  }
}

export default defineConfig({
  test: {
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'test/unit/**/*.test.ts', 'test/contract/**/*.test.ts',
            'services/**/test/**/*.test.ts', 'sandboxes/**/test/**/*.test.ts'
          ],
          // The sandbox tests start and stop real processes.
          testTimeout: 60000,
          pool: 'forks',
          sequence: { groupOrder: 0 }
        }
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/infra.ts'],
          // Integration tests share one broker; each makes its own topics and groups.
          testTimeout: 120000,
          hookTimeout: 180000,
          pool: 'forks',
          sequence: { groupOrder: 0 }
        }
      },
      ...process.env.CHAOS === '0' ? [] : [chaos]
    ]
  }
})
