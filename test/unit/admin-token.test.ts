// The admin token between `bridge start`, which gives the services one, and `bridge
// backfill`, which sends it: made once, in a file only its owner reads; the
// environment's own wins on both sides.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { adminToken } from '../../cli/backfill.ts'
import { adminTokenEnv, adminTokenFile } from '../../cli/stack.ts'
import { loadConfig, serviceSpec } from '../../lib/config.ts'

const homes: string[] = []
const home = (): string => { const h = mkdtempSync(join(tmpdir(), 'bridge-home-')); homes.push(h); return join(h, '.bridge') }
afterEach(() => { for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true }) })

describe('bridge start: the services\' admin token', () => {
  it('is made at random, once, in a file of mode 0600 under BRIDGE_HOME, and passed as ADMIN_TOKEN_FILE', () => {
    const h = home()
    const env = adminTokenEnv(h, {})
    expect(env).toEqual({ ADMIN_TOKEN_FILE: adminTokenFile(h) })
    expect(statSync(adminTokenFile(h)).mode & 0o777).toBe(0o600)
    const token = readFileSync(adminTokenFile(h), 'utf8')
    // What a service reads from it passes its own check (24 characters or more).
    expect(loadConfig({ ADMIN_TOKEN: serviceSpec(0).ADMIN_TOKEN }, env).ADMIN_TOKEN).toBe(token.trim())
    expect(adminTokenEnv(h, {})).toEqual(env)
    expect(readFileSync(adminTokenFile(h), 'utf8')).toBe(token)
    const other = home()
    adminTokenEnv(other, {})
    expect(readFileSync(adminTokenFile(other), 'utf8')).not.toBe(token)
  })

  it('is only readable by its owner even when the file was made otherwise', () => {
    const h = home()
    adminTokenEnv(h, {})
    writeFileSync(adminTokenFile(h), 'a-token-of-at-least-24-characters', { mode: 0o644 })
    adminTokenEnv(h, {})
    expect(statSync(adminTokenFile(h)).mode & 0o777).toBe(0o600)
  })

  it.each([['ADMIN_TOKEN'], ['ADMIN_TOKEN_FILE']])('is the environment\'s own when %s is set: nothing is made', (name) => {
    const h = home()
    expect(adminTokenEnv(h, { [name]: 'x' })).toEqual({})
    expect(() => statSync(adminTokenFile(h))).toThrow()
  })
})

describe('bridge backfill: the token it sends', () => {
  it('is ADMIN_TOKEN, or the file ADMIN_TOKEN_FILE names, else the one bridge start made, else none', () => {
    const h = home()
    expect(adminToken({ BRIDGE_HOME: h })).toBeUndefined()
    adminTokenEnv(h, {})
    const made = readFileSync(adminTokenFile(h), 'utf8').trim()
    expect(adminToken({ BRIDGE_HOME: h })).toBe(made)
    expect(adminToken({ BRIDGE_HOME: h, ADMIN_TOKEN: 'the-environment-s-own-token-1' })).toBe('the-environment-s-own-token-1')
    const file = join(h, 'mine')
    writeFileSync(file, 'the-file-s-own-token-of-24-chars\n')
    expect(adminToken({ BRIDGE_HOME: h, ADMIN_TOKEN_FILE: file })).toBe('the-file-s-own-token-of-24-chars')
  })

  it('refuses a token too short to be the services\' own, naming the variable and not the value', () => {
    expect(() => adminToken({ ADMIN_TOKEN: 'short-4711' })).toThrow(/ADMIN_TOKEN: expected at least 24 characters/)
    expect(() => adminToken({ ADMIN_TOKEN: 'short-4711' })).not.toThrow(/4711/)
  })
})
