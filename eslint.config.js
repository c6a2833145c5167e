// neostandard (standard's rules for TypeScript) plus the house limits: a line fits in 120
// characters, a file in 300 lines and a function in 100 (tests excepted, where a table or a
// describe block reads better whole), and a transform does no I/O.
import neostandard from 'neostandard'

const sizes = { skipBlankLines: true, skipComments: true }

// A transform is a pure function of its input: nothing that reaches a socket, a file, a
// process, a clock source outside the record, or the environment.
const io = [
  'node:fs', 'node:fs/promises', 'node:net', 'node:http', 'node:https', 'node:http2', 'node:dgram',
  'node:child_process', 'node:worker_threads', 'node:cluster', 'fs', 'net', 'http', 'https',
  'undici', 'kafkajs', 'fastify', 'pino', '@kafkajs/confluent-schema-registry'
]
const kitIo = ['kafka*', 'registry', 'service', 'http', 'logger', 'lifecycle', 'cursor', 'feed-source', 'poller',
  'consumer-loop', 'workers', 'serdes', 'metrics', 'config'].map((m) => `**/lib/${m}.ts`)

// ARCHITECTURE.md's "what may import what", checked.
const boundaries = (patterns) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map(([group, message]) => ({ group, message })) }]
})
const kafkajsOnlyInKit = [['kafkajs', 'kafkajs/*'], 'only lib/kafka*.ts use kafkajs (through patches/kafkajs.ts)']
const kitBoundary = [
  ['**/infra/**', '**/cli/**', '**/sandboxes/**', '**/services/**', '**/domain/**'],
  'lib/ is the kit: no domain rules, services or tools'
]
const serviceBoundaries = [
  [['**/infra/**', '**/cli/**', '**/sandboxes/**'], 'a service uses lib/, domain/ and topology/ only'],
  [['../../*/src/**', '../../../services/**'], 'services never import each other: share through lib/ or domain/'],
  kafkajsOnlyInKit
]

export default [
  ...neostandard({
    ts: true,
    ignores: ['node_modules/**', 'dist/**', '.bridge/**', '.ci/**', 'reports/**', '.stryker-tmp/**']
  }),
  {
    rules: {
      '@stylistic/max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
      'max-lines': ['error', { max: 300, ...sizes }],
      'max-lines-per-function': ['error', { max: 100, ...sizes }],
      // Lookup tables (topology, sandboxes' seed data, SL records) keep several short properties a line.
      '@stylistic/object-property-newline': 'off',
      // `void promise` marks a deliberate fire-and-forget.
      'no-void': ['error', { allowAsStatement: true }]
    }
  },
  {
    files: ['**/test/**/*.ts', '**/*.test.ts', 'bench/**/*.ts', 'chaos/**/*.ts'],
    rules: {
      // Test titles and fixture strings are read whole.
      '@stylistic/max-len': ['error', {
        code: 120, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreStrings: true, ignoreTemplateLiterals: true
      }],
      'max-lines': ['error', { max: 400, ...sizes }],
      'max-lines-per-function': 'off'
    }
  },
  {
    files: ['services/**/*.ts'],
    ignores: ['services/*/test/**'],
    rules: boundaries(serviceBoundaries)
  },
  {
    files: ['domain/**/*.ts'],
    rules: boundaries([
      [['../lib/*', '!../lib/errors.ts', '!../lib/personal-keys.ts', '../lib/*/**'],
        'domain/ uses only domain/, lib/errors.ts and lib/personal-keys.ts'],
      [['**/infra/**', '**/cli/**', '**/sandboxes/**', '**/services/**', '**/topology/**'], 'domain/ is rules only'],
      kafkajsOnlyInKit
    ])
  },
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/kafka*.ts'],
    rules: boundaries([
      kitBoundary,
      kafkajsOnlyInKit
    ])
  },
  {
    files: ['lib/kafka*.ts'],
    rules: boundaries([
      kitBoundary
    ])
  },
  {
    files: ['services/*/src/transform.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: io.map((name) => ({ name, message: 'a transform is pure: do the I/O in service.ts' })),
        patterns: [
          { group: kitIo, message: 'a transform is pure: do the I/O in service.ts' },
          ...serviceBoundaries.map(([group, message]) => ({ group, message }))
        ]
      }],
      'n/no-process-env': 'error',
      'no-restricted-globals': ['error', { name: 'fetch', message: 'a transform is pure: do the I/O in service.ts' }]
    }
  }
]
