// The mapping's conditional rules against one order, operator by operator, at their thresholds.
// Mappings are loaded inside each test: a mapping that fails to load then fails that test.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../../infra/embedded.ts'
import { checkMapping, loadOrderMapping, type OrderMapping, type Rule } from '../../../domain/mapping.ts'
import { mapOrder, type OrderEvent } from '../src/transform.ts'

const fixture = (name: string): OrderEvent => JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/orders.raw', `${name}.json`), 'utf8')) as OrderEvent
// 58.33 EUR of one line to Austin, TX, by account C000123: 63.18 USD at the mapping's rate.
const eur = fixture('eur-coupon')
const guest = fixture('guest-polled')
const withRules = (rules: unknown[]): OrderMapping => checkMapping({ ...loadOrderMapping(join(projectRoot, 'mappings/orders.yaml')), rules }, 'rules.yaml')
const flagsOf = (ev: OrderEvent, when: unknown): string[] => mapOrder(ev, withRules([{ name: 'r', when, then: { flag: 'hit' } }]))!.flags

describe('a rule\'s comparisons', () => {
  it.each<[string, unknown, boolean]>([
    ['baseTotal over just below it', { baseTotal: { over: 63.17 } }, true],
    ['baseTotal over exactly it', { baseTotal: { over: 63.18 } }, false],
    ['total (the order\'s own currency) over just below it', { total: { over: 58.32 } }, true],
    ['total over what only the base total passes', { total: { over: 60 } }, false],
    ['baseTotal under just above it', { baseTotal: { under: 63.19 } }, true],
    ['baseTotal under exactly it', { baseTotal: { under: 63.18 } }, false],
    ['baseTotal atLeast below it', { baseTotal: { atLeast: 63 } }, true],
    ['baseTotal atLeast exactly it', { baseTotal: { atLeast: 63.18 } }, true],
    ['baseTotal atLeast just above it', { baseTotal: { atLeast: 63.19 } }, false],
    ['lines atLeast 1', { lines: { atLeast: 1 } }, true],
    ['lines atLeast 2', { lines: { atLeast: 2 } }, false],
    ['currency equals EUR', { currency: { equals: 'EUR' } }, true],
    ['currency equals USD', { currency: { equals: 'USD' } }, false],
    ['currency equals eur (codes are compared as SL has them)', { currency: { equals: 'eur' } }, false],
    ['customer equals its account key', { customer: { equals: 'C000123' } }, true],
    ['lines equals 1', { lines: { equals: 1 } }, true],
    ['lines equals "1" (text is not a number)', { lines: { equals: '1' } }, false],
    ['shipState equals TX', { shipState: { equals: 'TX' } }, true],
    ['guest equals false', { guest: { equals: false } }, true],
    ['guest equals true', { guest: { equals: true } }, false],
    ['shipState in [TX, CA]', { shipState: { in: ['TX', 'CA'] } }, true],
    ['shipState in [CA, NY]', { shipState: { in: ['CA', 'NY'] } }, false],
    ['lines in [1, 2]', { lines: { in: [1, 2] } }, true],
    ['shipCountry notIn [USA, CAN]', { shipCountry: { notIn: ['USA', 'CAN'] } }, false],
    ['shipCountry notIn [CAN]', { shipCountry: { notIn: ['CAN'] } }, true],
    ['two comparisons of one fact, both true', { baseTotal: { over: 60, under: 64 } }, true],
    ['two comparisons of one fact, the second false', { baseTotal: { over: 60, under: 63 } }, false],
    ['two comparisons of one fact, the first false', { baseTotal: { over: 64, under: 70 } }, false],
    ['two facts, both true', { currency: { equals: 'EUR' }, shipState: { equals: 'TX' } }, true],
    ['two facts, the second false', { currency: { equals: 'EUR' }, shipState: { equals: 'CA' } }, false],
    ['two facts, the first false', { currency: { equals: 'USD' }, shipState: { equals: 'TX' } }, false]
  ])('%s: %s', (_, when, hit) => {
    expect(flagsOf(eur, when)).toEqual(hit ? ['hit'] : [])
  })

  it('a guest order is a guest, customer the mapping\'s guest id', () => {
    expect(flagsOf(guest, { guest: { equals: true } })).toEqual(['hit'])
    expect(flagsOf(guest, { customer: { equals: 'WEBGUEST' } })).toEqual(['hit'])
    expect(flagsOf(guest, { guest: { equals: false } })).toEqual([])
  })

  it.each<[string, unknown]>([
    ['a comparison it does not know', { total: { near: 58.33 } }],
    ['shipState in TX, not a list', { shipState: { in: 'TX' } }],
    ['shipCountry notIn CAN, not a list', { shipCountry: { notIn: 'CAN' } }]
  ])('%s never matches (checkMapping refuses one at start)', (_, when) => {
    const unchecked = { ...withRules([]), rules: [{ name: 'r', when, then: { flag: 'hit' } }] } as unknown as OrderMapping
    expect(mapOrder(eur, unchecked)!.flags).toEqual([])
  })
})

describe('what matching rules do', () => {
  const rules: Rule[] = [
    { name: 'a', when: { currency: { equals: 'EUR' } }, then: { flag: 'euro', set: { User1: 'from-a', SlsperID: 'A' } } },
    { name: 'b', when: { shipState: { equals: 'CA' } }, then: { flag: 'never', hold: 'not this one', set: { ProjectID: 'NO' } } },
    { name: 'c', when: { lines: { atLeast: 1 } }, then: { flag: 'lines', hold: 'the first hold', set: { User1: 'from-c', ProjectID: 'P-1' } } },
    { name: 'd', when: { baseTotal: { over: 50 } }, then: { flag: 'big', hold: 'a later hold' } }
  ]

  it('flag in rule order, later sets win field by field, the first hold wins', () => {
    expect(mapOrder(eur, withRules(rules))).toMatchObject({
      flags: ['euro', 'lines', 'big'], holdReason: 'the first hold', User1: 'from-c', SlsperID: 'A', ProjectID: 'P-1'
    })
  })

  it('no rule matching: no flag, no hold, the settable fields empty', () => {
    expect(mapOrder(eur, withRules([rules[1]]))).toMatchObject({ flags: [], holdReason: null, User1: '', SlsperID: '', ProjectID: '' })
  })
})

describe('which states of an order reach SL', () => {
  it.each<[string, string, string, boolean | undefined]>([
    ['created, Pending', 'order.created', 'Pending', false],
    ['cancelled while Clarity still says Pending', 'order.cancelled', 'Pending', true],
    ['cancelled after it shipped', 'order.cancelled', 'Shipped', true],
    ['updated to Void', 'order.updated', 'Void', true],
    ['updated past Pending', 'order.updated', 'Shipped', undefined]
  ])('%s', (_, eventType, status, cancelled) => {
    const ev = { ...structuredClone(eur), eventType }
    ev.order.StatusKey = status
    expect(mapOrder(ev, withRules([]))?.cancelled).toBe(cancelled)
  })
})
