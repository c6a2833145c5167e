import { defineConfig } from 'vitest/config'

// The tests that need no broker, registry or sandbox: what `npm run mutate` runs each
// mutant against. `npm test` (vitest.config.ts) runs these too, with everything else.
export default defineConfig({
  test: {
    include: ['services/*/test/**/*.test.ts', 'test/unit/**/*.test.ts'],
    pool: 'forks',
    reporters: ['default']
  }
})
