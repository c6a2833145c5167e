// The per-file floor of `npm run mutate`. Stryker's own `thresholds.break` is one number for
// the whole run, so one file could fall far below while the others carry the total; this
// reads Stryker's JSON report and fails, naming the file, when any file is under its floor.
// Survivors listed in stryker.equivalent.md (no test can tell them from the original) are
// set aside before the score is compared; any other survivor counts against its file.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '../..')
const REPORT = join(ROOT, 'reports/mutation/mutation.json')
const EQUIVALENT = join(ROOT, 'stryker.equivalent.md')

/** Mutation score (%) each file must keep once its listed equivalents are set aside. */
const FLOOR = 95
const FLOORS: Record<string, number> = {
  'services/clarity-ingest/src/signature.ts': 100
}

interface Location { start: { line: number, column: number }, end: { line: number, column: number } }
interface Mutant { mutatorName: string, replacement?: string, status: string, location: Location }
interface Report { files: Record<string, { source: string, mutants: Mutant[] }> }
interface Entry { file: string, line: number, mutator: string, original: string, replacement: string }

if (!existsSync(REPORT)) {
  console.error(`no mutation report at ${REPORT}: run \`npm run mutate\``)
  process.exit(1)
}
const report = JSON.parse(readFileSync(REPORT, 'utf8')) as Report

/** How a piece of code is written in the list: its first line, spaces collapsed. */
const shown = (code: string): string => (code.split('\n')[0] ?? '').replace(/\s+/g, ' ').trim().slice(0, 80)
const originalOf = (source: string, l: Location): string => {
  const lines = source.split('\n')
  return shown(l.start.line === l.end.line
    ? lines[l.start.line - 1]!.slice(l.start.column - 1, l.end.column - 1)
    : lines[l.start.line - 1]!.slice(l.start.column - 1))
}

// | file | line | mutator | `original` | `replacement` | why |, with \| for a | inside a cell.
const entries: Entry[] = existsSync(EQUIVALENT)
  ? readFileSync(EQUIVALENT, 'utf8').split('\n').filter((l) => /^\|\s*`?[\w./-]+\.ts`?\s*\|\s*\d+\s*\|/.test(l)).map((l) => {
    const cells = l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim().replace(/\\\|/g, '|').replace(/^`(.*)`$/, '$1'))
    return { file: cells[0]!, line: Number(cells[1]), mutator: cells[2]!, original: cells[3]!, replacement: cells[4]! }
  })
  : []

// Stryker's score: killed and timed out over every mutant that ran or that no test reached.
const DETECTED = ['Killed', 'Timeout']
const COUNTED = [...DETECTED, 'Survived', 'NoCoverage']
const unused = new Set(entries)
const rows = Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b)).map(([file, f]) => {
  const counted = f.mutants.filter((m) => COUNTED.includes(m.status))
  const detected = counted.filter((m) => DETECTED.includes(m.status)).length
  const alive = counted.filter((m) => !DETECTED.includes(m.status))
    .sort((a, b) => a.location.start.line - b.location.start.line)
  // A listed entry stands for one survivor with the same code and change, the nearest to its line:
  // lines move when the file is edited, the code and the change do not.
  const equivalent = new Set<Mutant>()
  for (const e of entries.filter((x) => x.file === file)) {
    const candidates = alive.filter((m) => !equivalent.has(m) && m.mutatorName === e.mutator && shown(m.replacement ?? '') === e.replacement && originalOf(f.source, m.location) === e.original)
    const distance = (m: (typeof candidates)[number]): number => Math.abs(m.location.start.line - e.line)
    const nearest = candidates.sort((a, b) => distance(a) - distance(b))[0]
    if (nearest !== undefined) { equivalent.add(nearest); unused.delete(e) }
  }
  const score = (n: number, of: number): number => of === 0 ? 100 : 100 * n / of
  return {
    file, mutants: counted.length, alive, equivalent, floor: FLOORS[file] ?? FLOOR,
    stryker: score(detected, counted.length), score: score(detected, counted.length - equivalent.size)
  }
})

const width = Math.max(...rows.map((r) => r.file.length))
console.log(`\n${'file'.padEnd(width)}  mutants  Stryker's score  listed equivalent  score  floor`)
for (const r of rows) {
  console.log(`${r.file.padEnd(width)}  ${String(r.mutants).padStart(7)}  ${r.stryker.toFixed(1).padStart(15)}  ${String(r.equivalent.size).padStart(17)}  ${r.score.toFixed(1).padStart(5)}  ${String(r.floor).padStart(5)}${r.score < r.floor ? '  BELOW' : ''}`)
}
for (const e of unused) console.log(`stryker.equivalent.md: ${e.file}:${e.line} ${e.mutator} \`${e.original}\` → \`${e.replacement}\` matches no surviving mutant any more (killed, or the code changed): take it off the list`)

const below = rows.filter((r) => r.score < r.floor)
for (const r of below) {
  console.error(`\n${r.file}: mutation score ${r.score.toFixed(1)}% is below its floor of ${r.floor}%. Mutants no test noticed (not listed as equivalent):`)
  for (const m of r.alive.filter((x) => !r.equivalent.has(x))) {
    console.error(`  ${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName}: \`${originalOf(report.files[r.file]!.source, m.location)}\` → \`${shown(m.replacement ?? '')}\``)
  }
}
if (below.length > 0) {
  console.error(`\n${below.length} file(s) below their mutation-score floor: ${below.map((r) => r.file).join(', ')}`)
  process.exit(1)
}
console.log(`\nevery file at or above its floor: ${FLOOR}%, ${Object.entries(FLOORS).map(([f, n]) => `${f} ${n}%`).join(', ')}`)
