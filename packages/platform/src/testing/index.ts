export { testDatabaseUrl, testNatsUrl, canConnect } from './services.js';
export { uniqueName, uniqueSuffix } from './names.js';
export { createTestSchema, queryTestDatabase, type TestSchema } from './postgres.js';
export { startNatsServer, freePort, type OwnNatsServer } from './nats-server.js';
export { waitFor } from './wait.js';
export { captureLogger } from './logs.js';
export { startPostgresServer, type OwnPostgresServer } from './postgres-server.js';
export { installTestTracing } from './tracing.js';
export { deleteNatsNamespace } from './nats-cleanup.js';
