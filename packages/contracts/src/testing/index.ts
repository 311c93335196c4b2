// Test helpers for other packages; intended as the `./testing` export of @tessera/contracts.
export {
  FIXED_ACTOR,
  FIXED_IDS,
  FIXED_NOW_ISO,
  FIXED_NOW_MS,
  SAMPLE_EVENT_DATA,
  sampleTokenEvent,
} from './fixtures.js';
