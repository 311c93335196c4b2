import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import sirv from 'sirv';

export interface StaticSite {
  /** URL prefix without a trailing slash, e.g. `/account`. */
  prefix: string;
  /** A built single-page app: `index.html` plus hashed files under `assets/`. */
  dir: string;
}

/*
 * The pages hold tokens in memory, so script injection is the threat that matters: only our own
 * scripts, styles and connections (fetch and the same-origin WebSocket), no framing, no inline
 * code. Hashed assets never change, so they are cached for a year; index.html is revalidated.
 */
const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * Serves a built single-page app under a path prefix, with sirv (the static server of Vite's own
 * preview): the file list is read once at start, so a request path is only ever a key into that
 * list and can never reach outside `dir`; content types come from the file names; a path that
 * does not look like a file (`/account/admin`) gets `index.html`, so client routes survive a
 * reload, while a missing asset is a 404. Returns false for paths outside the prefix.
 */
export function createStaticSite(site: StaticSite, notFound: (res: ServerResponse) => void) {
  if (!existsSync(join(site.dir, 'index.html'))) {
    throw new TypeError(`static site ${site.prefix}: no index.html in ${site.dir} (build it first)`);
  }
  const serve = sirv(site.dir, {
    single: true,
    etag: true,
    dev: false,
    setHeaders(res, pathname) {
      for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
      res.setHeader('Cache-Control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
    onNoMatch: (_req, res) => notFound(res),
  });

  return function handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (path !== site.prefix && !path.startsWith(`${site.prefix}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Method Not Allowed', status: 405, code: 'method_not_allowed' }));
      return true;
    }
    const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    req.url = (path.slice(site.prefix.length) || '/') + query;
    serve(req, res);
    return true;
  };
}
