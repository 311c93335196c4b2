export { TokenApiConfig } from './config.js';
export { startTokenApi } from './service.js';
export { setAllowedCountries } from './repo/users.js';
export type { TokenApiDatabase } from './db/schema.js';
