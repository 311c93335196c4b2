// The MFA step of POST /api/v1/auth/login: after the password, decide whether the second factor
// is needed (enrolled, and an unfamiliar device or country — or always, by policy), report an
// unfamiliar login either way, and hand out the single-use ticket for /login/mfa.
import type { Scope } from '@tessera/contracts';
import { AppError, logSecurityEvent } from '@tessera/platform';
import type { TokenApiDeps } from '../deps.js';
import type { ClientContext } from '../domain/model.js';
import { decideLoginStep, type LoginStep } from './domain/factor.js';
import { familiarity, insertTicket, readFactor, recordKnownDevice } from './repo.js';
import { mfaDb, type MfaTrx } from './tables.js';
import { newMfaTicket } from './tickets.js';

const DAY_MS = 86_400_000;

/** Devices unused for KNOWN_DEVICE_TTL_DAYS no longer count as known. */
export const deviceHorizon = (deps: Pick<TokenApiDeps, 'config'>, now: number) => new Date(now - deps.config.KNOWN_DEVICE_TTL_DAYS * DAY_MS);

export async function decideSecondFactor(deps: TokenApiDeps, userId: string, client: ClientContext, country: string | null): Promise<LoginStep> {
  const db = mfaDb(deps.db);
  const now = deps.clock();
  const [factor, known] = await Promise.all([readFactor(db, userId), familiarity(db, userId, client.fingerprint, country, deviceHorizon(deps, now))]);
  const step = decideLoginStep({ enrolled: factor?.status === 'active', policy: deps.config.MFA_LOGIN_POLICY, familiarity: known });
  if (step.unfamiliar) {
    logSecurityEvent(deps.logger, 'unfamiliar_login', {
      user_id: userId,
      client_ip: client.ip,
      ...(country ? { country } : {}),
      new_device: step.unfamiliar.newDevice,
      new_country: step.unfamiliar.newCountry,
      mfa_enrolled: factor?.status === 'active',
      outcome: step.secondFactor ? 'mfa_required' : 'allowed',
    });
  }
  return step;
}

/** Stores a ticket for the second step and returns the 401 that carries it (problem extension members). */
export async function mfaChallenge(deps: TokenApiDeps, userId: string, client: ClientContext, country: string | null, scopes: Scope[]): Promise<AppError> {
  const now = deps.clock();
  const ttlSeconds = deps.config.MFA_TICKET_TTL_SECONDS;
  const { ticket, hash } = newMfaTicket();
  await insertTicket(mfaDb(deps.db), { ticket_hash: hash, user_id: userId, fingerprint: client.fingerprint, country, scopes, created_at: new Date(now), expires_at: new Date(now + ttlSeconds * 1000) });
  logSecurityEvent(deps.logger, 'mfa_challenge', { user_id: userId, client_ip: client.ip, expires_in: ttlSeconds });
  return new AppError(401, 'mfa_required', 'A second factor is required: send the code with this ticket to POST /api/v1/auth/login/mfa', {
    // The ticket is a credential: no cache may keep this answer.
    headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    extensions: { mfa_ticket: ticket, mfa_ticket_expires_in: ttlSeconds, mfa_methods: ['totp', 'recovery_code'] },
  });
}

/** A completed login makes its device and country known (inside the issuing transaction). */
export function rememberDevice(deps: Pick<TokenApiDeps, 'config'>, trx: MfaTrx, userId: string, client: ClientContext, country: string | null, now: number): Promise<void> {
  return recordKnownDevice(trx, userId, client.fingerprint, country, new Date(now), deviceHorizon(deps, now));
}
