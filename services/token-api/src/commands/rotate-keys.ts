import type { Actor, JwtAlg } from '@tessera/contracts';
import { AppError, logSecurityEvent } from '@tessera/platform';
import { v7 } from 'uuid';
import type { TokenApiDeps } from '../deps.js';
import { decideRotateSigningKey } from '../domain/rotate-key.js';
import { appendEvents } from '../outbox/append.js';
import type { KeyEncryptionKey } from '../signing/key-encryption.js';
import { newSigningKey } from '../signing/key-material.js';
import { insertSigningKey, lockSigningKeys, retireOtherKeys } from '../signing/key-repo.js';

export interface RotationResult {
  kid: string;
  alg: JwtAlg;
  activatesAt: string;
}

export type RotateDeps = Pick<TokenApiDeps, 'db' | 'topology' | 'clock' | 'logger' | 'afterCommit'> & {
  kek: KeyEncryptionKey;
  activationDelayMs: number;
};

/**
 * POST /api/v1/admin/keys/rotate and `cli rotate-keys`: a new key pair, sealed and stored, the
 * current key retired at its activation, and SigningKeyRotated on KEY_EVENTS via the outbox.
 */
export async function rotateSigningKey(deps: RotateDeps, alg: JwtAlg, actor: Actor): Promise<RotationResult> {
  const key = await newSigningKey(alg);
  const { entries, activatesAt } = await deps.db.transaction().execute(async (trx) => {
    await lockSigningKeys(trx);
    const now = deps.clock();
    const outcome = decideRotateSigningKey({ newKey: { kid: key.kid, alg }, activationDelayMs: deps.activationDelayMs, actor, now, eventId: v7({ msecs: now }) });
    await insertSigningKey(trx, key, deps.kek, new Date(now), new Date(outcome.activatesAt));
    await retireOtherKeys(trx, key.kid, new Date(outcome.activatesAt));
    return { entries: await appendEvents(trx, deps.topology, outcome.events), activatesAt: outcome.activatesAt };
  });
  deps.afterCommit(entries);
  logSecurityEvent(deps.logger, 'signing_key_rotated', { kid: key.kid, alg, activates_at: new Date(activatesAt).toISOString(), actor_kind: actor.kind, actor_id: actor.id });
  return { kid: key.kid, alg, activatesAt: new Date(activatesAt).toISOString() };
}

export const keysFromFiles = () => new AppError(409, 'conflict', 'Signing keys are loaded from files; rotate them by replacing the files');
