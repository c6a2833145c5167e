// The sandboxes keep their tables in memory and snapshot them to one JSON file:
// written atomically (temp file + rename) shortly after each change, and on stop.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

export interface Snapshotter<T> {
  load: () => T | undefined
  changed: () => void
  flush: () => void
}

export function snapshotter<T> (file: string | undefined, state: () => T, delayMs = 300): Snapshotter<T> {
  let timer: NodeJS.Timeout | undefined
  const flush = (): void => {
    if (timer !== undefined) { clearTimeout(timer); timer = undefined }
    if (file === undefined) return
    mkdirSync(dirname(file), { recursive: true })
    const tmp = `${file}.tmp`
    writeFileSync(tmp, JSON.stringify(state()))
    renameSync(tmp, file)
  }
  return {
    load: () => (file !== undefined && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as T : undefined),
    changed: () => {
      if (file === undefined || timer !== undefined) return
      timer = setTimeout(flush, delayMs)
      timer.unref()
    },
    flush
  }
}
