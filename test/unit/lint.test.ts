// The lint rules that hold the layout (ARCHITECTURE.md's "what may import what" and pure
// transforms) refuse what they are there to refuse.
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../lib/paths.ts'

const eslint = new ESLint({ cwd: projectRoot })
async function findings (filePath: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath })
  return r!.messages.map((m) => `${m.ruleId}: ${m.message}`)
}

describe('lint: the layout rules', () => {
  it('a transform may not do I/O, read the environment or reach the kit\'s I/O modules', async () => {
    const f = await findings('services/order-mapper/src/transform.ts', [
      "import { readFileSync } from 'node:fs'",
      "import { createKafka } from '../../../lib/kafka.ts'",
      'export const a = [readFileSync, createKafka, process.env.X]', ''
    ].join('\n'))
    expect(f).toEqual([
      "no-restricted-imports: 'node:fs' import is restricted from being used. a transform is pure: do the I/O in service.ts",
      "no-restricted-imports: '../../../lib/kafka.ts' import is restricted from being used by a pattern. " +
        'a transform is pure: do the I/O in service.ts',
      'n/no-process-env: Unexpected use of process.env.'
    ])
  })

  it('a transform may use the errors and the decimal codec', async () => {
    expect(await findings('services/order-mapper/src/transform.ts', [
      "import { poison } from '../../../lib/errors.ts'",
      "import { toUnscaled } from '../../../lib/avro.ts'",
      'export const a = [poison, toUnscaled]', ''
    ].join('\n'))).toEqual([])
  })

  it('a service imports neither another service, nor infra/, nor kafkajs', async () => {
    const f = await findings('services/sl-order-sink/src/service.ts', [
      "import { projectRoot } from '../../../infra/embedded.ts'",
      "import { mapOrder } from '../../order-mapper/src/transform.ts'",
      "import { Kafka } from 'kafkajs'",
      'export const a = [projectRoot, mapOrder, Kafka]', ''
    ].join('\n'))
    expect(f.map((m) => m.split('. ')[1])).toEqual([
      'a service uses lib/, domain/ and topology/ only',
      'services never import each other: share through lib/ or domain/',
      'only lib/kafka*.ts use kafkajs (through patches/kafkajs.ts)'
    ])
  })

  it('the kit imports no domain rule and no tool; domain/ no kit beyond its errors', async () => {
    const kit = await findings('lib/service.ts', "import { skuOf } from '../domain/mapping.ts'\nexport const a = skuOf\n")
    expect(kit.map((m) => m.split('. ')[1])).toEqual(['lib/ is the kit: no domain rules, services or tools'])
    const domain = await findings('domain/mapping.ts', [
      "import { poison } from '../lib/errors.ts'",
      "import { createKafka } from '../lib/kafka.ts'",
      'export const a = [poison, createKafka]', ''
    ].join('\n'))
    expect(domain.map((m) => m.split('. ')[1])).toEqual(['domain/ uses only domain/, lib/errors.ts and lib/personal-keys.ts'])
  })

  it('lines, files and functions have their limits outside tests', async () => {
    const long = `export const a = '${'x'.repeat(120)}'\n`
    expect(await findings('lib/x.ts', long)).toEqual([
      '@stylistic/max-len: This line has a length of 139. Maximum allowed is 120.'
    ])
    expect(await findings('test/unit/x.test.ts', long)).toEqual([])
    const body = Array.from({ length: 101 }, (_, i) => `  const v${i} = ${i}`).join('\n')
    const f = await findings('lib/x.ts', `export function big (): number {\n${body}\n  return v0\n}\n`)
    expect(f.some((m) => m.startsWith('max-lines-per-function:'))).toBe(true)
  })
})
