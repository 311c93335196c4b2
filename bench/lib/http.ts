// Form posts over a keep-alive agent, for the closed-loop generator of bench/token-api/lib/load.ts
// (which posts JSON): OAuth endpoints (RFC 6749/7009/7662) take application/x-www-form-urlencoded.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

export const basicAuth = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** POST a form; resolves with the status and the body text. */
export function postForm(url: string, form: string, authorization: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form), authorization } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(form);
  });
}
