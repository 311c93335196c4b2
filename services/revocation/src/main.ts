import { runMain } from '@tessera/platform';
import { RevocationConfig } from './config.js';
import { startRevocation } from './service.js';

void runMain('revocation', RevocationConfig, startRevocation);
