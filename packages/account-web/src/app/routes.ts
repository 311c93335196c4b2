// The two pages live under the prefix the gateway serves (/account); anything else there is a
// client-side "not found". Pure, so the mapping is tested without a browser.
export const BASE = '/account';

export type Route = 'account' | 'admin' | 'not_found';

export function routeOf(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '');
  if (path === BASE) return 'account';
  if (path === `${BASE}/admin`) return 'admin';
  return 'not_found';
}

export function pathOf(route: Exclude<Route, 'not_found'>): string {
  return route === 'account' ? `${BASE}/` : `${BASE}/admin`;
}
