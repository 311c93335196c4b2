import { describe, expect, it } from 'vitest';
import { checkRecentOtp, insufficientUserAuthentication } from './recent-otp.js';

const NOW = 1_768_471_200_000;
const S = NOW / 1000;

describe('checkRecentOtp', () => {
  it('accepts a second factor given within the window, measured from auth_time', () => {
    expect(checkRecentOtp({ iat: S, amr: ['pwd', 'otp'], auth_time: S - 300 }, NOW, 300)).toEqual({ ok: true });
    expect(checkRecentOtp({ iat: S, amr: ['otp'], auth_time: S }, NOW, 300)).toEqual({ ok: true });
  });

  it('refuses an otp older than the window, even in a freshly refreshed token (iat now, auth_time old)', () => {
    expect(checkRecentOtp({ iat: S, amr: ['pwd', 'otp'], auth_time: S - 301 }, NOW, 300)).toEqual({ ok: false, reason: 'stale' });
  });

  it('falls back to iat for a token without auth_time', () => {
    expect(checkRecentOtp({ iat: S - 10, amr: ['pwd', 'otp'] }, NOW, 300)).toEqual({ ok: true });
    expect(checkRecentOtp({ iat: S - 400, amr: ['pwd', 'otp'] }, NOW, 300)).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuses a password-only token and one that says nothing', () => {
    expect(checkRecentOtp({ iat: S, amr: ['pwd'], auth_time: S }, NOW, 300)).toEqual({ ok: false, reason: 'no_otp' });
    expect(checkRecentOtp({ iat: S }, NOW, 300)).toEqual({ ok: false, reason: 'no_otp' });
  });

  it('answers with the RFC 9470 challenge naming max_age', () => {
    const error = insufficientUserAuthentication(300);
    expect(error).toMatchObject({ status: 401, code: 'insufficient_user_authentication' });
    expect(error.headers['WWW-Authenticate']).toBe('Bearer error="insufficient_user_authentication", error_description="A recent second factor is required", max_age=300');
  });
});
