export { AuditConfig } from './config.js';
export { startAudit, type AuditDependencies } from './service.js';
export { createVerifierAuthenticator, principalOf, type Authenticator, type Principal } from './auth.js';
export { rebuildProjection, RebuildInProgressError, type RebuildResult } from './rebuild/rebuild.js';
export { insertAuditRows } from './projection/write-rows.js';
export { toAuditRow, type ProjectedRow } from './projection/to-row.js';
export { migrations } from './migrations/index.js';
export { readTrail, type TrailRequest } from './queries/trail.js';
