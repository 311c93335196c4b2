export { AuditConfig } from './config.js';
export { startAudit } from './service.js';
