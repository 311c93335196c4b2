import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import httpProxy from 'http-proxy';
import { matchRoute, type RoutesFile } from './routes.js';
import { createStaticSite, type StaticSite } from './static.js';

export interface GatewayOptions {
  routes: RoutesFile['routes'];
  /** Base URLs per upstream name; several URLs are used round-robin (replicas). */
  targets: Record<string, string[]>;
  log?: (line: Record<string, unknown>) => void;
  /** Built front ends served from disk (the account pages at `/account`). */
  staticSites?: StaticSite[];
}

function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title: status === 404 ? 'Not Found' : 'Bad Gateway', status, code, detail }));
}

/**
 * The local stand-in for deploy/nginx: routes by path prefix (WebSocket upgrades included) and
 * answers `/health` with every service's health, so one URL tells whether the system is up.
 */
export function createGateway(options: GatewayOptions): Server {
  const proxy = httpProxy.createProxyServer({ xfwd: true, ws: true, proxyTimeout: 30_000 });
  const counters = new Map<string, number>();
  const pick = (upstream: string): string | undefined => {
    const urls = options.targets[upstream] ?? [];
    if (urls.length === 0) return undefined;
    const n = counters.get(upstream) ?? 0;
    counters.set(upstream, n + 1);
    return urls[n % urls.length];
  };

  proxy.on('error', (error, _req, target) => {
    options.log?.({ level: 'warn', message: 'upstream unreachable', error: error.message });
    if (target instanceof Object && 'writeHead' in target && !(target as ServerResponse).headersSent) {
      problem(target as ServerResponse, 502, 'bad_gateway', 'The service behind this route is not answering');
    } else if (target && 'destroy' in target) {
      (target as Socket).destroy();
    }
  });

  const sites = (options.staticSites ?? []).map((site) =>
    createStaticSite(site, (res) => problem(res, 404, 'not_found', 'No such file')),
  );

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (sites.some((handle) => handle(req, res, path))) return;
    if (path === '/health' || path === '/health/ready') return aggregateHealth(options.targets, path, res);
    if (path === '/health/live') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP","checks":{}}');
    const route = matchRoute(options.routes, path);
    const target = route && pick(route.upstream);
    if (!target) return problem(res, 404, 'not_found', `No route for ${req.method} ${path}`);
    proxy.web(req, res, { target });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const route = matchRoute(options.routes, (req.url ?? '/').split('?')[0] ?? '/');
    const target = route?.websocket ? pick(route.upstream) : undefined;
    if (!target) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    proxy.ws(req, socket, head, { target });
  });
  server.on('close', () => proxy.close());
  return server;
}

/** One check per service replica; the system is UP only when every one is. */
async function aggregateHealth(targets: Record<string, string[]>, path: string, res: ServerResponse): Promise<void> {
  const entries = Object.entries(targets).flatMap(([name, urls]) => urls.map((url, i) => [urls.length > 1 ? `${name}-${i + 1}` : name, url] as const));
  const checks = await Promise.all(
    entries.map(async ([name, url]) => {
      try {
        const r = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2_000) });
        const body = (await r.json()) as { status?: string; checks?: unknown };
        return [name, { status: r.ok && body.status === 'UP' ? 'UP' : 'DOWN', checks: body.checks }] as const;
      } catch (error) {
        return [name, { status: 'DOWN', error: (error as Error).message }] as const;
      }
    }),
  );
  const status = checks.every(([, c]) => c.status === 'UP') ? 'UP' : 'DOWN';
  res.writeHead(status === 'UP' ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status, checks: Object.fromEntries(checks) }));
}
