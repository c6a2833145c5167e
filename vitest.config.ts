import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'services/**/test/**/*.test.ts', 'sandboxes/**/test/**/*.test.ts'],
    globalSetup: ['test/setup/infra.ts'],
    // Integration tests share one broker; each makes its own topics and groups.
    testTimeout: 120000,
    hookTimeout: 180000,
    pool: 'forks',
    reporters: ['default']
  }
})
