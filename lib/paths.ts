// Where the bridge's own files are (mappings, schemas), wherever it is started from.
import { fileURLToPath } from 'node:url'

export const projectRoot = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')
