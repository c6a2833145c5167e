import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client'

export type Metrics = ReturnType<typeof createMetrics>

// One registry per process; label names are the structured-log field names.
export function createMetrics (service: string) {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    messagesIn: new Counter({
      name: 'bridge_messages_in_total',
      help: 'Records consumed',
      labelNames: ['topic'],
      registers: [registry]
    }),
    messagesOut: new Counter({
      name: 'bridge_messages_out_total',
      help: 'Records produced',
      labelNames: ['topic'],
      registers: [registry]
    }),
    errors: new Counter({
      name: 'bridge_errors_total',
      help: 'Failures by kind and code',
      labelNames: ['kind', 'code'],
      registers: [registry]
    }),
    deadLettered: new Counter({
      name: 'bridge_dead_lettered_total',
      help: 'Records sent to a dead-letter topic',
      labelNames: ['topic', 'code'],
      registers: [registry]
    }),
    processing: new Histogram({
      name: 'bridge_processing_seconds',
      help: 'Time to process one record, retries included',
      labelNames: ['topic'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [registry]
    }),
    lag: new Gauge({
      name: 'bridge_consumer_lag',
      help: 'High watermark minus the next offset to process, per partition',
      labelNames: ['topic', 'partition'],
      registers: [registry]
    })
  }
}
