// Worker threads do not inherit the loader hooks of `node --import tsx`: a TypeScript
// module (development and tests) registers them here first; the built JavaScript needs none.
import { workerData } from 'node:worker_threads'

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api')
  register()
}
await import(workerData.entry)
