import { runMain } from '@tessera/platform';
import { NotifierConfig } from './config.js';
import { startNotifier } from './service.js';

void runMain('notifier', NotifierConfig, startNotifier);
