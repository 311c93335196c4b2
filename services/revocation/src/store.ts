// Applies revocation effects to the REVOCATIONS bucket, each in one or two KV round trips and
// idempotently: creates are create-if-absent, the user cutoff is a compare-and-set that only
// moves forward, deletes are compare-and-delete. Replicas racing on the same key converge.
import { JetStreamApiError, JetStreamApiCodes } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { UserCutoffEntry } from '@tessera/contracts';
import type { RevocationEffect } from './decide.js';

export type EffectOutcome = 'written' | 'unchanged';

export interface RevocationStoreOptions {
  kv: KV;
  /** nats-server ≥ 2.11 with `allow_msg_ttl` on the bucket: entries carry their own TTL. */
  perKeyTtl: boolean;
}

/** Compare-and-set retries before giving up (the consume loop then retries the message). */
const MAX_CAS_ATTEMPTS = 8;

export class RevocationStore {
  constructor(private readonly options: RevocationStoreOptions) {}

  async apply(effect: RevocationEffect): Promise<EffectOutcome> {
    switch (effect.kind) {
      case 'revoke_token':
      case 'revoke_session':
        return this.createIfAbsent(effect.key, effect.value, effect.ttlMs);
      case 'raise_cutoff':
        return this.raiseCutoff(effect.key, effect.notBefore);
      case 'forget_token':
        return this.deleteIfPresent(effect.key);
      default:
        return assertNever(effect);
    }
  }

  /** Deletes `key` only if it is still at `revision` (nobody rewrote it meanwhile). */
  async deleteAtRevision(key: string, revision: number): Promise<EffectOutcome> {
    try {
      await this.options.kv.delete(key, { previousSeq: revision });
      return 'written';
    } catch (error) {
      if (isWrongLastSequence(error)) return 'unchanged';
      throw error;
    }
  }

  private async createIfAbsent(key: string, value: unknown, ttlMs: number): Promise<EffectOutcome> {
    try {
      const ttl = this.options.perKeyTtl ? `${Math.max(1, Math.ceil(ttlMs / 1000))}s` : undefined;
      await this.options.kv.create(key, JSON.stringify(value), ttl);
      return 'written';
    } catch (error) {
      if (isWrongLastSequence(error)) return 'unchanged';
      throw error;
    }
  }

  private async raiseCutoff(key: string, notBefore: number): Promise<EffectOutcome> {
    const value = JSON.stringify({ notBefore });
    for (let attempt = 1; attempt <= MAX_CAS_ATTEMPTS; attempt++) {
      const current = await this.options.kv.get(key);
      try {
        if (current === null || current.operation !== 'PUT') {
          await this.options.kv.create(key, value);
          return 'written';
        }
        const parsed = UserCutoffEntry.safeParse(safeJson(current.string()));
        if (parsed.success && parsed.data.notBefore >= notBefore) return 'unchanged';
        await this.options.kv.update(key, value, current.revision);
        return 'written';
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        // Someone wrote the key between our read and our write: read again.
      }
    }
    throw new Error(`cutoff ${key} kept changing under ${MAX_CAS_ATTEMPTS} attempts`);
  }

  private async deleteIfPresent(key: string): Promise<EffectOutcome> {
    // Most expiring tokens were never revoked: look first rather than write a tombstone for each.
    const current = await this.options.kv.get(key);
    if (current === null || current.operation !== 'PUT') return 'unchanged';
    return this.deleteAtRevision(key, current.revision);
  }
}

function isWrongLastSequence(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function assertNever(value: never): never {
  throw new TypeError(`unexpected effect ${JSON.stringify(value)}`);
}
