import { readFileSync } from 'node:fs';
import { z } from 'zod';

const RoutesFile = z.object({
  upstreams: z.record(z.string(), z.object({ port: z.number().int().min(1).max(65535) })),
  routes: z.array(z.object({ prefix: z.string().startsWith('/'), upstream: z.string(), websocket: z.boolean().optional() })),
});
export type RoutesFile = z.infer<typeof RoutesFile>;

export const ROUTES_PATH = new URL('../../deploy/gateway/routes.json', import.meta.url);

export function loadRoutes(path: URL | string = ROUTES_PATH): RoutesFile {
  const parsed = RoutesFile.parse(JSON.parse(readFileSync(path, 'utf8')));
  for (const route of parsed.routes) {
    if (!parsed.upstreams[route.upstream]) throw new Error(`route ${route.prefix} names unknown upstream ${route.upstream}`);
  }
  return parsed;
}

/**
 * Longest matching prefix wins, so `/api/v1/auth/tokens/audit/...` goes to audit although
 * `/api/v1/` also matches. A prefix ending without `/` matches itself or a path below it only.
 */
export function matchRoute(routes: RoutesFile['routes'], path: string): RoutesFile['routes'][number] | undefined {
  let best: RoutesFile['routes'][number] | undefined;
  for (const route of routes) {
    const p = route.prefix;
    const hit = p.endsWith('/') ? path.startsWith(p) : path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}?`);
    if (hit && (!best || p.length > best.prefix.length)) best = route;
  }
  return best;
}
