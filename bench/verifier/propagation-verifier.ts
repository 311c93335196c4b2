/*
 * The "other process" of bench/verifier/propagation.ts: a service with a verifier, its own NATS
 * connection and a mirror of the REVOCATIONS bucket. It learns the benchmark's tokens over IPC,
 * verifies each once (so they are cached, like tokens a service has already seen), and reports
 * the monotonic instant at which each one is first refused as `revoked`. The moment it checks is
 * the moment its mirror applies a change for that token: the earliest a request could be refused.
 * It also consumes the bare anchor stream and reports when each anchor message arrives.
 */
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createVerifier } from '@tessera/verifier';
import type { JWK } from 'jose';

type FromDriver =
  | { type: 'setup'; natsUrl: string; bucket: string; issuer: string; audience: string; jwks: { keys: JWK[] }; tokens: Array<{ jti: string; token: string }>; anchorStream: string; anchorSubject: string }
  | { type: 'stop' };

const send = (message: unknown) => process.send!(message);
const now = () => process.hrtime.bigint().toString();

process.on('message', async (message: FromDriver) => {
  if (message.type === 'stop') process.exit(0);
  if (message.type !== 'setup') return;
  const nc = await connect({ servers: message.natsUrl });
  const tokens = new Map(message.tokens.map((t) => [t.jti, t.token]));
  const reported = new Set<string>();
  const verifier = createVerifier({
    keys: message.jwks,
    issuer: message.issuer,
    audience: message.audience,
    nats: { connection: nc, bucket: message.bucket },
    onEvent: (event) => {
      if (event.type !== 'applied' || event.operation !== 'PUT' || !event.key.startsWith('jti.')) return;
      const jti = event.key.slice(4);
      const token = tokens.get(jti);
      if (token === undefined || reported.has(jti)) return;
      void verifier.verify(token).then((result) => {
        if (!result.ok && result.reason === 'revoked') {
          reported.add(jti);
          send({ type: 'refused', jti, at: now() });
        }
      });
    },
  });
  await verifier.ready(30_000);
  for (const token of tokens.values()) {
    const result = await verifier.verify(token);
    if (!result.ok) throw new Error(`warm-up refused a token: ${result.reason}`);
  }

  // Anchor: one bare JetStream hop, an ordered consumer on a plain stream.
  const consumer = await jetstream(nc).consumers.get(message.anchorStream, { filter_subjects: message.anchorSubject, deliver_policy: DeliverPolicy.New });
  const messages = await consumer.consume();
  send({ type: 'ready', cached: verifier.status().cache.entries });
  for await (const msg of messages) send({ type: 'anchor', id: msg.string(), at: now() });
});
