import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createNotifierMetrics(registry: Registry) {
  return {
    connections: new Gauge({ name: 'auth_websocket_connections_active', help: 'Open WebSocket connections (authenticated or not yet)', registers: [registry] }),
    messagesSent: new Counter({ name: 'websocket_messages_sent_total', help: 'Messages pushed to sockets, by type', labelNames: ['type'], registers: [registry] }),
    deliveryLatency: new Histogram({
      name: 'websocket_delivery_latency_seconds',
      help: 'Time from a token event occurring to its push to a socket',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    slowReaderDisconnects: new Counter({ name: 'websocket_slow_reader_disconnects_total', help: 'Sockets closed because their send buffer passed the bound', registers: [registry] }),
    rejected: new Counter({ name: 'websocket_connections_rejected_total', help: 'Sockets refused or closed by the server, by reason', labelNames: ['reason'], registers: [registry] }),
  };
}
export type NotifierMetrics = ReturnType<typeof createNotifierMetrics>;
