import type pg from 'pg';
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';

/** `db_pool_connections{state}`: total, idle and waiting clients of the service's pool, read at scrape time. */
export function observePool(pool: pg.Pool, registry: Registry): void {
  new Gauge({
    name: 'db_pool_connections',
    help: 'PostgreSQL pool clients by state (total, idle, waiting requests)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
}
