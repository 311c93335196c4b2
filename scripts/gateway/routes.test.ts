import { describe, expect, it } from 'vitest';
import { loadRoutes, matchRoute } from './routes.js';

const { routes, upstreams } = loadRoutes();
const upstreamOf = (path: string) => matchRoute(routes, path)?.upstream;

describe('gateway routing table', () => {
  it('sends each path prefix to its service, longest prefix first', () => {
    expect(upstreamOf('/api/v1/auth/login')).toBe('token-api');
    expect(upstreamOf('/api/v1/auth/tokens/active')).toBe('token-api');
    expect(upstreamOf('/api/v1/auth/tokens/audit/0193')).toBe('audit');
    expect(upstreamOf('/api/v1/audit/threats/brute-force')).toBe('audit');
    expect(upstreamOf('/api/v1/auth/tokens/blacklist/size')).toBe('revocation');
    expect(upstreamOf('/ws/tokens')).toBe('notifier');
    expect(upstreamOf('/oauth2/introspect')).toBe('token-api');
    expect(upstreamOf('/.well-known/jwks.json')).toBe('token-api');
  });

  it('does not match a prefix that is only a string prefix of another segment', () => {
    expect(upstreamOf('/ws/tokensX')).toBeUndefined();
    expect(upstreamOf('/api/v1/auth/tokens/auditor')).toBe('token-api');
    expect(upstreamOf('/elsewhere')).toBeUndefined();
  });

  it('uses the DESIGN ports', () => {
    expect(Object.fromEntries(Object.entries(upstreams).map(([k, v]) => [k, v.port]))).toEqual({
      'token-api': 9101, revocation: 9102, notifier: 9103, audit: 9104, sweeper: 9105,
    });
  });
});
