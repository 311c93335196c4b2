export { SweeperConfig } from './config.js';
export { startSweeper } from './service.js';
