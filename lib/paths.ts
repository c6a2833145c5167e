// Where the bridge's own files are (mappings, schemas), wherever it is started from, and
// whether this is the built JavaScript (dist/) or the TypeScript sources run through tsx.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

/** The folder with the code that is running: the project itself, or dist/ when built. */
export const codeRoot = dirname(here)

/** The project: the folder with package.json, schemas/ and mappings/ (the parent of dist/ when built). */
export const projectRoot = existsSync(join(codeRoot, 'package.json')) ? codeRoot : dirname(codeRoot)

/** True when running the JavaScript that `npm run build` made. */
export const built = import.meta.url.endsWith('.js')

/** A source file of the project, as the code that runs it: `services/x/src/main.ts` or its built `.js`. */
export function codePath (source: string): string {
  return join(codeRoot, built ? source.replace(/\.ts$/, '.js') : source)
}

/** A module beside the caller's, named by its source file, as a URL (for workers and dynamic imports). */
export function besideUrl (callerUrl: string, source: string): string {
  return new URL(callerUrl.endsWith('.js') ? source.replace(/\.ts$/, '.js') : source, callerUrl).href
}
