import { describe, it, expect } from 'vitest';
import * as surface from './index.js';

const modules = {
  errors: await import('./errors.js'),
  ids: await import('./ids.js'),
  scopes: await import('./scopes.js'),
  events: await import('./events.js'),
  subjects: await import('./subjects.js'),
  names: await import('./names.js'),
  problem: await import('./problem.js'),
  pagination: await import('./http/pagination.js'),
  auth: await import('./http/auth.js'),
  tokens: await import('./http/tokens.js'),
  users: await import('./http/users.js'),
  mfa: await import('./http/mfa.js'),
  audit: await import('./http/audit.js'),
  oauth: await import('./http/oauth.js'),
  ops: await import('./http/ops.js'),
  ws: await import('./ws.js'),
};

describe('package surface', () => {
  it.each(Object.entries(modules))('re-exports every value of %s', (_name, mod) => {
    for (const [key, value] of Object.entries(mod)) expect(surface, key).toHaveProperty(key, value);
  });

  it('keeps test helpers out of the main surface', () => {
    expect(surface).not.toHaveProperty('sampleTokenEvent');
  });
});
