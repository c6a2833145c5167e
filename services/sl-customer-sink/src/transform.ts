// Pure: what to do in SL for one state of a Clarity account, given what SL holds.
import {
  agrees, sharedOfAccount, sharedOfCustomer, type ClarityAccount, type CustomerMapping, type Shared
} from '../../../domain/customers.ts'
import { poison } from '../../../lib/errors.ts'

export type SlRow = Record<string, unknown>
export type Plan =
  | { action: 'create', custId: string, body: Record<string, unknown> }
  | { action: 'update', custId: string, body: Shared }
  | { action: 'none', custId: string, why: 'same' | 'older' }

/**
 * @param current the SL customer the account is (or will be) linked to, if SL has it
 * @param custId  that customer's id: the account's CustomKey, an e-mail match, or the mapping's
 */
export function plan (m: CustomerMapping, a: ClarityAccount, custId: string, current: SlRow | undefined): Plan {
  const want = sharedOfAccount(a)
  if (current === undefined) return { action: 'create', custId, body: { CustId: custId, ...want, ...m.newCustomers } }
  // Both sides are edited: the later change wins. SL changed after this state of the
  // account, so SL's version is the newer one and goes the other way.
  const slChanged = Date.parse(String(current.LUpd_DateTime))
  if (slChanged > a.UpdatedDate) return { action: 'none', custId, why: 'older' }
  const have = sharedOfCustomer(current as never)
  // SL already says what Clarity says (often because it came from SL): nothing to write.
  if (agrees(want, have)) return { action: 'none', custId, why: 'same' }
  const change = Object.fromEntries(Object.entries(want).filter(([k, v]) => have[k as keyof Shared] !== v)) as Shared
  return { action: 'update', custId, body: change }
}

/** The SL customer an account without a CustomKey is linked to by its e-mail, if exactly one. */
export function emailMatch (a: ClarityAccount, found: SlRow[]): SlRow | undefined {
  if (found.length <= 1) return found[0]
  throw poison('DUPLICATE_EMAIL', `account ${a.ID}: ${found.length} SL customers have its e-mail ` +
    `(${found.map((f) => String(f.CustId)).join(', ')}); link one by setting the account's CustomKey`)
}
