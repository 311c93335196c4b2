// How token-api checks access tokens (issue 5): @tessera/verifier, fed with this replica's own
// key store and the REVOCATIONS bucket, plus what only the issuer can add — its own fresh
// revocations (OwnRevocations) and, when the mirror is not current, its database.
//
// Two verifiers share keys and revocation state: `bearer` enforces the DESIGN §6 policies on
// token-api's own routes (device binding, geo, per-token rate limit); `introspection` checks a
// token on behalf of another service, which has neither the client's User-Agent nor its country,
// and must not spend the client's rate limit.
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { JwtAlg } from '@tessera/contracts';
import { createValidationFailureReporter, publishJson, type HealthCheck, type Logger, type NatsLink, type Topology, type ValidationFailureReporter } from '@tessera/platform';
import { createVerifier, RevocationMirror, type Verifier, type VerifierEvent } from '@tessera/verifier';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { TokenApiConfig } from '../config.js';
import type { TokenApiDatabase } from '../db/schema.js';
import type { OutboxEntry } from '../outbox/append.js';
import { UserEmails } from '../queries/user-emails.js';
import type { KeyStore } from '../signing/key-store.js';
import { LastUsedTracker } from './last-used.js';
import { createTokenMetrics, type TokenMetrics } from './metrics.js';
import { OwnRevocations, combinedRevocations } from './own-revocations.js';

export interface Verification {
  /** Bearer routes: signature, revocation and every §6 policy. */
  bearer: Verifier;
  /** RFC 7662 introspection and RFC 7009 revocation: signature and revocation only. */
  introspection: Verifier;
  /** False while the REVOCATIONS mirror is not current: callers then confirm with the database. */
  revocationCurrent(): boolean;
  lastUsed: LastUsedTracker;
  failures: ValidationFailureReporter;
  metrics: TokenMetrics;
  emails: UserEmails;
  /** Every committed outbox batch passes here (own revocations, metrics). */
  committed(entries: readonly OutboxEntry[]): void;
  /** After token-api's key store reloaded (rotation here or elsewhere). */
  refreshKeys(): Promise<void>;
  /** Starts the bucket mirror once NATS is connected. */
  attachNats(): void;
  health(): HealthCheck;
  stop(): Promise<void>;
}

export interface VerificationOptions {
  config: TokenApiConfig;
  db: Kysely<TokenApiDatabase>;
  logger: Logger;
  registry: Registry;
  keys: KeyStore;
  nats: NatsLink;
  topology: Topology;
}

/** The verifier fetches "the JWKS" from this replica's key store: no HTTP, always current. */
const OWN_JWKS_URL = 'http://token-api.internal/.well-known/jwks.json';

export async function createVerification(options: VerificationOptions): Promise<Verification> {
  const { config, db, logger, registry, keys, nats, topology } = options;
  const ownJwks = (async () =>
    new Response(JSON.stringify(keys.jwks()), { status: 200, headers: { 'content-type': 'application/jwk-set+json' } })) as unknown as typeof fetch;

  const mirror = new RevocationMirror({ connection: nats.connected(), bucket: topology.revocationsBucket, onEvent: (event) => logVerifierEvent(logger, event) });
  const own = new OwnRevocations(config.ACCESS_TOKEN_EXPIRE_MINUTES * 60_000 + 60_000);
  own.startPruning();
  const revocations = combinedRevocations(own, mirror);

  const common = {
    jwksUrl: OWN_JWKS_URL,
    fetch: ownJwks,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    // Every algorithm token-api can sign with; each key is bound to its own alg in the JWKS.
    algorithms: [...JwtAlg.options],
    revocations,
    // Stale mirror: the verifier answers from the last known state and token-api confirms with
    // its database (the truth), so nothing fails open and nothing becomes a 503.
    revocation: { whenStale: 'fail-open' as const },
    // The "fetch" is a local call: an unknown kid may refresh soon; the key store reloads on its own timer.
    jwks: { unknownKidCooldownMs: 1_000, refreshIntervalMs: config.KEY_RELOAD_INTERVAL_SECONDS * 1000 },
    onEvent: (event: VerifierEvent) => logVerifierEvent(logger, event),
  };
  const bearer = createVerifier({
    ...common,
    policies: {
      deviceBinding: true,
      onIpChange: (c) =>
        logger.warn({ security: true, event_type: 'token_ip_changed', token_id: c.tokenId, user_id: c.userId, previous_ip: c.previousIp, client_ip: c.clientIp }, 'access token used from a new IP'),
      geo: { enabled: true, adminBypass: config.GEO_ADMIN_BYPASS },
      rateLimit: { limit: config.TOKEN_RATE_LIMIT_PER_MINUTE, windowMs: 60_000 },
    },
  });
  const introspection = createVerifier({ ...common, policies: { deviceBinding: false, geo: { enabled: false } } });
  await Promise.all([bearer.ready(10_000), introspection.ready(10_000)]);

  let js: { nc: NatsConnection; client: JetStreamClient } | null = null;
  const failures = createValidationFailureReporter({
    registry,
    logger,
    windowMs: config.VALIDATION_FAILURE_WINDOW_MS,
    actor: { kind: 'service', id: 'token-api' },
    // Straight to JetStream, not through the outbox: these are observations, not state changes,
    // and they are already aggregated per window. A failed publish is counted
    // (validation_failure_events_total{outcome="publish_failed"}) and logged, never silent.
    publish: async (event) => {
      const nc = nats.connection;
      if (!nc || nc.isClosed()) throw new Error('NATS is not connected');
      if (js?.nc !== nc) js = { nc, client: jetstream(nc) };
      await publishJson(js.client, topology.tokenEventSubject(event.type, event.userId), event, { msgId: event.id });
    },
  });

  const metrics = createTokenMetrics(registry, db, config.ACTIVE_TOKENS_GAUGE_MAX_AGE_MS);
  const lastUsed = new LastUsedTracker(db, logger, config.LAST_USED_FLUSH_MS);
  lastUsed.start();

  return {
    bearer,
    introspection,
    revocationCurrent: () => revocations.freshness().current,
    lastUsed,
    failures,
    metrics,
    emails: new UserEmails(db),
    committed(entries) {
      for (const entry of entries) own.record(entry.payload);
      metrics.observeCommitted(entries);
    },
    async refreshKeys() {
      await Promise.all([bearer.refreshKeys(), introspection.refreshKeys()]);
    },
    attachNats: () => void mirror.start(),
    health: () => ({
      name: 'revocation_state',
      // Not a failure for token-api: with the mirror stale it checks its database instead.
      readiness: false,
      check: () => {
        const status = mirror.status();
        return {
          status: 'UP',
          detail: { source: status.current ? 'mirror' : 'database', mirror: { ...status, staleForMs: Number.isFinite(status.staleForMs) ? status.staleForMs : null }, ownRevocations: own.size },
        };
      },
    }),
    async stop() {
      own.stop();
      await lastUsed.stop();
      await failures.stop();
      await Promise.all([bearer.close(), introspection.close()]);
      await mirror.close();
    },
  };
}

function logVerifierEvent(logger: Logger, event: VerifierEvent): void {
  switch (event.type) {
    case 'applied':
      return;
    case 'keys_load_failed':
    case 'watch_failed':
    case 'invalid_entry':
    case 'invalid_key_event':
      logger.warn({ verifier_event: event }, 'token verification');
      return;
    default:
      logger.debug({ verifier_event: event }, 'token verification');
  }
}
