// Pure: an SL item → the body of Clarity's Product Upsert, field by field as
// mappings/catalogue.yaml says; the item's status decides discontinued and visible.
import type { CatalogueMapping, ProductField } from '../../../domain/catalogue-mapping.ts'
import { poison } from '../../../lib/errors.ts'
import { own, skuOf } from '../../../domain/mapping.ts'
import type { Item } from '../../../domain/records.ts'

const NUMERIC: ProductField[] = ['PriceBase', 'PriceSale', 'Weight']
const NAME_MAX = 512

export type ProductUpsert = Record<string, string | number | boolean | null>

export function toProduct (m: CatalogueMapping, skus: Record<string, string>, item: Item): ProductUpsert {
  const body: ProductUpsert = { CustomKey: skuOf({ skus }, item.InvtID) }
  for (const [field, from] of Object.entries(m.products.fields) as Array<[ProductField, keyof Item]>) {
    const v = item[from]
    if (NUMERIC.includes(field)) body[field] = v === null ? null : Number(v)
    else if (field === 'TaxCode') body[field] = own(m.products.taxCodes, String(v)) ?? String(v)
    else body[field] = v === null ? null : String(v)
  }
  if (typeof body.Name !== 'string' || body.Name.trim() === '') {
    throw poison('INVALID_ITEM', `item ${item.InvtID}: no name for Clarity (products.fields.Name is empty)`)
  }
  if (body.Name.length > NAME_MAX) {
    throw poison('INVALID_ITEM',
      `item ${item.InvtID}: Name is ${body.Name.length} characters; Clarity takes ${NAME_MAX}`)
  }
  if (body.PriceBase === null) throw poison('INVALID_ITEM', `item ${item.InvtID}: Clarity needs a PriceBase`)
  body.IsDiscontinued = m.products.discontinued.includes(item.TranStatusCode)
  body.IsVisible = !m.products.hidden.includes(item.TranStatusCode)
  return body
}
