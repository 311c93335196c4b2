export { baseConfigSchema, databaseConfigSchema, envBoolean, loadConfig, loadConfigOrExit, topologySettings, ConfigError } from './config.js';
export { AppError, badRequest, notFound, unauthorized, forbidden, serviceUnavailable, type FieldError } from './errors.js';
export { createLogger, logSecurityEvent, REDACTED_PATHS, type Logger, type LoggerSettings } from './logger.js';
export {
  startTelemetry,
  getTracer,
  withSpan,
  injectTraceContext,
  extractTraceContext,
  SpanKind,
  context,
  trace,
  type HeaderCarrier,
} from './telemetry.js';
export { createRegistry, createHttpMetrics, sharedGauge, type HttpMetrics } from './metrics.js';
export { shutdown, exitOnSignals, type ShutdownStep } from './lifecycle.js';
export { createHttpApp, BODY_LIMIT, type HttpAppOptions } from './http/app.js';
export { healthRouter, evaluateHealth, type HealthCheck, type CheckResult, type HealthStatus } from './http/health.js';
export { sendProblem, errorHandler, notFoundHandler, PROBLEM_CONTENT_TYPE } from './http/problem.js';
export { parseBody, parseParams, parseQuery, fieldErrors } from './http/validate.js';
export { listen, closeServer } from './http/server.js';
export { NatsLink, type NatsLinkOptions } from './nats/connect.js';
export { ensureStream, ensureConsumer, ensureBucket, type StreamSpec, type ConsumerSpec, type BucketSpec } from './nats/provision.js';
export { publishJson, type PublishOptions } from './nats/publish.js';
export { runConsumer, runBatchConsumer, DLQ_HEADERS, type ConsumeLoopOptions, type DeadLetterReason, type ParsedMessage, type RunningConsumer, type ParseResult } from './nats/consume.js';
export { createConsumerMetrics, type ConsumerMetrics, type ConsumerOutcome } from './nats/consumer-metrics.js';
export { createDatabase, pingDatabase, assertSchemaName, sql, type Database, type DatabaseOptions } from './postgres/database.js';
export { migrateToLatest } from './postgres/migrate.js';
export { runService, type ServiceOptions, type ServiceParts, type ServiceContext, type RunningService } from './service.js';
export { runMain } from './main.js';
export { Topology, provisionStreams, provisionConsumer, serverVersionAtLeast, type TopologySettings, type ConsumerKey } from './nats/topology.js';
export { createValidationFailureReporter, type ValidationFailure, type ValidationFailureReporter, type ValidationFailureReporterOptions, type ValidationFailureDropCause } from './validation-failures.js';
export { observeConsumer } from './nats/consumer-observer.js';
export { observePool } from './postgres/pool-metrics.js';
