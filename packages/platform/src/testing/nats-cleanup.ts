import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { testNatsUrl } from './services.js';

/**
 * Deletes every stream (and KV bucket, which is a `KV_`-prefixed stream) a test created under its
 * NATS_NAMESPACE, so the shared server does not accumulate test data across runs.
 */
export async function deleteNatsNamespace(namespace: string, url = testNatsUrl()): Promise<string[]> {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(namespace)) throw new TypeError(`refusing to delete namespace ${JSON.stringify(namespace)}`);
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const deleted: string[] = [];
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(`${namespace}_`) || name.startsWith(`KV_${namespace}_`)) {
        await jsm.streams.delete(name);
        deleted.push(name);
      }
    }
    return deleted;
  } finally {
    await nc.close();
  }
}
