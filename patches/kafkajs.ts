// kafkajs (2.2.4, no longer maintained) as the kit runs it: the library with the patches
// in this folder (README.md lists them). Most replace files of kafkajs in the require
// cache before the files that use them load, so kafkajs must be imported from here,
// never from 'kafkajs' directly (lib/kafka.ts and its parts do; the benchmarks also load
// a stock copy as their baseline).
import { createRequire } from 'node:module'
import type KafkaJS from 'kafkajs'
import * as checksum from './kafkajs-crc32c.ts'
import * as encoder from './kafkajs-encoder.ts'
import * as fetchGather from './kafkajs-fetch-gather.ts'
import * as grouping from './kafkajs-group-messages.ts'
import * as partitioner from './kafkajs-murmur2.ts'
import * as produceRequest from './kafkajs-produce-request.ts'
import * as recordDecoder from './kafkajs-record-decoder.ts'
import * as timer from './kafkajs-request-queue-timer.ts'

export { crc32c } from './kafkajs-crc32c.ts'
export { gatherWhileFlowing } from './kafkajs-fetch-gather.ts'
export { groupMessagesPerPartition } from './kafkajs-group-messages.ts'
export { murmur2 } from './kafkajs-murmur2.ts'

/** What a patch is given to reach into kafkajs; files are named as under kafkajs/src/. */
export interface Internals {
  /** The file's exports as kafkajs itself gets them now (replaced, if a patch before did). */
  load: <T>(file: string) => T
  /** From now on, every require of the file gets make(its stock exports). */
  replace: <T>(file: string, make: (stock: T) => object) => void
}

const require = createRequire(import.meta.url)
const FIXED = Symbol.for('clarity-sl-bridge.kafkajs-fixed')
const path = (file: string): string => require.resolve(`kafkajs/src/${file}`)

// A file is replaced before any file that requires it loads (the encoder and the
// checksum before the produce request, which pulls them in and writes into the fixed
// Encoder), and the prototypes come last: their modules load much of kafkajs.
const PATCHES = [grouping, encoder, checksum, partitioner, recordDecoder, produceRequest, timer, fetchGather]

function fix (): void {
  const cache = require.cache
  const loaded = cache[path('producer/groupMessagesPerPartition.js')]?.exports as { [FIXED]?: boolean } | undefined
  if (loaded?.[FIXED] === true) return // this process has it already
  if (cache[path('producer/sendMessages.js')] !== undefined ||
    cache[path('protocol/recordBatch/v0/index.js')] !== undefined) {
    throw new Error('kafkajs was loaded before patches/kafkajs.ts could fix it: ' +
      "import kafkajs from patches/kafkajs.ts, not from 'kafkajs'")
  }
  const internals: Internals = {
    load: <T>(file: string) => require(path(file)) as T,
    replace: (file, make) => {
      const stock = require(path(file))
      cache[path(file)]!.exports = Object.assign(make(stock), { [FIXED]: true })
    }
  }
  for (const patch of PATCHES) patch.install(internals)
}

fix()
export const kafkajs = require('kafkajs') as typeof KafkaJS

/**
 * A module of kafkajs as published (`kafkajs` or `kafkajs/src/…`), from a copy of its
 * own beside the fixed one, for the benchmarks' baseline and the tests' comparisons:
 * kafkajs' files are loaded afresh and the fixed ones put back in the require cache.
 */
export function stock<T> (id = 'kafkajs'): T {
  const dir = require.resolve('kafkajs').replace(/index\.js$/, '')
  const fixed = Object.entries(require.cache).filter(([file]) => file.startsWith(dir))
  for (const [file] of fixed) Reflect.deleteProperty(require.cache, file)
  try {
    return require(id) as T
  } finally {
    for (const file of Object.keys(require.cache)) if (file.startsWith(dir)) Reflect.deleteProperty(require.cache, file)
    for (const [file, m] of fixed) require.cache[file] = m
  }
}
