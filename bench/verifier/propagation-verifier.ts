/*
 * The "other process" of the propagation benchmarks: a service with a verifier, its own NATS
 * connection and a mirror of the REVOCATIONS bucket. It learns the benchmark's tokens over IPC,
 * verifies each once (so they are cached, like tokens a service has already seen), and reports
 * the monotonic instant at which each is first refused. It checks a token at the moment its
 * mirror applies a change for that token (`jti.<id>` or `sid.<session>`): the earliest moment a
 * request with it could be refused. It also reports when each anchor message arrives.
 */
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createVerifier, type Verifier } from '@tessera/verifier';
import type { JWK } from 'jose';

export interface VerifierSetup {
  natsUrl: string;
  bucket: string;
  issuer: string;
  audience: string;
  keys: { jwks: { keys: JWK[] } } | { jwksUrl: string };
  /** The User-Agent the tokens were issued to (device binding). */
  userAgent: string;
  tokens: Array<{ jti: string; sid: string; token: string }>;
  anchorStream: string;
  anchorSubject: string;
}

const REVOCATION_REASONS = new Set(['revoked', 'session_revoked', 'user_revoked']);
const send = (message: unknown) => process.send!(message);
const now = () => process.hrtime.bigint().toString();

async function run(setup: VerifierSetup): Promise<void> {
  const nc = await connect({ servers: setup.natsUrl });
  const byJti = new Map(setup.tokens.map((t) => [t.jti, t]));
  const bySid = new Map(setup.tokens.map((t) => [t.sid, t]));
  const reported = new Set<string>();
  const context = { userAgent: setup.userAgent };
  const check = (token: { jti: string; token: string }) => {
    if (reported.has(token.jti)) return;
    void verifier.verify(token.token, context).then((result) => {
      if (!result.ok && REVOCATION_REASONS.has(result.reason) && !reported.has(token.jti)) {
        reported.add(token.jti);
        send({ type: 'refused', key: token.jti, at: now() });
      }
    });
  };
  const verifier: Verifier = createVerifier({
    ...('jwksUrl' in setup.keys ? { jwksUrl: setup.keys.jwksUrl } : { keys: setup.keys.jwks }),
    issuer: setup.issuer,
    audience: setup.audience,
    nats: { connection: nc, bucket: setup.bucket },
    onEvent: (event) => {
      if (event.type !== 'applied' || event.operation !== 'PUT') return;
      const [kind, id = ''] = event.key.split('.');
      const token = kind === 'jti' ? byJti.get(id) : kind === 'sid' ? bySid.get(id) : undefined;
      if (token) check(token);
    },
  });
  await verifier.ready(30_000);
  for (const { token } of setup.tokens) {
    const result = await verifier.verify(token, context);
    if (!result.ok) throw new Error(`warm-up refused a token: ${result.reason}`);
  }

  const consumer = await jetstream(nc).consumers.get(setup.anchorStream, { filter_subjects: setup.anchorSubject, deliver_policy: DeliverPolicy.New });
  const messages = await consumer.consume();
  send({ type: 'ready', cached: verifier.status().cache.entries });
  for await (const msg of messages) send({ type: 'anchor', key: msg.string(), at: now() });
}

process.on('message', (message: { type: 'setup' } & VerifierSetup) => {
  if (message.type !== 'setup') return;
  run(message).catch((error: unknown) => send({ type: 'error', error: error instanceof Error ? error.message : String(error) }));
});
