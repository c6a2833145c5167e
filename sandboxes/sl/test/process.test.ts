// The sandboxes as processes: state survives a restart, refused connections are
// real, and `bridge sandbox …` drives them.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { waitFor } from '../../../test/helpers.ts'
import { bindRefuse } from '../../common/faults.ts'
import { projectRoot } from '../../../infra/embedded.ts'
import { buildSlSandbox } from '../app.ts'
import { period } from '../state.ts'

const auth = { authorization: `Basic ${Buffer.from('bridge:bridge-dev').toString('base64')}`, 'x-sl-cpnyid': 'DEMO' }
const order = { SOTypeID: 'SO', CustID: 'C000123', CustOrdNbr: 'persist-1', Lines: [{ InvtID: 'WIDGET-BLUE-M', SiteID: 'EAST', QtyOrd: 1 }] }

describe('SL sandbox persistence', () => {
  it('keeps its tables across a restart, numbering included', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'sl-sandbox-')), 'sl.json')
    const first = buildSlSandbox({ user: 'bridge', password: 'bridge-dev', cpnyId: 'DEMO', dataFile })
    const created = (await first.app.inject({ method: 'POST', url: '/api/SalesOrder', payload: order, headers: auth })).json()
    await first.app.close()
    const second = buildSlSandbox({ user: 'bridge', password: 'bridge-dev', cpnyId: 'DEMO', dataFile })
    try {
      const found = (await second.app.inject({ url: '/api/SalesOrder?CustOrdNbr=persist-1', headers: auth })).json()
      expect(found.Items.map((o: { OrdNbr: string }) => o.OrdNbr)).toEqual([created.OrdNbr])
      const next = (await second.app.inject({ method: 'POST', url: '/api/SalesOrder', payload: order, headers: auth })).json()
      expect(next.OrdNbr.trimEnd()).toBe('SO0004502')
    } finally {
      await second.app.close()
    }
  })
})

describe('SL sandbox upgrade', () => {
  it('fills in what a state file from before lacks: the current period, a document\'s rate and amounts in base', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'sl-sandbox-')), 'sl.json')
    await buildSlSandbox({ user: 'bridge', password: 'bridge-dev', cpnyId: 'DEMO', dataFile }).app.close()
    const old = JSON.parse(readFileSync(dataFile, 'utf8'))
    delete old.currentPeriod
    old.arDocs['0000000001'] = { RefNbr: '0000000001', DocType: 'IN', CustId: 'C000123', DocDate: '2026-11-27T00:00:00Z', CuryId: 'EUR', CuryOrigDocAmt: 62.33, CuryDocBal: 50, PmtMethod: '', ExtRefNbr: 'old-1', InvcNbr: '', Descr: '', tstamp: 1 }
    writeFileSync(dataFile, JSON.stringify(old))
    const sb = buildSlSandbox({ user: 'bridge', password: 'bridge-dev', cpnyId: 'DEMO', dataFile })
    try {
      expect((await sb.app.inject({ url: '/api/GeneralLedger/Periods', headers: auth })).json().Current).toBe(period(new Date()))
      const [doc] = (await sb.app.inject({ url: '/api/AccountsReceivable/Documents?ExtRefNbr=old-1', headers: auth })).json().Items
      expect(doc).toMatchObject({ CuryRate: 1.0832, CuryMultDiv: 'M', OrigDocAmt: 67.52, DocBal: 54.16 })
    } finally {
      await sb.app.close()
    }
  })
})

describe('SL sandbox backup', () => {
  it('survives a restart, as a backup file does, and restores the database it was taken of', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'sl-sandbox-')), 'sl.json')
    const first = buildSlSandbox({ user: 'bridge', password: 'bridge-dev', cpnyId: 'DEMO', dataFile })
    const taken = (await first.app.inject({ method: 'POST', url: '/sandbox/database/backup' })).json().backup
    await first.app.inject({ method: 'POST', url: '/api/SalesOrder', payload: order, headers: auth })
    await first.app.close()
    const second = buildSlSandbox({ user: 'bridge', password: 'bridge-dev', cpnyId: 'DEMO', dataFile })
    try {
      expect((await second.app.inject({ url: '/api/Status', headers: auth })).json()).toMatchObject({ DatabaseId: taken.DatabaseId, Tstamp: taken.tstamp + 1 })
      expect((await second.app.inject({ method: 'POST', url: '/sandbox/database/restore' })).json().restored).toEqual(taken)
      expect((await second.app.inject({ url: '/api/SalesOrder?CustOrdNbr=persist-1', headers: auth })).json().Items).toEqual([])
    } finally {
      await second.app.close()
    }
  })
})

describe('refused connections', () => {
  it('closes the listener for N seconds, then answers again', async () => {
    const sb = buildSlSandbox({ user: 'bridge', password: 'bridge-dev', cpnyId: 'DEMO' })
    await sb.app.listen({ port: 0, host: '127.0.0.1' })
    const port = (sb.app.server.address() as { port: number }).port
    bindRefuse(sb.app, sb.faults, port, '127.0.0.1')
    const url = `http://127.0.0.1:${port}`
    try {
      await fetch(`${url}/sandbox/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refuseSec: 1 }) })
      await waitFor('connections to be refused', async () => {
        try { await fetch(`${url}/sandbox/state`); return false } catch (err) { return ((err as Error).cause as { code?: string })?.code === 'ECONNREFUSED' }
      })
      await waitFor('the sandbox to answer again', async () => (await fetch(`${url}/sandbox/state`)).ok)
      expect(sb.faults.counters.refused).toBe(1)
    } finally {
      await sb.app.close()
    }
  })
})

describe('bridge sandbox', () => {
  it('starts both sandboxes, injects faults, resets, and stops them', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bridge-home-'))
    const env = { ...process.env, BRIDGE_HOME: home, SL_SANDBOX_PORT: '17301', CLARITY_SANDBOX_PORT: '17302', SL_BASE_URL: '', CLARITY_BASE_URL: '' }
    const bridge = (...args: string[]) => spawnSync(process.execPath, [join(projectRoot, 'bin/bridge.js'), ...args], { cwd: projectRoot, env, encoding: 'utf8' })
    try {
      const up = bridge('sandbox', 'up')
      expect(up.status, up.stderr).toBe(0)
      expect(up.stdout).toMatch(/sl sandbox: started, pid \d+, http:\/\/127.0.0.1:17301/)
      expect(up.stdout).toMatch(/clarity sandbox: started/)
      expect(bridge('sandbox', 'up').stdout).toMatch(/sl sandbox: already running/)
      expect(bridge('sandbox', 'faults', 'sl', '--outage', '30').status).toBe(0)
      const r = await fetch('http://127.0.0.1:17301/api/Product/WIDGET-RED-L', { headers: auth })
      expect(r.status).toBe(503)
      expect(bridge('sandbox', 'faults', 'sl', '--clear').status).toBe(0)
      expect((await fetch('http://127.0.0.1:17301/api/Product/WIDGET-RED-L', { headers: auth })).status).toBe(200)
      const token = await fetch('http://127.0.0.1:17302/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=bridge&client_secret=bridge-dev' })
      expect(token.status).toBe(200)
      const bad = bridge('sandbox', 'faults', 'sl', '--rate429', '7')
      expect(bad.status).toBe(1)
      expect(bad.stderr).toMatch(/rate429 must be a number from 0 to 1/)
      const backup = bridge('sandbox', 'faults', 'sl', '--backup')
      expect(backup.status, backup.stderr).toBe(0)
      const taken = JSON.parse(backup.stdout).backup
      await fetch('http://127.0.0.1:17301/api/Product/WIDGET-RED-L', { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: '{"StkBasePrc":1}' })
      expect(JSON.parse(bridge('sandbox', 'faults', 'sl', '--restore').stdout).restored).toEqual(taken)
      const moved = JSON.parse(bridge('sandbox', 'faults', 'sl', '--move', '--keep-tstamps').stdout).moved
      expect(moved).toMatchObject({ tstamp: taken.tstamp })
      expect(moved.DatabaseId).not.toBe(taken.DatabaseId)
      expect(bridge('sandbox', 'faults', 'clarity', '--restore').stderr).toMatch(/for the SL sandbox/)
      expect(bridge('sandbox', 'reset').stdout).toContain('sl: reset to its seed data')
      // A process whose listener is closed lives on, and listens again when the time is up.
      expect(bridge('sandbox', 'faults', 'sl', '--refuse', '1').status).toBe(0)
      await waitFor('connections to be refused', async () => {
        try { await fetch('http://127.0.0.1:17301/sandbox/state'); return false } catch { return true }
      })
      await waitFor('the sandbox process to answer again', async () => {
        try { return (await fetch('http://127.0.0.1:17301/sandbox/state')).ok } catch { return false }
      })
    } finally {
      const down = bridge('sandbox', 'down')
      expect(down.stdout).toMatch(/sl sandbox: stopped/)
      expect(down.stdout).toMatch(/clarity sandbox: stopped/)
    }
  })
})
