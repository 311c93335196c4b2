import { describe, it, expect } from 'vitest';
import { ERROR_STATUS, ErrorCode, PROBLEM_CONTENT_TYPE, Problem } from './problem.js';

const problem = {
  type: 'about:blank',
  title: 'Bad Request',
  status: 400,
  detail: 'The request body is invalid.',
  instance: '/api/v1/users',
  code: ErrorCode.VALIDATION_FAILED,
  errors: [{ path: 'email', message: 'Invalid email address' }],
};

describe('Problem', () => {
  it('accepts RFC 9457 problems and keeps extension members', () => {
    expect(PROBLEM_CONTENT_TYPE).toBe('application/problem+json');
    expect(Problem.safeParse(problem).success).toBe(true);
    expect(Problem.safeParse({ ...problem, type: 'https://tessera.dev/problems/validation_failed' }).success).toBe(true);
    expect(Problem.safeParse({ ...problem, type: '/problems/validation_failed' }).success).toBe(true);
    expect(Problem.parse({ ...problem, retryAfter: 3 })).toMatchObject({ retryAfter: 3 });
  });

  it.each([
    { type: 'javascript:alert(1)' },
    { type: '' },
    { status: 99 },
    { status: 600 },
    { status: 400.5 },
    { title: '' },
    { code: 'Validation Failed' },
    { code: undefined },
    { errors: [{ path: 'email' }] },
    { detail: 'x'.repeat(2049) },
  ])('rejects %j', (patch) => {
    expect(Problem.safeParse({ ...problem, ...patch }).success).toBe(false);
  });
});

describe('ErrorCode', () => {
  it('has the codes services use, each with an error status', () => {
    const required = [
      'validation_failed',
      'payload_too_large',
      'not_found',
      'unauthorized',
      'invalid_token',
      'insufficient_scope',
      'forbidden',
      'rate_limited',
      'account_locked',
      'conflict',
      'service_unavailable',
      'internal_error',
      'mfa_required',
    ];
    for (const code of required) expect(Object.values(ErrorCode)).toContain(code);
    for (const code of Object.values(ErrorCode)) {
      expect(code).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
    }
    expect(ERROR_STATUS.payload_too_large).toBe(413);
  });
});
