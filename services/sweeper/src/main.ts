import { runMain } from '@tessera/platform';
import { SweeperConfig } from './config.js';
import { startSweeper } from './service.js';

void runMain('sweeper', SweeperConfig, startSweeper);
