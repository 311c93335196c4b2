import type { Express } from 'express';
import type { Kysely } from 'kysely';
import type { Authenticator } from '../auth.js';
import type { AuditDatabase } from '../db.js';
import type { RebuildRunner } from '../rebuild/runner.js';
import { getBruteForce } from './brute-force.js';
import { getDailySummary } from './daily-summary.js';
import { getRebuild, postRebuild } from './rebuild.js';
import { getAuditTrail } from './trail.js';
import { getUnusualUsage } from './unusual-usage.js';

export interface AuditRoutesOptions {
  db: Kysely<AuditDatabase>;
  auth: Authenticator;
  rebuilds: RebuildRunner;
  now: () => number;
}

export function auditRoutes(app: Express, { db, auth, rebuilds, now }: AuditRoutesOptions): void {
  const admin = auth.requireToken({ scope: 'ADMIN_TOKENS' });
  const system = auth.requireToken({ scope: 'ADMIN_SYSTEM' });
  app.get('/api/v1/auth/tokens/audit/:userId', auth.requireToken(), getAuditTrail(db));
  app.get('/api/v1/audit/threats/brute-force', admin, getBruteForce(db, now));
  app.get('/api/v1/audit/threats/unusual-usage', admin, getUnusualUsage(db, now));
  app.get('/api/v1/audit/summary/daily', admin, getDailySummary(db, now));
  app.post('/api/v1/audit/rebuild', system, postRebuild(rebuilds));
  app.get('/api/v1/audit/rebuild', system, getRebuild(rebuilds));
}
