// The order mapping file's checks, one problem at a time, and the CustOrdNbr template read
// backwards. Files are read inside each test: a loader that breaks then fails that test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../infra/embedded.ts'
import { checkMapping, clarityIdOf, loadOrderMapping, MappingError, own, readMappingFile, type OrderMapping } from '../../domain/mapping.ts'
import { problemsWith } from './mapping-problems.ts'

const FILE = join(projectRoot, 'mappings/orders.yaml')
const shippedYaml = (): Record<string, any> => parse(readFileSync(FILE, 'utf8')) as Record<string, any>
const problemsOf = problemsWith(checkMapping, 'orders.yaml')
const changed = (change: (m: Record<string, any>) => void): Record<string, any> => {
  const m = shippedYaml()
  change(m)
  return m
}

describe('checkMapping', () => {
  it('takes the shipped file as it is, with every operator and every settable field', () => {
    const m = changed((m) => {
      m.rules.push({ name: 'all', when: { total: { over: 1, under: 2, atLeast: 1, equals: 1, in: [1], notIn: [2] } }, then: { set: { User1: 'a', SlsperID: 'b', ProjectID: 'c' } } })
    })
    expect(problemsOf(m)).toEqual([])
    expect(loadOrderMapping(FILE)).toEqual(shippedYaml())
  })

  it('fills what a mapping may leave out', () => {
    const m = checkMapping(changed((m) => { delete m.order.sitesByCountry; delete m.skus; delete m.rules }), 'orders.yaml') as OrderMapping
    expect(m.order.sitesByCountry).toEqual({})
    expect(m.skus).toEqual({})
    expect(m.rules).toEqual([])
  })

  it('an empty file: every required entry named', () => {
    const all = [
      'version must be text', 'order.type must be text', 'order.site must be text', 'order.customerOrderNumber must be text', 'customers.guest must be text',
      'shipping must be a table of key: value', 'shipping.default is required', 'tax must be a table of key: value', 'tax.default is required ("" for none)', 'currency.base must be text'
    ]
    expect(problemsOf({})).toEqual(all)
    expect(problemsOf(null)).toEqual(all)
    expect(problemsOf({ order: {}, customers: {}, currency: {} })).toEqual(all)
  })

  it.each<[string, (m: Record<string, any>) => void, string[]]>([
    ['a version as a number', (m) => { m.version = 1 }, ['version must be text']],
    ['an order type as a number', (m) => { m.order.type = 5 }, ['order.type must be text']],
    ['no site', (m) => { delete m.order.site }, ['order.site must be text']],
    ['a guest id as a number', (m) => { m.customers.guest = 1 }, ['customers.guest must be text']],
    ['a base currency as a list', (m) => { m.currency.base = ['USD'] }, ['currency.base must be text']],
    ['sites by country as a list', (m) => { m.order.sitesByCountry = ['EAST'] }, ['order.sitesByCountry must be a table of key: value']],
    ['sites by country as text', (m) => { m.order.sitesByCountry = 'EAST' }, ['order.sitesByCountry must be a table of key: value']],
    ['a site as a number', (m) => { m.order.sitesByCountry.CA = 5 }, ['order.sitesByCountry.CA must be text']],
    ['skus of null', (m) => { m.skus = null }, []],
    ['skus as text', (m) => { m.skus = 'x' }, ['skus must be a table of key: value']],
    ['a sku as a number', (m) => { m.skus['PUMP200-EU'] = 200 }, ['skus.PUMP200-EU must be text']],
    ['no default shipping', (m) => { delete m.shipping.default }, ['shipping.default is required']],
    ['a default shipping as a number', (m) => { m.shipping.default = 1 }, ['shipping.default must be text', 'shipping.default is required']],
    ['shipping of null', (m) => { m.shipping = null }, ['shipping must be a table of key: value', 'shipping.default is required']],
    ['no default tax', (m) => { delete m.tax.default }, ['tax.default is required ("" for none)']],
    ['tax as a list', (m) => { m.tax = [] }, ['tax must be a table of key: value', 'tax.default is required ("" for none)']],
    ['a rate of 0', (m) => { m.currency.rates.EUR = 0 }, ['currency.rates.EUR must be a number from 0.000001 to 1000000']],
    ['a rate below 0', (m) => { m.currency.rates.EUR = -1.08 }, ['currency.rates.EUR must be a number from 0.000001 to 1000000']],
    ['a rate as text', (m) => { m.currency.rates.EUR = '1.08' }, ['currency.rates.EUR must be a number from 0.000001 to 1000000']],
    ['a rate of null', (m) => { m.currency.rates.EUR = null }, ['currency.rates.EUR must be a number from 0.000001 to 1000000']],
    ['a rate that is not a number (YAML .nan)', (m) => { m.currency.rates.EUR = Number.NaN }, ['currency.rates.EUR must be a number from 0.000001 to 1000000']],
    ['an endless rate (YAML .inf)', (m) => { m.currency.rates.EUR = Number.POSITIVE_INFINITY }, ['currency.rates.EUR must be a number from 0.000001 to 1000000']],
    ['an endless negative rate (YAML -.inf)', (m) => { m.currency.rates.EUR = Number.NEGATIVE_INFINITY }, ['currency.rates.EUR must be a number from 0.000001 to 1000000']],
    ['a small rate', (m) => { m.currency.rates.JPY = 0.0067 }, []],
    ['the smallest rate', (m) => { m.currency.rates.VND = 0.000001 }, []],
    ['a rate below the smallest', (m) => { m.currency.rates.VND = 0.00000099 }, ['currency.rates.VND must be a number from 0.000001 to 1000000']],
    ['the largest rate', (m) => { m.currency.rates.XAU = 1000000 }, []],
    ['a rate above the largest', (m) => { m.currency.rates.XAU = 1000000.5 }, ['currency.rates.XAU must be a number from 0.000001 to 1000000']],
    ['no rates', (m) => { delete m.currency.rates }, []],
    ['rates of null', (m) => { m.currency.rates = null }, []],
    ['rates as a list', (m) => { m.currency.rates = [0] }, ['currency.rates must be a table of currency: rate']],
    ['rates as a number', (m) => { m.currency.rates = 1.08 }, ['currency.rates must be a table of currency: rate']],
    ['a threshold as text', (m) => { m.rules[0].when.baseTotal.over = '1000' }, ['rules[0] (high value): baseTotal.over must be a number']],
    ['a threshold that is not a number (YAML .nan)', (m) => { m.rules[0].when.baseTotal.over = Number.NaN }, ['rules[0] (high value): baseTotal.over must be a number']],
    ['an endless threshold (YAML .inf)', (m) => { m.rules[0].when = { total: { under: Number.POSITIVE_INFINITY } } }, ['rules[0] (high value): total.under must be a number']],
    ['an atLeast of null', (m) => { m.rules[0].when = { lines: { atLeast: null } } }, ['rules[0] (high value): lines.atLeast must be a number']],
    ['an in that is not a list', (m) => { m.rules[1].when = { shipState: { in: 'TX' } } }, ['rules[1] (export paperwork): shipState.in must be a list']],
    ['a notIn that is not a list', (m) => { m.rules[1].when.shipCountry.notIn = 'USA' }, ['rules[1] (export paperwork): shipCountry.notIn must be a list']],
    ['a list with a number that is not one', (m) => { m.rules[1].when = { lines: { in: [1, Number.NaN] } } }, ['rules[1] (export paperwork): lines.in: a number must be finite']],
    ['a notIn list with an endless number', (m) => { m.rules[1].when = { lines: { notIn: [Number.NEGATIVE_INFINITY] } } }, ['rules[1] (export paperwork): lines.notIn: a number must be finite']],
    ['an equals of an endless number', (m) => { m.rules[1].when = { total: { equals: Number.POSITIVE_INFINITY } } }, ['rules[1] (export paperwork): total.equals: a number must be finite']],
    ['an equals of text, a number or true', (m) => { m.rules[1].when = { currency: { equals: 'EUR' }, lines: { equals: 2 }, guest: { equals: true } } }, []],
    ['a fact compared with nothing', (m) => { m.rules[1].when = { shipCountry: null } }, ['rules[1] (export paperwork): shipCountry must be a table of comparison: value']],
    ['a fact compared with a number', (m) => { m.rules[1].when = { lines: 2 } }, ['rules[1] (export paperwork): lines must be a table of comparison: value']],
    ['a fact compared with a list', (m) => { m.rules[1].when = { lines: [2] } }, ['rules[1] (export paperwork): lines must be a table of comparison: value']],
    ['a template without {ID}', (m) => { m.order.customerOrderNumber = 'WEB-' }, ['order.customerOrderNumber must contain {ID}, so each Clarity order has its own number']],
    ['rules as a table', (m) => { m.rules = { name: 'x' } }, ['rules must be a list']],
    ['a rule that is nothing', (m) => { m.rules = [null] }, ['rules[0]: name is required', 'rules[0]: "when" is required', 'rules[0]: "then" needs flag, set or hold']],
    ['a rule without a name', (m) => { delete m.rules[1].name }, ['rules[1]: name is required']],
    ['a rule with a number for a name', (m) => { m.rules[1].name = 7 }, ['rules[1]: name is required']],
    ['a rule without when', (m) => { delete m.rules[0].when }, ['rules[0] (high value): "when" is required']],
    ['a rule with an empty when', (m) => { m.rules[0].when = {} }, ['rules[0] (high value): "when" is required']],
    ['a rule without then', (m) => { delete m.rules[2].then }, ['rules[2] (very large order needs a look): "then" needs flag, set or hold']],
    ['a rule that only holds', (m) => { m.rules[0].then = { hold: 'look' } }, []],
    ['a rule that only sets', (m) => { m.rules[0].then = { set: { SlsperID: 'WEB' } } }, []],
    ['a rule that only flags', (m) => { m.rules[0].then = { flag: 'x' } }, []],
    ['a rule setting what SL works out itself', (m) => { m.rules[0].then.set = { CuryTotOrd: '1' } }, ['rules[0] (high value): can set User1, SlsperID, ProjectID, not CuryTotOrd']]
  ])('%s', (_, change, problems) => {
    expect(problemsOf(changed(change))).toEqual(problems)
  })

  it('says every problem in its message, one to a line', () => {
    expect(() => checkMapping(changed((m) => { m.version = 1; delete m.shipping.default }), 'orders.yaml')).toThrow(
      'mapping orders.yaml has problems:\n  version must be text\n  shipping.default is required')
  })
})

describe('reading a mapping file', () => {
  it('a file that is not there, or not YAML, is a MappingError naming the file and why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapping-'))
    const missing = join(dir, 'orders.yaml')
    const e1 = (() => { try { readMappingFile(missing); return undefined } catch (e) { return e as MappingError } })()
    expect(e1).toBeInstanceOf(MappingError)
    expect(e1).toMatchObject({ file: missing, problems: [expect.stringMatching(/^ENOENT: no such file or directory/)] })
    const broken = join(dir, 'broken.yaml')
    writeFileSync(broken, 'rules: [\n')
    const why = (() => { try { parse('rules: [\n'); return '' } catch (e) { return (e as Error).message } })()
    const e2 = (() => { try { loadOrderMapping(broken); return undefined } catch (e) { return e as MappingError } })()
    expect(e2).toBeInstanceOf(MappingError)
    expect(e2!.file).toBe(broken)
    expect(why).not.toBe('')
    expect(e2!.problems).toEqual([why])
    rmSync(dir, { recursive: true })
  })

  // YAML's .nan and .inf are numbers: a rate of either stopped the mapper at the first order in that currency.
  it.each([['.nan', '.NaN'], ['.inf', '.Inf'], ['-.inf', '-.INF']])('a file whose EUR rate is %s (or %s) is refused at start', (...spellings) => {
    const dir = mkdtempSync(join(tmpdir(), 'mapping-'))
    for (const rate of spellings) {
      const file = join(dir, 'orders.yaml')
      writeFileSync(file, readFileSync(FILE, 'utf8').replace('EUR: 1.0832', `EUR: ${rate}`))
      expect(() => loadOrderMapping(file), rate).toThrow('currency.rates.EUR must be a number from 0.000001 to 1000000')
    }
    rmSync(dir, { recursive: true })
  })

  it('reads YAML as text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapping-'))
    writeFileSync(join(dir, 'm.yaml'), 'version: "1"\nname: Ünïcode\n')
    expect(readMappingFile(join(dir, 'm.yaml'))).toEqual({ version: '1', name: 'Ünïcode' })
    rmSync(dir, { recursive: true })
  })
})

describe('a lookup in a mapping table by a key from a record', () => {
  const table = { 'UPS-GROUND': 'UPSGROUND', '': 'NONE' }
  it.each<[string, string | undefined]>([
    ['UPS-GROUND', 'UPSGROUND'], ['', 'NONE'], ['ups-ground', undefined], ['DRONE', undefined],
    ['constructor', undefined], ['toString', undefined], ['__proto__', undefined], ['hasOwnProperty', undefined], ['valueOf', undefined]
  ])('%j finds %s', (key, want) => {
    expect(own(table, key)).toBe(want)
  })

  it('finds what the table itself holds under such a key, and works on a table without a prototype', () => {
    expect(own({ constructor: 'C' }, 'constructor')).toBe('C')
    expect(own(Object.assign(Object.create(null) as Record<string, string>, { a: 'A' }), 'a')).toBe('A')
  })
})

describe('the Clarity order id in a CustOrdNbr', () => {
  const withTemplate = (customerOrderNumber: string): OrderMapping => checkMapping(changed((m) => { m.order.customerOrderNumber = customerOrderNumber }), 'orders.yaml')
  it.each<[string, string, number | undefined]>([
    ['{ID}', '100045', 100045],
    ['{ID}', ' 100045 ', 100045],
    ['{ID}', '0', undefined],
    ['{ID}', '-5', undefined],
    ['{ID}', '1.5', undefined],
    ['{ID}', '', undefined],
    ['CL-{ID}-W', 'CL-100045-W', 100045],
    ['CL-{ID}-W', ' CL-100045-W   ', 100045],
    ['CL-{ID}-W', 'CL-100045', undefined],
    ['CL-{ID}-W', 'XX-100045-W', undefined],
    ['CL-{ID}-W', 'CL--W', undefined],
    ['CL-{ID}-W', 'CL-12a-W', undefined]
  ])('template %s, CustOrdNbr %j: %s', (template, custOrdNbr, id) => {
    expect(clarityIdOf(withTemplate(template), custOrdNbr)).toBe(id)
  })
})
