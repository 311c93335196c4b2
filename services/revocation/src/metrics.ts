import { Gauge, Histogram, type Registry } from 'prom-client';
import type { RevocationMirror } from '@tessera/verifier';

export interface RevocationMetrics {
  /** Event occurredAt → the KV write that applies it (what verifiers then see within a hop). */
  propagation: Histogram<'event'>;
}

export function createRevocationMetrics(registry: Registry, mirror: RevocationMirror): RevocationMetrics {
  new Gauge({
    name: 'auth_blacklist_size_gauge',
    help: 'Entries in the REVOCATIONS bucket by kind (token = jti, session = sid, user = sub), as mirrored by this replica',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const size = mirror.size();
      this.set({ kind: 'token' }, size.tokens);
      this.set({ kind: 'session' }, size.sessions);
      this.set({ kind: 'user' }, size.users);
    },
  });
  return {
    propagation: new Histogram({
      name: 'revocation_propagation_seconds',
      help: 'Time from a revocation event occurring to its REVOCATIONS entry being written',
      labelNames: ['event'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}
