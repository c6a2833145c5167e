// The single source of truth for what flows where. Services take topic names from
// here (a typo is a compile error); `bridge topology apply|check|diagram` read it.

export type Cleanup = 'delete' | 'compact'
export type System = 'clarity' | 'sl'

export interface Topic {
  name: string
  doc: string
  partitions: number
  /** What the record key is: it decides ordering and, when compacted, what is kept. */
  key: string
  /** File in schemas/ without .avsc; its subject is `<name>-value`. */
  schema: string
  cleanup: Cleanup
  retentionMs?: number
  /** Written from outside the bridge's own services. */
  ingress?: boolean
  /** Has a `<name>.dlq` topic for records its consumers cannot process. */
  deadLetters: boolean
}

export interface Service {
  name: string
  doc: string
  consumes: Topic[]
  produces: Topic[]
  calls: System[]
}

const day = 24 * 3600 * 1000

export const topics = {
  ordersRaw: {
    name: 'orders.raw', doc: 'Clarity orders as received, pushed or polled', partitions: 6,
    key: 'Clarity order ID', schema: 'orders.raw', cleanup: 'delete', retentionMs: 14 * day, deadLetters: true
  },
  ordersMapped: {
    name: 'orders.mapped', doc: 'Orders mapped to SL sales orders', partitions: 6,
    key: 'Clarity order ID', schema: 'orders.mapped', cleanup: 'delete', retentionMs: 14 * day, deadLetters: true
  },
  ordersStatus: {
    name: 'orders.status', doc: 'What SL did with each order', partitions: 6,
    key: 'Clarity order ID', schema: 'orders.status', cleanup: 'delete', retentionMs: 14 * day, deadLetters: true
  },
  shipmentsChanges: {
    name: 'shipments.changes', doc: 'SL shipper states, with tracking', partitions: 6,
    key: 'CustOrdNbr (the Clarity order ID)', schema: 'shipments.changes', cleanup: 'delete',
    retentionMs: 14 * day, deadLetters: true
  },
  inventoryChanges: {
    name: 'inventory.changes', doc: 'Latest stock level per item and site', partitions: 6,
    key: 'InvtID|SiteID', schema: 'inventory.changes', cleanup: 'compact', deadLetters: true
  },
  productsChanges: {
    name: 'products.changes', doc: 'Latest item master record per SL item', partitions: 3,
    key: 'InvtID', schema: 'products.changes', cleanup: 'compact', deadLetters: true
  },
  customersRaw: {
    name: 'customers.raw', doc: 'Clarity accounts as received, pushed or polled', partitions: 3,
    key: 'Clarity account ID', schema: 'customers.raw', cleanup: 'compact', deadLetters: true
  },
  customersChanges: {
    name: 'customers.changes', doc: 'Latest state of each SL customer', partitions: 3,
    key: 'CustId', schema: 'customers.changes', cleanup: 'compact', deadLetters: true
  },
  paymentsRaw: {
    name: 'payments.raw', doc: 'Clarity payments as received, pushed or polled', partitions: 6,
    key: 'Clarity order ID (SalesOrderID)', schema: 'payments.raw', cleanup: 'delete', retentionMs: 14 * day,
    deadLetters: true
  },
  payoutsRaw: {
    name: 'payouts.raw', doc: 'Clarity payouts to the bank, as received, pushed or polled', partitions: 3,
    key: 'Clarity payout ID', schema: 'payouts.raw', cleanup: 'delete', retentionMs: 30 * day, deadLetters: true
  },
  returnsRaw: {
    name: 'returns.raw', doc: 'Clarity sales returns as received, pushed or polled', partitions: 3,
    key: 'Clarity return ID', schema: 'returns.raw', cleanup: 'delete', retentionMs: 30 * day, deadLetters: true
  },
  cursors: {
    name: 'bridge.cursors', doc: 'Poller positions in external change feeds', partitions: 1,
    key: 'cursor name', schema: 'bridge.cursors', cleanup: 'compact', deadLetters: false
  },
  // Not compacted: each event id is written once (a tombstone at most once more), so
  // compaction would free nothing, and alone it would keep every id for ever. Three days
  // outlast the signature tolerance and the hours Clarity goes on retrying.
  webhooksSeen: {
    name: 'bridge.webhooks-seen',
    doc: 'Clarity webhook event ids already taken, so a redelivery has no second effect', partitions: 1,
    key: 'Clarity event id', schema: 'bridge.webhooks-seen', cleanup: 'delete', retentionMs: 3 * day, deadLetters: false
  }
} as const satisfies Record<string, Topic>

export const services = {
  clarityIngest: {
    name: 'clarity-ingest',
    doc: 'Clarity webhooks and the ModifiedSince pollers → orders.raw, customers.raw, payments.raw, payouts.raw, ' +
      'returns.raw',
    consumes: [topics.cursors, topics.webhooksSeen],
    produces: [
      topics.ordersRaw, topics.customersRaw, topics.paymentsRaw, topics.payoutsRaw, topics.returnsRaw, topics.cursors,
      topics.webhooksSeen
    ],
    calls: ['clarity']
  },
  orderMapper: {
    name: 'order-mapper', doc: 'Declarative mapping of Clarity orders to SL sales orders',
    consumes: [topics.ordersRaw], produces: [topics.ordersMapped], calls: []
  },
  slOrderSink: {
    name: 'sl-order-sink', doc: 'Creates each order once in SL',
    consumes: [topics.ordersMapped], produces: [topics.ordersStatus], calls: ['sl']
  },
  slShipperSource: {
    name: 'sl-shipper-source', doc: 'Polls SL shippers by tstamp',
    consumes: [topics.cursors], produces: [topics.shipmentsChanges, topics.cursors], calls: ['sl']
  },
  clarityOrderSink: {
    name: 'clarity-order-sink', doc: 'Confirms, holds, ships and voids orders in Clarity',
    consumes: [topics.ordersStatus, topics.shipmentsChanges], produces: [], calls: ['clarity']
  },
  slInventorySource: {
    name: 'sl-inventory-source', doc: 'Polls SL item-site levels by tstamp',
    consumes: [topics.cursors], produces: [topics.inventoryChanges, topics.cursors], calls: ['sl']
  },
  clarityInventorySink: {
    name: 'clarity-inventory-sink', doc: 'Pushes stock per location to Clarity in batches',
    consumes: [topics.inventoryChanges], produces: [], calls: ['clarity']
  },
  slProductSource: {
    name: 'sl-product-source', doc: 'Polls the SL item master by tstamp',
    consumes: [topics.cursors], produces: [topics.productsChanges, topics.cursors], calls: ['sl']
  },
  clarityProductSink: {
    name: 'clarity-product-sink', doc: 'Upserts products in Clarity (CustomKey = InvtID)',
    consumes: [topics.productsChanges], produces: [], calls: ['clarity']
  },
  slCustomerSink: {
    name: 'sl-customer-sink', doc: 'Creates or updates Clarity accounts as SL customers; writes the CustId back',
    consumes: [topics.customersRaw], produces: [], calls: ['sl', 'clarity']
  },
  slCustomerSource: {
    name: 'sl-customer-source', doc: 'Polls SL customers by tstamp',
    consumes: [topics.cursors], produces: [topics.customersChanges, topics.cursors], calls: ['sl']
  },
  clarityCustomerSink: {
    name: 'clarity-customer-sink', doc: 'Upserts SL customers as Clarity accounts, except what Clarity already has',
    consumes: [topics.customersChanges, topics.customersRaw], produces: [], calls: ['clarity']
  },
  slPaymentSink: {
    name: 'sl-payment-sink',
    doc: 'Each captured Clarity payment once in SL\'s receivables, applied to its invoice (prepaid until invoiced)',
    consumes: [topics.paymentsRaw, topics.ordersStatus, topics.shipmentsChanges], produces: [], calls: ['sl', 'clarity']
  },
  slPayoutSink: {
    name: 'sl-payout-sink',
    doc: 'Each Clarity payout once in SL\'s general ledger, as one balanced batch in the period of its date',
    consumes: [topics.payoutsRaw], produces: [], calls: ['sl']
  },
  slReturnSink: {
    name: 'sl-return-sink',
    doc: 'Each approved Clarity return once as an SL RMA; SL\'s receipt back to Clarity; its refund settles the ' +
      'credit memo',
    consumes: [topics.returnsRaw, topics.shipmentsChanges], produces: [], calls: ['sl', 'clarity']
  },
  orderAnalytics: {
    name: 'order-analytics', doc: 'Revenue per hour per currency and top SKUs',
    consumes: [topics.ordersMapped], produces: [], calls: []
  }
} as const satisfies Record<string, Service>

export const allTopics: Topic[] = Object.values(topics)
export const allServices: Service[] = Object.values(services)
export const subjectOf = (t: Topic): string => `${t.name}-value`
export const dlqName = (t: Topic): string => `${t.name}.dlq`

/** Broker configs a topic is created with and kept at. */
export function topicConfigs (t: Topic): Record<string, string> {
  const c: Record<string, string> = { 'cleanup.policy': t.cleanup }
  if (t.retentionMs !== undefined) c['retention.ms'] = String(t.retentionMs)
  return c
}

/** Dead-letter topics keep records a month: long enough to notice, fix and retry. */
export const dlqConfigs: Record<string, string> = { 'cleanup.policy': 'delete', 'retention.ms': String(30 * day) }

export type Topology = { topics: typeof topics, services: typeof services }

/**
 * The same topology with every topic name and consumer group prefixed: several
 * environments can share one cluster, and each integration test gets its own.
 */
export function prefixed (prefix: string): Topology {
  if (prefix === '') return { topics, services }
  const t = Object.fromEntries(
    Object.entries(topics).map(([k, v]) => [k, { ...v, name: `${prefix}${v.name}` }])
  ) as unknown as typeof topics
  const byName = new Map(Object.values(topics).map((v, i) => [v.name, Object.values(t)[i]!]))
  const s = Object.fromEntries(Object.entries(services).map(([k, v]) => [k, {
    ...v,
    name: `${prefix.replace(/\./g, '-')}${v.name}`,
    consumes: v.consumes.map((x) => byName.get(x.name)!),
    produces: v.produces.map((x) => byName.get(x.name)!)
  }])) as unknown as typeof services
  return { topics: t, services: s }
}
