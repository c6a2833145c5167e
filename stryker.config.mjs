// `npm run mutate`: which of the pure rules' logic the unit tests would notice changing.
// Mutants that no test can tell from the original are listed in stryker.equivalent.md;
// the per-file floor is enforced by test/mutation/check.ts, not by Stryker (its own
// `break` threshold is one number for the whole run).
import { readFileSync } from 'node:fs'

// The decimal codec of lib/avro.ts only, from DecimalType to the line before parseSchema:
// the lines above it patch avsc's string paths, which are compared with stock avsc in their
// own tests and are not rules of the bridge. Found by name, so edits above it move nothing.
const avro = readFileSync(new URL('./lib/avro.ts', import.meta.url), 'utf8').split('\n')
const from = avro.findIndex((l) => l.startsWith('class DecimalType')) + 1
const to = avro.findIndex((l) => l.startsWith('export function parseSchema'))
if (from === 0 || to <= from) {
  throw new Error('stryker.config.mjs: lib/avro.ts no longer has class DecimalType before parseSchema')
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.unit.config.ts' },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  mutate: [
    'services/*/src/transform.ts',
    'services/clarity-ingest/src/signature.ts',
    'domain/mapping.ts',
    'domain/customers.ts',
    'domain/catalogue-mapping.ts',
    'domain/countries.ts',
    'domain/personal.ts',
    `lib/avro.ts:${from}-${to}`
  ],
  // The embedded broker's data and jars are large and no unit test reads them.
  ignorePatterns: ['.bridge', 'coverage', 'reports', '.ci/vitest-report.json', '*.log'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null }
}
