import { runMain } from '@tessera/platform';
import { TokenApiConfig } from './config.js';
import { startTokenApi } from './service.js';

void runMain('token-api', TokenApiConfig, startTokenApi);
