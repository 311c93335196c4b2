export { RevocationConfig } from './config.js';
export { startRevocation } from './service.js';
