import { describe, expect, it } from 'vitest';
import { pathOf, routeOf } from './routes.js';

describe('routes', () => {
  it.each([
    ['/account', 'account'],
    ['/account/', 'account'],
    ['/account/admin', 'admin'],
    ['/account/admin/', 'admin'],
    ['/account/nope', 'not_found'],
    ['/accountadmin', 'not_found'],
  ] as const)('%s is %s', (path, route) => {
    expect(routeOf(path)).toBe(route);
  });

  it('round-trips', () => {
    expect(routeOf(pathOf('account'))).toBe('account');
    expect(routeOf(pathOf('admin'))).toBe('admin');
  });
});
