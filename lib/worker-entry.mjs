// Worker threads do not inherit the loader hooks of `node --import tsx`: register them
// here, then load the TypeScript module the worker runs.
import { register } from 'tsx/esm/api'
import { workerData } from 'node:worker_threads'

register()
await import(workerData.entry)
