// SigningKeyRotated (DESIGN §3) tells verifiers to load a key before it signs anything. A core
// NATS subscription is enough: the event is published to the KEY_EVENTS stream's subject, core
// subscribers see every publish, and a missed one is covered by the unknown-kid refresh and the
// periodic refresh. No JetStream consumer state to clean up per verifier.
import { parseKeyEvent } from '@tessera/contracts';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { KeyStore } from './key-store.js';

export interface RotationSubscription {
  close(): Promise<void>;
}

export function subscribeKeyRotations(
  connection: NatsConnection | Promise<NatsConnection>,
  subject: string,
  keys: KeyStore,
  emit: (event: { type: 'key_rotation_announced'; kid: string } | { type: 'invalid_key_event' }) => void,
): RotationSubscription {
  let subscription: Subscription | null = null;
  let closed = false;
  const subscribed = Promise.resolve(connection).then((nc) => {
    if (closed || nc.isClosed()) return;
    subscription = nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return;
        let json: unknown;
        try {
          json = msg.json();
        } catch {
          json = undefined;
        }
        const parsed = parseKeyEvent(json);
        if (!parsed.success) {
          emit({ type: 'invalid_key_event' });
          return;
        }
        emit({ type: 'key_rotation_announced', kid: parsed.data.data.kid });
        void keys.keyAnnounced(parsed.data.data.kid);
      },
    });
  });
  return {
    async close() {
      closed = true;
      await subscribed.catch(() => undefined);
      subscription?.unsubscribe();
    },
  };
}
