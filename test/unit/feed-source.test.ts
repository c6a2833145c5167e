// When a feed's position cannot be read on from in SL as it is now, and how a cursor's
// name carries the SL company and database it belongs to.
import { describe, expect, it } from 'vitest'
import { cursorName, databaseOf, staleBecause, type FeedDatabase } from '../../lib/feed-source.ts'

const A = 'DB-A'
const here = (Tstamp: number, DatabaseId = A, CpnyID = 'DEMO') => ({ CpnyID, DatabaseId, Tstamp })
const of = (DatabaseId = A, CpnyID = 'DEMO'): FeedDatabase => ({ CpnyID, DatabaseId })

describe('staleBecause', () => {
  it.each([
    ['the same database, SL ahead', of(), 500, here(900), undefined],
    ['the same database, nothing new since', of(), 900, here(900), undefined],
    ['a first start', undefined, 0, here(900), undefined],
    ['SL\'s rowversion below the position', of(), 901, here(900), 'restore'],
    ['another database, rowversion ahead: only the DatabaseId tells', of('DB-B'), 500, here(900), 'database'],
    ['another database and below', of('DB-B'), 5000, here(900), 'database'],
    ['another company', of(A, 'OTHER'), 500, here(900), 'company'],
    ['a cursor of before, below SL\'s rowversion: taken as this database\'s', undefined, 500, here(900), undefined],
    ['a cursor of before, above SL\'s rowversion', undefined, 901, here(900), 'restore']
  ] as const)('%s', (_name, belongs, position, sl, want) => {
    expect(staleBecause(belongs, position, sl)).toBe(want)
  })
})

describe('cursor names', () => {
  it('name the feed, the company and the database, and read back', () => {
    const name = cursorName('sl-inventory-source.inventory', of('6F9619FF-8B86-D011-B42D-00C04FC964FF'))
    expect(name).toBe('sl-inventory-source.inventory|DEMO|6F9619FF-8B86-D011-B42D-00C04FC964FF')
    expect(databaseOf('sl-inventory-source.inventory', name)).toEqual(of('6F9619FF-8B86-D011-B42D-00C04FC964FF'))
    expect(databaseOf('sl-inventory-source.inventory', 'sl-inventory-source.inventory')).toBeUndefined()
    expect(databaseOf('sl-inventory-source.inventory', 'sl-product-source.products|DEMO|X')).toBeUndefined()
  })
})
