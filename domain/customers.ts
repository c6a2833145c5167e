// Customers both ways: the customer mapping (mappings/customers.yaml) and the pure
// conversions between a Clarity account and an SL customer. Both directions compare
// content in one shape, the fields the two systems share, so a change one side got from
// the other is recognised and not sent back (no echo loop).
import { ALPHA2, ALPHA3 } from './countries.ts'
import { poison } from '../lib/errors.ts'
import { MappingError, readMappingFile } from './mapping.ts'
import { shownCode, tooLong } from './personal.ts'

export interface CustomerMapping {
  version: string, custId: string, matchByEmail: boolean, newCustomers: Record<string, string>, notPublished: string[]
}

export interface AccountAddress {
  Company: string | null, Street1: string, Street2: string | null, Street3: string | null, City: string
  RegionCode: string | null, CountryCode: string, PostalCode: string | null
}
export interface ClarityAccount {
  ID: number, CustomKey: string | null, Name: string, IsTaxable: boolean, TaxExemptionNo: string | null
  CreditCurrencyKey: string, UpdatedDate: number
  PrimaryContact: {
    FirstName: string | null, LastName: string | null, Email1: string | null, Phone1: string | null
    Address: AccountAddress | null
  }
}
export interface CustomerEvent {
  eventId: string, eventType: string, source: 'WEBHOOK' | 'POLL', receivedAt: number, account: ClarityAccount
}
export interface SlCustomer {
  CustId: string, Name: string, Addr1: string, Addr2: string, City: string, State: string, Zip: string, Country: string,
  Phone: string, EMailAddr: string,
  ClassId: string, CuryId: string, Terms: string, TaxID00: string, Status: string, LUpd_DateTime: number, tstamp: number
}

/** The fields both systems hold, in SL's form (codes, lengths). */
export const SHARED = ['Name', 'Addr1', 'Addr2', 'City', 'State', 'Zip', 'Country', 'Phone', 'EMailAddr'] as const
export type Shared = Partial<Record<typeof SHARED[number], string>>
const LEN: Record<string, number> = {
  Name: 60, Addr1: 60, Addr2: 60, City: 30, State: 3, Zip: 10, Country: 3, Phone: 30, EMailAddr: 80,
  CustId: 15, ClassId: 6, Terms: 2
}
const CUST_ID = /^[A-Z0-9-]+$/
const TEMPLATE = /\{ID(?::(\d+))?\}/

export function checkCustomerMapping (m: unknown, file: string): CustomerMapping {
  const p: string[] = []
  const x = (m ?? {}) as Record<string, any>
  if (typeof x.version !== 'string') p.push('version must be text')
  if (typeof x.custId !== 'string' || !TEMPLATE.test(x.custId)) {
    p.push('custId must be text containing {ID} or {ID:n}, so each account gets its own CustId')
  } else {
    const sample = custIdFor({ custId: x.custId } as CustomerMapping, 9999999)
    if (!CUST_ID.test(sample) || sample.length > LEN.CustId!) {
      p.push(`custId "${x.custId}" makes CustIds like ${sample}; SL takes upper-case letters, digits and -, 15 at most`)
    }
  }
  if (typeof x.matchByEmail !== 'boolean') p.push('matchByEmail must be true or false')
  for (const [k, v] of Object.entries(x.newCustomers ?? {})) {
    if (!['ClassId', 'Terms', 'CuryId', 'TaxID00'].includes(k)) {
      p.push(`newCustomers.${k}: can set ClassId, Terms, CuryId, TaxID00`)
    } else if (typeof v !== 'string' || v.length > (LEN[k] ?? 10)) {
      p.push(`newCustomers.${k} must be text of at most ${LEN[k] ?? 10} characters`)
    }
  }
  if (x.notPublished !== undefined &&
    (!Array.isArray(x.notPublished) || x.notPublished.some((v: unknown) => typeof v !== 'string'))) {
    p.push('notPublished must be a list of CustIds')
  }
  if (p.length > 0) throw new MappingError(file, p)
  return {
    version: x.version,
    custId: x.custId,
    matchByEmail: x.matchByEmail,
    newCustomers: x.newCustomers ?? {},
    notPublished: x.notPublished ?? []
  }
}

export const loadCustomerMapping = (file: string): CustomerMapping =>
  checkCustomerMapping(readMappingFile(file), file)

/** The CustId the mapping gives a Clarity account SL does not know yet. */
export function custIdFor (m: CustomerMapping, accountId: number): string {
  return m.custId.replace(TEMPLATE, (_, width?: string) => String(accountId).padStart(Number(width ?? 0), '0'))
}

function fit (field: string, value: string, who: string): string {
  const len = LEN[field]!
  if (value.length > len) {
    throw poison('FIELD_TOO_LONG', `${who}: ${tooLong(field, value.length, len)}. Shorten it in Clarity`)
  }
  return value
}
const clean = (v: string | null | undefined): string => (v ?? '').trim()

/**
 * What a Clarity account says about the shared fields, in SL's form. A field Clarity
 * leaves empty (null) is absent: Clarity does not know it, so SL's value stands.
 */
export function sharedOfAccount (a: ClarityAccount): Shared {
  const who = `account ${a.ID}`
  const c = a.PrimaryContact
  const out: Shared = { Name: fit('Name', clean(a.Name), who) }
  if (c.Email1 != null) out.EMailAddr = fit('EMailAddr', clean(c.Email1).toLowerCase(), who)
  if (c.Phone1 != null) out.Phone = fit('Phone', clean(c.Phone1), who)
  const ad = c.Address
  if (ad !== null && ad !== undefined) {
    const country = ALPHA3[clean(ad.CountryCode).toUpperCase()]
    if (country === undefined) {
      throw poison('UNKNOWN_COUNTRY',
        `${who}: Address.CountryCode ${shownCode(ad.CountryCode)} is not an ISO 3166 country`)
    }
    out.Addr1 = fit('Addr1', clean(ad.Street1), who)
    out.Addr2 = fit('Addr2', [ad.Street2, ad.Street3].map(clean).filter((s) => s !== '').join(', '), who)
    out.City = fit('City', clean(ad.City), who)
    out.State = fit('State', clean(ad.RegionCode).toUpperCase().replace(/^[A-Z]{2}-/, ''), who)
    out.Zip = fit('Zip', clean(ad.PostalCode), who)
    out.Country = country
  }
  return out
}

export function sharedOfCustomer (c: Pick<SlCustomer, typeof SHARED[number]>): Required<Shared> {
  return Object.fromEntries(
    SHARED.map((k) => [k, k === 'EMailAddr' ? clean(c[k]).toLowerCase() : clean(c[k])])
  ) as Required<Shared>
}

/** True when every field `want` states has that value in `have`. */
export function agrees (want: Shared, have: Shared): boolean {
  return Object.entries(want).every(([k, v]) => (have[k as keyof Shared] ?? '') === v)
}

/** The Account Upsert body for an SL customer: matched on CustomKey = CustId. */
export function accountOf (c: SlCustomer): Record<string, unknown> {
  const [first, ...rest] = c.Name.trim().split(/\s+/)
  const alpha2 = ALPHA2[c.Country.trim().toUpperCase()]
  // Clarity needs street, city and country for an address; with less, it keeps its own.
  const address = c.Addr1.trim() !== '' && c.City.trim() !== '' && alpha2 !== undefined
    ? {
        Company: null, Street1: c.Addr1.trim(), Street2: c.Addr2.trim() || null, Street3: null, City: c.City.trim(),
        RegionCode: c.State.trim() || null, CountryCode: alpha2, PostalCode: c.Zip.trim() || null
      }
    : undefined
  return {
    CustomKey: c.CustId,
    Name: c.Name.trim(),
    ...(c.CuryId.trim() === '' ? {} : { CreditCurrencyKey: c.CuryId.trim() }),
    PrimaryContact: {
      FirstName: first ?? null, LastName: rest.length > 0 ? rest.join(' ') : null,
      Email1: c.EMailAddr.trim() || null, Phone1: c.Phone.trim() || null,
      ...(address === undefined ? {} : { Address: address })
    }
  }
}
