import { describe, expect, it } from 'vitest'
import { extRefOf, isCaptured, refNbrOf } from '../../../domain/payments.ts'
import type { ClarityPayment } from '../../../domain/records.ts'
import { BridgeError } from '../../../lib/errors.ts'
import { docOf, paymentsOfOrder, plan, type Doc } from '../src/transform.ts'

const payment: ClarityPayment = {
  ID: 77, SalesOrderID: 100045, Amount: '62.3300', CurrencyKey: 'EUR', StatusKey: 'Payment Received',
  TransactionNumber: 'ch_3NxQ0aB2eZvKYlo2C1xYz9kLmN', CardTypeKey: 'VISA', ReceivedDate: Date.parse('2026-11-27T10:15:01Z'),
  UpdatedDate: Date.parse('2026-11-27T10:15:02Z')
}
const invoice = (bal: number, cury = 'EUR'): Doc => ({ RefNbr: '0000000042', DocType: 'IN', CuryId: cury, CuryDocBal: bal })
const codeOf = (f: () => unknown): string | undefined => {
  try { f() } catch (err) { return err instanceof BridgeError ? err.code : 'not a BridgeError' }
  return undefined
}

describe('extRefOf: the payment\'s ExtRefNbr (char 15), the same every time', () => {
  it('keeps a processor id that fits as it is', () => {
    expect(extRefOf({ ID: 1, TransactionNumber: 'ch_1a2b3c4d5e6f' })).toBe('ch_1a2b3c4d5e6f')
    expect(extRefOf({ ID: 1, TransactionNumber: '  pi_15chars_ok ' })).toBe('pi_15chars_ok')
  })

  it('makes a longer one `~` and 14 base32 characters of its hash, alike for alike and apart for different ids', () => {
    const long = 'ch_3NxQ0aB2eZvKYlo2C1xYz9kLmN'
    const a = extRefOf({ ID: 1, TransactionNumber: long })
    expect(a).toMatch(/^~[A-Z2-7]{14}$/)
    expect(extRefOf({ ID: 2, TransactionNumber: long })).toBe(a)
    expect(extRefOf({ ID: 1, TransactionNumber: `${long}x` })).not.toBe(a)
    const sixtyFour = 'x'.repeat(64)
    expect(extRefOf({ ID: 1, TransactionNumber: sixtyFour })).toHaveLength(15)
  })

  it('hashes what SL could not keep as it is: a space inside, a leading `~`, a character beyond ASCII', () => {
    for (const id of ['ch 1', '~ABCDEFGHIJKLMN', 'pagó-1']) expect(extRefOf({ ID: 1, TransactionNumber: id })).toMatch(/^~[A-Z2-7]{14}$/)
  })

  it('uses Clarity\'s payment ID for a payment without a processor id', () => {
    const a = extRefOf({ ID: 5, TransactionNumber: null })
    expect(a).toBe(extRefOf({ ID: 5, TransactionNumber: '' }))
    expect(a).not.toBe(extRefOf({ ID: 6, TransactionNumber: null }))
  })

  it('gives fifty thousand distinct ids as many distinct keys', () => {
    const keys = new Set<string>()
    const n = 50000
    for (let i = 0; i < n; i++) keys.add(extRefOf({ ID: i, TransactionNumber: `ch_${i.toString(36).padStart(24, '0')}` }))
    expect(keys.size).toBe(n)
  })
})

describe('refNbrOf and isCaptured', () => {
  it('asks for W and the Clarity ID in ten characters, and for nothing once the ID does not fit', () => {
    expect(refNbrOf({ ID: 77 })).toBe('W000000077')
    expect(refNbrOf({ ID: 999999999 })).toBe('W999999999')
    expect(refNbrOf({ ID: 1e9 })).toBeUndefined()
  })

  it('counts captured and refunded money, not an authorisation or a void', () => {
    expect(['Payment Received', 'Refunded', 'Authorized', 'Voided'].map((s) => isCaptured({ StatusKey: s })))
      .toEqual([true, true, false, false])
  })
})

describe('plan: one captured payment against what SL holds', () => {
  it('creates a payment applied to the open invoice (PA), with SL\'s keys and the amount in the payment\'s currency', () => {
    expect(plan(payment, 'C000123', [], invoice(62.33))).toEqual({
      action: 'create',
      body: {
        CustId: 'C000123', RefNbr: 'W000000077', DocDate: '2026-11-27T10:15:01.000Z', CuryId: 'EUR', CuryOrigDocAmt: 62.33,
        PmtMethod: 'VISA', ExtRefNbr: extRefOf(payment), ApplyTo: [{ InvcNbr: '0000000042', CuryAdjgAmt: 62.33 }]
      }
    })
  })

  it('applies no more than the invoice\'s balance (a second payment of the order pays the rest)', () => {
    const p = plan(payment, 'C000123', [], invoice(20.01))
    expect(p.action === 'create' && p.body.ApplyTo).toEqual([{ InvcNbr: '0000000042', CuryAdjgAmt: 20.01 }])
  })

  it('creates a prepayment (nothing applied) before SL invoices, or once the invoice is paid', () => {
    for (const inv of [undefined, invoice(0)]) {
      const p = plan(payment, 'C000123', [], inv)
      expect(p.action === 'create' && p.body.ApplyTo).toEqual([])
    }
  })

  it('applies an open prepayment to the invoice once it exists, for the smaller of the two balances', () => {
    const pp: Doc = { RefNbr: 'W000000077', DocType: 'PP', CuryId: 'EUR', CuryDocBal: 62.33 }
    expect(plan(payment, 'C000123', [pp], invoice(50))).toEqual({
      action: 'apply',
      body: { CustId: 'C000123', AdjgRefNbr: 'W000000077', AdjgDocType: 'PP', AdjdRefNbr: '0000000042', AdjdDocType: 'IN', CuryAdjgAmt: 50 }
    })
    expect(plan(payment, 'C000123', [pp], undefined)).toEqual({ action: 'none', why: 'no invoice yet' })
    expect(plan(payment, 'C000123', [pp], invoice(0))).toEqual({ action: 'none', why: 'invoice paid' })
  })

  it('writes nothing for a payment SL has settled: a PA, or a prepayment applied in full', () => {
    const pa: Doc = { RefNbr: 'W000000077', DocType: 'PA', CuryId: 'EUR', CuryDocBal: 0 }
    const pp: Doc = { ...pa, DocType: 'PP' }
    expect(plan(payment, 'C000123', [pa], invoice(10))).toEqual({ action: 'none', why: 'settled' })
    expect(plan(payment, 'C000123', [pp], invoice(10))).toEqual({ action: 'none', why: 'settled' })
    expect(plan(payment, 'C000123', [pa], invoice(10, 'USD'))).toEqual({ action: 'none', why: 'settled' })
  })

  it('stops with a reason for two SL documents of one payment, an invoice in another currency, an amount not above 0', () => {
    const pp: Doc = { RefNbr: 'W000000077', DocType: 'PP', CuryId: 'EUR', CuryDocBal: 1 }
    expect(codeOf(() => plan(payment, 'C000123', [pp, { ...pp, RefNbr: '0000000099' }], undefined))).toBe('DUPLICATE_IN_SL')
    expect(codeOf(() => plan(payment, 'C000123', [], invoice(10, 'USD')))).toBe('CURRENCY_MISMATCH')
    expect(codeOf(() => plan({ ...payment, Amount: '0.0000' }, 'C000123', [], undefined))).toBe('INVALID_AMOUNT')
    // An invoice document with the payment's ExtRefNbr is not a second payment.
    expect(plan(payment, 'C000123', [{ ...pp, DocType: 'IN' }], undefined).action).toBe('create')
  })

  it('leaves RefNbr to SL for a Clarity ID too long for it, and names the card type in ten characters', () => {
    const p = plan({ ...payment, ID: 1234567890, CardTypeKey: 'american express' }, 'C000123', [], undefined)
    expect(p.action === 'create' && p.body).toMatchObject({ PmtMethod: 'AMERICAN E' })
    expect(p.action === 'create' && 'RefNbr' in p.body).toBe(false)
  })
})

describe('docOf and paymentsOfOrder', () => {
  it('reads SL\'s padded document rows', () => {
    expect(docOf({ RefNbr: 'W000000077', DocType: 'PP', CuryId: 'EUR ', CuryDocBal: 3.5, CustId: 'C1' }))
      .toEqual({ RefNbr: 'W000000077', DocType: 'PP', CuryId: 'EUR', CuryDocBal: 3.5 })
  })

  it('reads the payments inside a Clarity order, in its currency', () => {
    const row = {
      ID: 100045, UpdatedDate: '2026-11-27T10:15:02Z', SellingCurrencyKey: 'EUR',
      Payments: [{ ID: 77, Amount: 62.33, StatusKey: 'Payment Received', TransactionNumber: 'ch_1', CardTypeKey: 'VISA', ReceivedDate: '2026-11-27T10:15:01Z' }]
    }
    expect(paymentsOfOrder(row)).toEqual([{
      ID: 77, SalesOrderID: 100045, Amount: '62.3300', CurrencyKey: 'EUR', StatusKey: 'Payment Received', TransactionNumber: 'ch_1',
      CardTypeKey: 'VISA', ReceivedDate: Date.parse('2026-11-27T10:15:01Z'), UpdatedDate: Date.parse('2026-11-27T10:15:02Z')
    }])
    expect(paymentsOfOrder({ ...row, Payments: undefined })).toEqual([])
    expect(codeOf(() => paymentsOfOrder({ ...row, Payments: [{ ID: 1, Amount: 'x', StatusKey: 'Payment Received' }] }))).toBe('INVALID_PAYLOAD')
    expect(codeOf(() => paymentsOfOrder({ ...row, SellingCurrencyKey: undefined }))).toBe('INVALID_PAYLOAD')
    expect(codeOf(() => paymentsOfOrder(null))).toBe('INVALID_PAYLOAD')
  })
})

describe('every reason in full, and SL\'s padding', () => {
  const messageOf = (f: () => unknown): string => {
    try { f() } catch (err) { return (err as Error).message }
    return 'no error'
  }
  const order = { ID: 9, UpdatedDate: '2026-11-27T10:15:02Z', SellingCurrencyKey: 'USD', Payments: [] as unknown[] }
  const one = (x: unknown) => messageOf(() => paymentsOfOrder({ ...order, Payments: [x] }))
  const good = { ID: 1, Amount: 5, StatusKey: 'Payment Received' }

  it('reads a padded document, and one lacking fields as empty', () => {
    expect(docOf({ RefNbr: 'W000000077 ', DocType: 'PP', CuryId: 'USD', CuryDocBal: 1 }))
      .toEqual({ RefNbr: 'W000000077', DocType: 'PP', CuryId: 'USD', CuryDocBal: 1 })
    expect(docOf({ RefNbr: 'X', DocType: 'PA  ', CuryId: 'USD', CuryDocBal: 1 }).DocType).toBe('PA')
    expect(docOf({})).toEqual({ RefNbr: '', DocType: '', CuryId: '', CuryDocBal: 0 })
  })

  it('names the documents, the currencies and the field in each refusal', () => {
    const pp: Doc = { RefNbr: 'W000000077', DocType: 'PP', CuryId: 'EUR', CuryDocBal: 1 }
    expect(messageOf(() => plan(payment, 'C1', [pp, { ...pp, DocType: 'PA', RefNbr: '0000000099' }], undefined))).toBe(
      `payment 77: SL has 2 payment documents with ExtRefNbr ${extRefOf(payment)} (PP W000000077, PA 0000000099); ` +
      '`bridge reconcile` lists them')
    expect(messageOf(() => plan({ ...payment, CurrencyKey: 'EUR ' }, 'C1', [], invoice(10, 'USD')))).toBe(
      'payment 77 is in EUR, its order\'s invoice 0000000042 in USD: SL applies a payment only in the invoice\'s currency')
    expect(messageOf(() => plan({ ...payment, Amount: '-1.0000' }, 'C1', [], undefined))).toBe('payment 77: Amount must be more than 0')
  })

  it('takes a padded currency and card type as SL and Clarity mean them, and a payment with no card type as CARD', () => {
    const p = plan({ ...payment, CurrencyKey: 'EUR ', CardTypeKey: ' visa ' }, 'C1', [], invoice(1))
    expect(p.action === 'create' && [p.body.CuryId, p.body.PmtMethod]).toEqual(['EUR', 'VISA'])
    const q = plan({ ...payment, CardTypeKey: null }, 'C1', [], undefined)
    expect(q.action === 'create' && q.body.PmtMethod).toBe('CARD')
  })

  it('writes nothing for a PA with a balance left: only a prepayment is applied later', () => {
    expect(plan(payment, 'C1', [{ RefNbr: 'W000000077', DocType: 'PA', CuryId: 'EUR', CuryDocBal: 5 }], invoice(10)))
      .toEqual({ action: 'none', why: 'settled' })
  })

  it('says which part of a Clarity order is wrong', () => {
    expect(messageOf(() => paymentsOfOrder({ ID: 'x' }))).toBe('the order: ID must be a whole number')
    expect(messageOf(() => paymentsOfOrder({ ...order, Payments: {} }))).toBe('order 9: Payments must be a list')
    expect(messageOf(() => paymentsOfOrder({ ...order, SellingCurrencyKey: 1 }))).toBe('order 9: SellingCurrencyKey must be text')
    expect(one(null)).toBe('order 9: Payments[0].ID must be a whole number')
    expect(one({ ...good, ID: 1.5 })).toBe('order 9: Payments[0].ID must be a whole number')
    expect(one({ ...good, Amount: '5' })).toBe('order 9: Payments[0].Amount must be an amount')
    expect(one({ ...good, Amount: Infinity })).toBe('order 9: Payments[0].Amount must be an amount')
    expect(one({ ...good, StatusKey: 1 })).toBe('order 9: Payments[0].StatusKey must be text')
  })

  it('gives each of those INVALID_PAYLOAD', () => {
    expect(codeOf(() => paymentsOfOrder({ ...order, Payments: {} }))).toBe('INVALID_PAYLOAD')
    for (const x of [null, { ...good, StatusKey: 1 }]) {
      expect(codeOf(() => paymentsOfOrder({ ...order, Payments: [x] }))).toBe('INVALID_PAYLOAD')
    }
  })

  it('reads a field of the wrong type as absent', () => {
    const odd = { ...good, ReceivedDate: 5, TransactionNumber: 7, CardTypeKey: 8 }
    const [p] = paymentsOfOrder({ ...order, Payments: [odd] })
    expect(p).toMatchObject({ ReceivedDate: null, TransactionNumber: null, CardTypeKey: null })
  })
})
