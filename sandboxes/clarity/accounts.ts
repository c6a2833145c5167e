// Customer accounts, upserted by the ERP side and by shoppers signing up.
import { hashOf, now, obj, reject, text, type Ctx } from './api.ts'
import type { Account } from './state.ts'

const newAccount = (c: Ctx, b: Record<string, unknown>): Account => ({
  ID: ++c.state().nextId.account, CustomKey: null, CreatedDate: now(), UpdatedDate: now(), Active: true, Hash: null,
  Name: text(b.Name, 'Name', 512), IsTaxable: true, TaxExemptionNo: null, CreditCurrencyKey: 'USD',
  PrimaryContact: { FirstName: null, LastName: null, Email1: null, Phone1: null, Address: null }
})

/**
 * Creates an account, or changes the one with the body's ID or CustomKey. An upsert that
 * changes nothing sends no event.
 */
export function upsertAccount (c: Ctx, b: Record<string, unknown>): Account {
  const state = c.state()
  const byKey = typeof b.CustomKey === 'string' && b.CustomKey !== ''
    ? Object.values(state.accounts).find((a) => a.CustomKey === b.CustomKey)
    : undefined
  const existing = (typeof b.ID === 'number' ? state.accounts[String(b.ID)] : undefined) ?? byKey
  if (existing === undefined && typeof b.ID === 'number') reject(404, `Account ${b.ID} does not exist`)
  const a: Account = existing ?? newAccount(c, b)
  if (b.CustomKey !== undefined) a.CustomKey = b.CustomKey === null ? null : text(b.CustomKey, 'CustomKey')
  if (b.Name !== undefined) a.Name = text(b.Name, 'Name', 512)
  if (typeof b.IsTaxable === 'boolean') a.IsTaxable = b.IsTaxable
  if (b.TaxExemptionNo !== undefined) a.TaxExemptionNo = b.TaxExemptionNo as string | null
  if (typeof b.CreditCurrencyKey === 'string') a.CreditCurrencyKey = b.CreditCurrencyKey
  if (b.PrimaryContact !== undefined) {
    a.PrimaryContact = { ...a.PrimaryContact, ...obj(b.PrimaryContact) } as Account['PrimaryContact']
  }
  const hash = hashOf([a.CustomKey, a.Name, a.IsTaxable, a.TaxExemptionNo, a.CreditCurrencyKey, a.PrimaryContact])
  if (existing !== undefined && hash === a.Hash) return a
  a.Hash = hash
  a.UpdatedDate = now()
  state.accounts[String(a.ID)] = a
  c.sender.emit(existing === undefined ? 'customer.created' : 'customer.updated', a)
  return c.changed(a)
}

/** A shopper signing up: always a new account, with no CustomKey yet. */
export const signUp = (c: Ctx, body: unknown): Account =>
  upsertAccount(c, { ...obj(body), ID: undefined, CustomKey: undefined })
