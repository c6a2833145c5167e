#!/usr/bin/env node
// The CLI. It runs the JavaScript that `npm run build` made (dist/), which is what
// `npm start` and production use. It runs the TypeScript sources through tsx (a
// development dependency) instead when there is no build, when a source is newer than
// the build (a checkout being worked on), or with BRIDGE_FROM_SOURCE=1.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
// Written after each build, so an unchanged source that was only touched counts too.
const stamp = join(root, 'dist', '.built')
const SOURCES = ['lib', 'domain', 'patches', 'cli', 'infra', 'topology', 'sandboxes', 'services']

function newerThan (dir, t) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory() ? newerThan(p, t) : /\.(ts|mjs)$/.test(e.name) && statSync(p).mtimeMs > t) return true
  }
  return false
}

async function tsx () {
  try {
    return await import('tsx/esm/api')
  } catch {
    return undefined
  }
}

let main
const built = existsSync(stamp)
const loader = await tsx() // none in a production install
const fromSource = loader !== undefined && (!built || process.env.BRIDGE_FROM_SOURCE === '1' ||
  SOURCES.some((d) => newerThan(join(root, d), statSync(stamp).mtimeMs)))
if (fromSource) {
  loader.register()
  ;({ main } = await import('../cli/main.ts'))
} else if (built) {
  ({ main } = await import('../dist/cli/main.js'))
} else {
  console.error('bridge: no build in dist/ and no tsx to run the sources: run `npm ci && npm run build` first')
  process.exit(1)
}
process.exitCode = await main(process.argv.slice(2))
