// Finds a JDK of at least a given major version: JAVA_HOME, the PATH, then the
// usual install folders. Kafka 4 needs 17; Apicurio Registry 3.3 needs 21.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'

export function javaMajor (bin: string): number | undefined {
  // `java -version` writes to stderr.
  const r = spawnSync(bin, ['-version'], { encoding: 'utf8' })
  return r.status === 0 ? parseVersion(`${r.stderr}${r.stdout}`) : undefined
}

const parseVersion = (text: string): number | undefined => {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text)
  if (m === null) return undefined
  return m[1] === '1' ? Number(m[2]) : Number(m[1])
}

export function findJava (min: number, env: NodeJS.ProcessEnv): { bin: string, major: number } | undefined {
  const candidates: string[] = []
  if (env.JAVA_HOME !== undefined) candidates.push(`${env.JAVA_HOME}/bin/java`)
  candidates.push('java')
  for (const root of ['/usr/lib/jvm', '/opt/java', '/usr/local/lib/jvm']) {
    if (!existsSync(root)) continue
    for (const d of readdirSync(root).sort().reverse()) candidates.push(`${root}/${d}/bin/java`)
  }
  for (const bin of candidates) {
    if (bin !== 'java' && !existsSync(bin)) continue
    const major = javaMajor(bin)
    if (major !== undefined && major >= min) return { bin, major }
  }
  return undefined
}
