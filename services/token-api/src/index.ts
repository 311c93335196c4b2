export { TokenApiConfig } from './config.js';
export { startTokenApi } from './service.js';
