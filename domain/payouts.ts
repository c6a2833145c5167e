// The payout mapping file (mappings/payouts.yaml), loaded and checked once at start, and
// the keys a Clarity payout is known by in SL's general ledger, shared by the payout sink
// and the reconciliation so both find the same batch.
import { MappingError, readMappingFile } from './mapping.ts'
import { fitting } from './payments.ts'
import type { ClarityPayout } from './records.ts'

export interface PayoutMapping {
  version: string
  journalType: string
  subaccount: string
  accounts: { bank: Record<string, string>, fees: string, clearing: string }
}

// SL's lengths: JrnlType char(3), Acct char(10), Sub char(24).
const LIMITS = { journalType: 3, acct: 10, sub: 24 }
const CURRENCY = /^[A-Z]{3}$/
const KNOWN = ['version', 'journalType', 'subaccount', 'accounts']
const ACCOUNTS = ['bank', 'fees', 'clearing']

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** What is wrong with one SL code: text, not blank, at most `max` characters, no padding. */
function codeProblem (v: unknown, where: string, max: number): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') return `${where} is required (text)`
  if (v.trim() !== v) return `${where} must not start or end with spaces`
  if (v.length > max) return `${where} is longer than SL's ${max} characters`
  return undefined
}

/** The mapping, or a MappingError with every problem of the file at once. */
export function checkPayoutMapping (raw: unknown, file: string): PayoutMapping {
  const p: string[] = []
  const x = isTable(raw) ? raw : {}
  if (!isTable(raw)) p.push('the file must be a table (key: value)')
  for (const k of Object.keys(x)) if (!KNOWN.includes(k)) p.push(`unknown key "${k}"; known: ${KNOWN.join(', ')}`)
  if (typeof x.version !== 'string' || x.version === '') p.push('version is required (text)')
  const push = (problem: string | undefined): void => { if (problem !== undefined) p.push(problem) }
  push(codeProblem(x.journalType, 'journalType', LIMITS.journalType))
  push(codeProblem(x.subaccount, 'subaccount', LIMITS.sub))
  const a = isTable(x.accounts) ? x.accounts : {}
  if (!isTable(x.accounts)) p.push('accounts is required: a table of bank, fees and clearing')
  else {
    for (const k of Object.keys(a)) {
      if (!ACCOUNTS.includes(k)) p.push(`accounts: unknown key "${k}"; known: ${ACCOUNTS.join(', ')}`)
    }
  }
  push(codeProblem(a.fees, 'accounts.fees', LIMITS.acct))
  push(codeProblem(a.clearing, 'accounts.clearing', LIMITS.acct))
  const bank = isTable(a.bank) ? a.bank : {}
  if (!isTable(a.bank) || Object.keys(bank).length === 0) {
    p.push('accounts.bank is required: a table of currency (or default): account')
  }
  for (const [cury, acct] of Object.entries(bank)) {
    if (cury !== 'default' && !CURRENCY.test(cury)) {
      p.push(`accounts.bank: "${cury}" is not a currency code (3 capitals) nor default`)
    }
    push(codeProblem(acct, `accounts.bank.${cury}`, LIMITS.acct))
  }
  if (p.length > 0) throw new MappingError(file, p)
  return x as unknown as PayoutMapping
}

export const loadPayoutMapping = (file: string): PayoutMapping => checkPayoutMapping(readMappingFile(file), file)

/** The payout's ExtRefNbr on each line of its batch (char 15), the same every time: `payout_<ID>`. */
export const payoutExtRefOf = (p: Pick<ClarityPayout, 'ID'>): string => fitting(`payout_${p.ID}`)

/** The lines' RefNbr (char 10): `PO<ID>`; none for an ID too long for it. */
export const payoutRefNbrOf = (p: Pick<ClarityPayout, 'ID'>): string | undefined =>
  p.ID >= 0 && p.ID < 1e8 ? `PO${p.ID}` : undefined
