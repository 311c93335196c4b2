import type { TokenPairResponse } from '@tessera/contracts';
import { FIXED_NOW_MS } from '@tessera/contracts/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/failure.js';
import { FAMILY_B, accessToken, pair, uuidV7At } from '../testing/tokens.js';
import { AuthSession, REFRESH_AHEAD_MS, describeSignOut, type SignOutReason } from './session.js';

const exp = (offsetMs: number) => Math.floor((FIXED_NOW_MS + offsetMs) / 1000);

/** token-api's refresh as the session sees it: rotates once per token, refuses a reused one. */
function rotatingRefresh(first: TokenPairResponse, lifetimeMs = 15 * 60_000) {
  let live = first.refresh_token;
  const presented: string[] = [];
  const refresh = vi.fn(async (token: string) => {
    presented.push(token);
    await new Promise((r) => setTimeout(r, 5));
    if (token !== live) throw new ApiError({ kind: 'unauthorized' }, 401);
    const next = pair(exp(Date.now() - FIXED_NOW_MS + lifetimeMs));
    live = next.refresh_token;
    return next;
  });
  return { refresh, presented };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(FIXED_NOW_MS);
});
afterEach(() => vi.useRealTimers());

describe('AuthSession', () => {
  it('hands out the current token while it has more than a minute left', async () => {
    const first = pair(exp(15 * 60_000));
    const api = rotatingRefresh(first);
    const session = new AuthSession(first, 'ann@example.org', { refresh: api.refresh });
    await expect(session.accessToken()).resolves.toBe(first.access_token);
    expect(api.refresh).not.toHaveBeenCalled();
  });

  it('rotates once for many concurrent callers near expiry (a second presentation would look like theft)', async () => {
    const first = pair(exp(REFRESH_AHEAD_MS - 1_000));
    const api = rotatingRefresh(first);
    const session = new AuthSession(first, 'ann@example.org', { refresh: api.refresh });
    const tokens = Promise.all(Array.from({ length: 5 }, () => session.accessToken()));
    await vi.advanceTimersByTimeAsync(10);
    const got = await tokens;
    expect(api.presented).toEqual([first.refresh_token]);
    expect(new Set(got).size).toBe(1);
    expect(got[0]).not.toBe(first.access_token);
  });

  it('refreshes in the background a minute before expiry, keeps doing so, and retries after a network failure', async () => {
    const first = pair(exp(5 * 60_000));
    let offline = false;
    const api = rotatingRefresh(first, 5 * 60_000);
    const refresh = vi.fn(async (token: string) => {
      if (offline) throw new ApiError({ kind: 'network' });
      return api.refresh(token);
    });
    const session = new AuthSession(first, 'ann@example.org', { refresh });
    await vi.advanceTimersByTimeAsync(4 * 60_000 + 100);
    expect(api.refresh).toHaveBeenCalledTimes(1);
    offline = true;
    await vi.advanceTimersByTimeAsync(4 * 60_000);
    expect(refresh).toHaveBeenCalledTimes(2);
    expect(session.ended).toBeNull();
    offline = false;
    await vi.advanceTimersByTimeAsync(10_100);
    expect(api.refresh).toHaveBeenCalledTimes(2);
    expect(session.ended).toBeNull();
  });

  it('retries a refused call once with a rotated token (an access token can be revoked alone)', async () => {
    const first = pair(exp(15 * 60_000));
    const api = rotatingRefresh(first);
    const session = new AuthSession(first, 'ann@example.org', { refresh: api.refresh });
    const seen: string[] = [];
    const call = session.authorized(async (token) => {
      seen.push(token);
      if (token === first.access_token) throw new ApiError({ kind: 'unauthorized' }, 401);
      return 'ok';
    });
    await vi.advanceTimersByTimeAsync(10);
    await expect(call).resolves.toBe('ok');
    expect(seen).toHaveLength(2);
    expect(seen[1]).not.toBe(first.access_token);
  });

  it('ends as expired when the refresh token is refused too, and tells its listeners once', async () => {
    const first = pair(exp(15 * 60_000));
    const refresh = vi.fn(async () => {
      throw new ApiError({ kind: 'unauthorized' }, 401);
    });
    const session = new AuthSession(first, 'ann@example.org', { refresh });
    const ends: SignOutReason[] = [];
    session.onEnd((r) => ends.push(r));
    const call = session.authorized(async () => {
      throw new ApiError({ kind: 'unauthorized' }, 401);
    });
    await expect(call).rejects.toMatchObject({ failure: { kind: 'unauthorized' } });
    expect(ends).toEqual([{ kind: 'expired' }]);
    session.end({ kind: 'signed_out' });
    expect(ends).toHaveLength(1);
    await expect(session.accessToken()).rejects.toMatchObject({ failure: { kind: 'unauthorized' } });
  });

  it('confirmOrEnd signs out with the pushed reason only when token-api refuses the session', async () => {
    const first = pair(exp(15 * 60_000));
    const api = rotatingRefresh(first);
    const session = new AuthSession(first, 'ann@example.org', { refresh: api.refresh });
    const alive = session.confirmOrEnd({ kind: 'session_revoked', reason: 'lost phone' });
    await vi.advanceTimersByTimeAsync(10);
    await expect(alive).resolves.toBe(true);

    const revoked = new AuthSession(pair(exp(15 * 60_000)), 'ann@example.org', {
      refresh: async () => {
        throw new ApiError({ kind: 'unauthorized' }, 401);
      },
    });
    await expect(revoked.confirmOrEnd({ kind: 'session_revoked', reason: 'lost phone' })).resolves.toBe(false);
    expect(revoked.ended).toEqual({ kind: 'session_revoked', reason: 'lost phone' });
  });

  it('adopts a step-up token of its own session for later calls, and refuses one of another session', async () => {
    const first = pair(exp(15 * 60_000));
    const api = rotatingRefresh(first);
    const session = new AuthSession(first, 'ann@example.org', { refresh: api.refresh });
    const stepped = accessToken({ exp: exp(15 * 60_000), jti: uuidV7At(FIXED_NOW_MS, 0x5e), amr: ['pwd', 'otp'] });
    session.adoptStepUp(stepped);
    await expect(session.accessToken()).resolves.toBe(stepped);
    expect(session.claims.tokenId).toBe(uuidV7At(FIXED_NOW_MS, 0x5e));

    const foreign = accessToken({ exp: exp(15 * 60_000), sid: FAMILY_B });
    expect(() => session.adoptStepUp(foreign)).toThrow('step-up token of another session');
    await expect(session.accessToken()).resolves.toBe(stepped);
    expect(api.refresh).not.toHaveBeenCalled();
  });

  it('does not come back to life when a refresh answers after sign-out', async () => {
    const first = pair(exp(15 * 60_000));
    const api = rotatingRefresh(first);
    const session = new AuthSession(first, 'ann@example.org', { refresh: api.refresh });
    const rotation = session.refresh().then(
      () => 'rotated',
      (error: unknown) => error,
    );
    session.end({ kind: 'signed_out' });
    await vi.advanceTimersByTimeAsync(10);
    expect(await rotation).toMatchObject({ failure: { kind: 'unauthorized' } });
    await expect(session.accessToken()).rejects.toBeInstanceOf(ApiError);
  });
});

describe('describeSignOut', () => {
  it('says why, quoting the reason someone gave, and flags what the person did not do', () => {
    expect(describeSignOut({ kind: 'session_revoked', reason: 'Lost phone reported' })).toEqual({
      message: 'You were signed out: this session was ended from another device or by an administrator. Reason given: “Lost phone reported”.',
      unexpected: true,
    });
    expect(describeSignOut({ kind: 'password_changed', byThisPage: true }).unexpected).toBe(false);
    expect(describeSignOut({ kind: 'password_changed', byThisPage: false }).message).toMatch(/password of this account was changed/);
    expect(describeSignOut({ kind: 'logged_out_everywhere', reason: null, byThisPage: false }).message).toBe(
      'You were signed out: someone signed this account out everywhere.',
    );
    expect(describeSignOut({ kind: 'signed_out' })).toEqual({ message: 'You have signed out.', unexpected: false });
  });
});
