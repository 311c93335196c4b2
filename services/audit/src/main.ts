import { runMain } from '@tessera/platform';
import { AuditConfig } from './config.js';
import { startAudit } from './service.js';

void runMain('audit', AuditConfig, startAudit);
