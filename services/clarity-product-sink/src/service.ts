// products.changes → Clarity Product Upsert on CustomKey (the SL InvtID, or the
// store's SKU where the SKU table says they differ). An upsert of the same record is
// harmless, so redelivery needs nothing more; a product Clarity refuses is dead-lettered.
import { loadCatalogueMapping } from '../../../domain/catalogue-mapping.ts'
import { clarityClientOf } from '../../../lib/clients/clarity.ts'
import { rejectedAsPoison } from '../../../lib/clients/http.ts'
import { loadOrderMapping } from '../../../domain/mapping.ts'
import type { Item } from '../../../domain/records.ts'
import { startService, type Running } from '../../../lib/service.ts'
import { prefixed } from '../../../topology/topology.ts'
import type { Config } from './config.ts'
import { toProduct } from './transform.ts'

export async function startClarityProductSink (c: Config, exit?: (code: number) => never): Promise<Running> {
  const { topics, services } = prefixed(c.BRIDGE_TOPIC_PREFIX)
  const mapping = loadCatalogueMapping(c.CATALOGUE_MAPPING_FILE)
  const { skus } = loadOrderMapping(c.ORDER_MAPPING_FILE)
  const clarity = clarityClientOf(c)
  return await startService({
    service: services.clarityProductSink, config: c, exit,
    handler: async (kit) => {
      const items = await kit.serde<Item>(topics.productsChanges)
      return async (rec) => {
        if (rec.value === null) return [] // an item deleted from SL: the store keeps the product as it was
        const item = await items.decode(rec.value)
        await clarity.upsertProduct(toProduct(mapping, skus, item))
          .catch((err: unknown) => rejectedAsPoison(err, `product ${item.InvtID}`))
        return []
      }
    }
  })
}
