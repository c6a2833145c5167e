// What the bridge says about a record: the field, its length and the rule, never the value;
// and another system's words about a record, without the record's personal values.
import { describe, expect, it } from 'vitest'
import { PERSONAL_FIELDS, personalValues, scrub, shownCode, tooLong, withoutPersonal } from '../../domain/personal.ts'
import { BridgeError, poison, retriable } from '../../lib/errors.ts'
import { REDACTED_KEYS } from '../../lib/logger.ts'

describe('texts about a value', () => {
  it('a value too long: the field, its length and the limit', () => {
    expect(tooLong('ShipAddr1', 73, 60)).toBe('ShipAddr1 is 73 characters; SL takes at most 60')
  })

  it.each<[string, string]>([
    ['XX', '"XX"'], [' zz', '" zz"'], ['X', '"X"'], ['ABC', '"ABC"'], ['12', '"12"'], ['us ', '"us "'],
    ['ABCD', '(4 characters)'], ['-US', '(3 characters)'], ['U-S', '(3 characters)'], ['A B', '(3 characters)'],
    ['Deutschland', '(11 characters)'], ['', '(0 characters)'], ['  ', '(2 characters)'], ['ana@x', '(5 characters)']
  ])('a code %j is shown as %s', (v, shown) => {
    expect(shownCode(v)).toBe(shown)
  })
})

describe('the personal values of a record', () => {
  it('every text under a personal key, at any depth and in lists, and nothing else', () => {
    const order = {
      ID: 100045, Name: 'Top', CustomKey: 'C1', Totals: { Total: '1.00' }, Street3: null, Company: undefined,
      BillingContact: { FirstName: 'Ana', Email1: 'ana@example.com', Address: { Street1: '1 Main St', City: 'Austin', CountryCode: 'US' } },
      SalesItems: [{ Sku: 'S', Name: 'Widget' }, [{ ShipAddr1: 'deep' }]], Notes: ['Phone'], Phone: 5, Zip: { PostalCode: '78701' }
    }
    expect(personalValues(order)).toEqual(['Top', 'Ana', 'ana@example.com', '1 Main St', 'Austin', 'Widget', 'deep', '78701'])
  })

  it.each([null, undefined, 'text', 5, []])('%j has none', (v) => {
    expect(personalValues(v)).toEqual([])
  })

  it('the keys cover Clarity\'s and SL\'s names, addresses, e-mails and phones, and the logs redact each of them', () => {
    for (const k of ['FirstName', 'LastName', 'Email1', 'Phone1', 'Street1', 'PostalCode', 'EMailAddr', 'Phone', 'Addr1', 'Zip', 'ShipName', 'BillAddr2']) {
      expect(PERSONAL_FIELDS.has(k), k).toBe(true)
    }
    for (const k of PERSONAL_FIELDS) expect(REDACTED_KEYS.has(k), k).toBe(true)
  })
})

describe('another system\'s words without the record\'s values', () => {
  const special = 'a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o'
  it.each<[string, string, string[], string]>([
    ['a value in the text', 'CustID: Customer Ana Núñez is inactive', ['Ana Núñez'], 'CustID: Customer [redacted] is inactive'],
    ['every time, in any case', 'ana@example.com; ANA@EXAMPLE.COM', ['ana@example.com'], '[redacted]; [redacted]'],
    ['a value padded in the record', 'ShipCity Austin', ['  Austin '], 'ShipCity [redacted]'],
    ['the longer first, so a part of it does not leave the rest', 'to Ana Núñez', ['Ana', 'Ana Núñez'], 'to [redacted]'],
    ['three characters are a value', 'by Ana', ['Ana'], 'by [redacted]'],
    ['two are not (they would strike words of the text)', 'SL ShipZip', ['SL', 'Zi'], 'SL ShipZip'],
    ['blank values are not', 'a  b', ['   ', ''], 'a  b'],
    ['no values', 'ShipAddr1 is 73 characters', [], 'ShipAddr1 is 73 characters'],
    ['a value with what regular expressions mean', `x ${special} y`, [special], 'x [redacted] y'],
    ['a value with a dot matches only a dot', 'aXb a.b', ['a.b'], 'aXb [redacted]'],
    ['a value with a star matches only a star', 'aab b a*b', ['a*b'], 'aab b [redacted]'],
    ['a value with brackets', 'x [m] m', ['[m]'], 'x [redacted] m'],
    ['a value with a dollar', 'US$5 5', ['US$5'], '[redacted] 5'],
    ['the same value twice', 'Ana and Ana', ['Ana', 'Ana'], '[redacted] and [redacted]']
  ])('%s', (_, text, values, want) => {
    expect(scrub(text, values)).toBe(want)
  })

  const record = { ShipName: 'Ana Núñez', ShipAddr1: '500 Congress Ave', CustID: 'C000123' }
  it('an error quoting the record: the same code and kind, the text without the values, no cause', () => {
    const cause = new Error('SL refused: ShipAddr1 500 Congress Ave')
    const out = withoutPersonal(poison('SL_422', 'SL refused (422): ShipName Ana Núñez; ShipAddr1 500 Congress Ave', cause), record) as BridgeError
    expect(out).toBeInstanceOf(BridgeError)
    expect({ code: out.code, kind: out.kind, message: out.message, cause: out.cause })
      .toEqual({ code: 'SL_422', kind: 'poison', message: 'SL refused (422): ShipName [redacted]; ShipAddr1 [redacted]', cause: undefined })
  })

  it('a retriable error keeps its wait and its scope', () => {
    const out = withoutPersonal(retriable('CUSTOMER_PENDING', 'waits for Ana Núñez', { retryAfterMs: 500, local: true }), record) as BridgeError
    expect({ message: out.message, kind: out.kind, retryAfterMs: out.retryAfterMs, local: out.local })
      .toEqual({ message: 'waits for [redacted]', kind: 'retriable', retryAfterMs: 500, local: true })
  })

  it('an error that quotes none of it is the same error; anything else is left as it is', () => {
    const err = poison('SL_422', 'CustID: Customer C000123 does not exist')
    expect(withoutPersonal(err, record)).toBe(err)
    const other = new Error('Ana Núñez')
    expect(withoutPersonal(other, record)).toBe(other)
    expect(withoutPersonal('Ana Núñez', record)).toBe('Ana Núñez')
  })
})
