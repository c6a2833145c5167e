import { defineConfig } from 'vitest/config'

// Two projects: `unit` needs no broker or registry and runs in seconds
// (`npx vitest run --project unit`); `integration` runs against the real broker and
// registry, which its global setup finds or starts. `npm test` runs both.
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
          pool: 'forks'
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
          pool: 'forks'
        }
      }
    ]
  }
})
