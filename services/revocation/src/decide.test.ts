import { sampleTokenEvent, FIXED_IDS, FIXED_NOW_MS } from '@tessera/contracts/testing';
import { describe, expect, it } from 'vitest';
import { revocationEffects } from './decide.js';

const settings = { now: FIXED_NOW_MS, accessTokenLifetimeMs: 15 * 60_000, clockSkewMs: 60_000 };

describe('revocationEffects', () => {
  it('given a revoked refresh token, then the token and its session are listed', () => {
    const event = sampleTokenEvent('TokenRevoked'); // REFRESH, expires 15 min after FIXED_NOW
    expect(revocationEffects(event, settings)).toEqual([
      { kind: 'revoke_token', key: `jti.${FIXED_IDS.tokenId}`, value: { exp: (FIXED_NOW_MS + 900_000) / 1000, reason: 'user logout', revokedAt: FIXED_NOW_MS }, ttlMs: 900_000 + 60_000 },
      { kind: 'revoke_session', key: `sid.${FIXED_IDS.familyId}`, value: { revokedAt: FIXED_NOW_MS, reason: 'user logout' }, ttlMs: 900_000 + 60_000 },
    ]);
  });

  it('given a revoked access token, then only the token is listed', () => {
    const event = sampleTokenEvent('TokenRevoked', { data: { ...sampleTokenEvent('TokenRevoked').data, tokenType: 'ACCESS' } });
    expect(revocationEffects(event, settings).map((e) => e.kind)).toEqual(['revoke_token']);
  });

  it('given a revoked token that has already expired, then only its session (if any) is listed', () => {
    const event = sampleTokenEvent('TokenRevoked');
    expect(revocationEffects(event, { ...settings, now: FIXED_NOW_MS + 900_000 }).map((e) => e.kind)).toEqual(['revoke_session']);
  });

  it('takes revokedAt from the event, not the clock, so a redelivery writes the same value', () => {
    const event = sampleTokenEvent('TokenRevoked');
    const values = (now: number) => revocationEffects(event, { ...settings, now }).map((e) => ('value' in e ? e.value : null));
    expect(values(settings.now + 5_000)).toEqual(values(settings.now));
  });

  it('given LogoutAll or PasswordChanged, then the user cutoff is raised to notBefore', () => {
    expect(revocationEffects(sampleTokenEvent('LogoutAll'), settings)).toEqual([{ kind: 'raise_cutoff', key: `sub.${FIXED_IDS.userId}`, notBefore: FIXED_NOW_MS }]);
    expect(revocationEffects(sampleTokenEvent('PasswordChanged', { data: { notBefore: FIXED_NOW_MS + 1 } }), settings)).toEqual([{ kind: 'raise_cutoff', key: `sub.${FIXED_IDS.userId}`, notBefore: FIXED_NOW_MS + 1 }]);
  });

  it('given TokenExpired, then the token is forgotten', () => {
    expect(revocationEffects(sampleTokenEvent('TokenExpired'), settings)).toEqual([{ kind: 'forget_token', key: `jti.${FIXED_IDS.tokenId}` }]);
  });

  it('given any other event, then nothing', () => {
    expect(revocationEffects(sampleTokenEvent('TokenIssued'), settings)).toEqual([]);
    expect(revocationEffects(sampleTokenEvent('TokenReuseDetected'), settings)).toEqual([]);
  });
});
