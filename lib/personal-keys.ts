// The keys under which Clarity's and SL's records (and the storefront's) hold a person's
// name, e-mail, phone or address: what the logs redact (lib/logger.ts) and what the texts
// about a record leave out (domain/personal.ts). One list, so the two cannot drift apart.
export const PERSONAL_KEYS: ReadonlySet<string> = new Set([
  'FirstName', 'LastName', 'Name', 'Email1', 'Phone1', 'Address', 'UserContactEmail', 'Company',
  'Street1', 'Street2', 'Street3', 'City', 'PostalCode', 'TaxExemptionNo',
  'BillingContact', 'ShippingContact', 'PrimaryContact', 'EMailAddr', 'Phone', 'Addr1', 'Addr2', 'Zip',
  'ShipName', 'ShipAddr1', 'ShipAddr2', 'ShipCity', 'ShipZip',
  'BillName', 'BillAddr1', 'BillAddr2', 'BillCity', 'BillZip',
  'email', 'firstName', 'lastName', 'phone', 'address', 'shipTo', 'billTo'
])
