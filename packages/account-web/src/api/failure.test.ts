import { describe, expect, it } from 'vitest';
import { describeFailure, failureFromResponse, parseRetryAfter } from './failure.js';

const NOW = Date.parse('2026-01-15T10:00:00.000Z');
const problem = (status: number, code: string, extra: object = {}) => ({ type: 'about:blank', title: 'x', status, code, ...extra });

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('120', NOW)).toBe(NOW + 120_000);
    expect(parseRetryAfter('Thu, 15 Jan 2026 10:14:00 GMT', NOW)).toBe(NOW + 14 * 60_000);
  });

  it('never answers a past instant, and ignores nonsense', () => {
    expect(parseRetryAfter('Thu, 15 Jan 2026 09:00:00 GMT', NOW)).toBe(NOW);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter('-5', NOW)).toBeNull();
    expect(parseRetryAfter(null, NOW)).toBeNull();
  });
});

describe('failureFromResponse', () => {
  it('branches on the problem code first: a locked account is 429 (or 423) with Retry-After', () => {
    expect(failureFromResponse(429, problem(429, 'account_locked'), '840', NOW)).toEqual({ kind: 'locked', retryAt: NOW + 840_000 });
    expect(failureFromResponse(423, { not: 'a problem' }, '60', NOW)).toEqual({ kind: 'locked', retryAt: NOW + 60_000 });
    expect(failureFromResponse(429, problem(429, 'rate_limited'), '30', NOW)).toEqual({ kind: 'rate_limited', retryAt: NOW + 30_000 });
    expect(failureFromResponse(429, undefined, null, NOW)).toEqual({ kind: 'rate_limited', retryAt: null });
  });

  it('tells wrong credentials from a dead token, though both are 401', () => {
    expect(failureFromResponse(401, problem(401, 'invalid_credentials'), null, NOW)).toEqual({ kind: 'invalid_credentials' });
    expect(failureFromResponse(401, problem(401, 'invalid_token'), null, NOW)).toEqual({ kind: 'unauthorized' });
  });

  it('carries the ticket of a login that needs a second factor, and refuses a malformed challenge', () => {
    const ticket = `mfa_${'a'.repeat(43)}`;
    const challenge = problem(401, 'mfa_required', { mfa_ticket: ticket, mfa_ticket_expires_in: 300, mfa_methods: ['totp', 'recovery_code'] });
    expect(failureFromResponse(401, challenge, null, NOW)).toEqual({ kind: 'mfa_required', ticket, expiresAt: NOW + 300_000 });
    expect(failureFromResponse(401, { ...challenge, mfa_ticket: 'x' }, null, NOW)).toEqual({ kind: 'unexpected_response' });
    expect(failureFromResponse(401, problem(401, 'invalid_mfa_code'), null, NOW)).toEqual({ kind: 'invalid_mfa_code' });
    // RFC 9470: a live session whose call wants a fresh code, never mistaken for a dead session.
    expect(failureFromResponse(401, problem(401, 'insufficient_user_authentication'), null, NOW)).toEqual({ kind: 'step_up_required' });
  });

  it('keeps field errors and the request id, and maps gateway errors to unavailable', () => {
    const errors = [{ path: 'email', message: 'Invalid email address' }];
    expect(failureFromResponse(400, problem(400, 'validation_failed', { errors }), null, NOW)).toEqual({ kind: 'validation', fields: errors });
    expect(failureFromResponse(500, problem(500, 'internal_error', { requestId: 'req-42' }), null, NOW)).toEqual({ kind: 'server', requestId: 'req-42' });
    expect(failureFromResponse(502, problem(502, 'bad_gateway'), null, NOW)).toEqual({ kind: 'unavailable' });
    expect(failureFromResponse(403, problem(403, 'insufficient_scope'), null, NOW)).toEqual({ kind: 'forbidden' });
  });
});

describe('describeFailure', () => {
  it('says how long a locked account stays locked', () => {
    expect(describeFailure({ kind: 'locked', retryAt: NOW + 14 * 60_000 }, NOW)).toBe(
      'Too many failed sign-in attempts: this account is locked. Try again in 14 minutes.',
    );
    expect(describeFailure({ kind: 'locked', retryAt: null }, NOW)).toMatch(/locked for a while/);
    expect(describeFailure({ kind: 'rate_limited', retryAt: NOW + 30_000 }, NOW)).toBe('Too many attempts. Try again in 30 seconds.');
  });

  it('does not reveal whether the email exists, and names the network when it is down', () => {
    expect(describeFailure({ kind: 'invalid_credentials' }, NOW)).toBe("That email and password don't match an account.");
    expect(describeFailure({ kind: 'network' }, NOW)).toMatch(/Can't reach Tessera/);
  });

  it('names the fields of a validation failure in words', () => {
    expect(describeFailure({ kind: 'validation', fields: [{ path: 'newPassword', message: 'must be at least 8 characters' }] }, NOW)).toBe(
      'New password: must be at least 8 characters',
    );
  });

  it('quotes the request id of a server error, and nothing else from the server', () => {
    expect(describeFailure({ kind: 'server', requestId: 'req-42' }, NOW)).toMatch(/reference req-42/);
  });
});
