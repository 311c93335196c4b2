export { NotifierConfig } from './config.js';
export { startNotifier } from './service.js';
