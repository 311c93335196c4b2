// Every place a Tessera access token is presented, and what "refused" means at each: the
// token-api API (bearer route), RFC 7662 introspection, the notifier WebSocket, the audit API
// and the revocation admin API. Used by the token-attack tests.
import { TestSocket } from '../../support/sockets.js';
import type { TestSystem } from '../../support/system.js';

export const UA = 'Mozilla/5.0 (X11; Linux x86_64) tessera-test';
export const INTROSPECTION_CLIENT = { id: 'security-suite', secret: 'security-suite-secret-0123456789' };

export type Surface = 'api' | 'introspection' | 'websocket' | 'audit' | 'revocation';
export const SURFACES: Surface[] = ['api', 'introspection', 'websocket', 'audit', 'revocation'];

export interface Outcome {
  accepted: boolean;
  /** What the surface answered, for the failure message. */
  answer: string;
}

async function http(url: string, init: RequestInit): Promise<{ status: number; text: string }> {
  const res = await fetch(url, init);
  return { status: res.status, text: await res.text() };
}

/** Presents `token` at `surface` as its owner would (same User-Agent), and says whether it got in. */
export async function present(system: TestSystem, surface: Surface, token: string, userId: string): Promise<Outcome> {
  const headers = { authorization: `Bearer ${token}`, 'user-agent': UA };
  switch (surface) {
    case 'api': {
      const r = await http(`${system.url['token-api']}/api/v1/auth/tokens/active`, { headers });
      return { accepted: r.status === 200, answer: `${r.status} ${r.text.slice(0, 200)}` };
    }
    case 'introspection': {
      const basic = Buffer.from(`${INTROSPECTION_CLIENT.id}:${INTROSPECTION_CLIENT.secret}`).toString('base64');
      const r = await http(`${system.url['token-api']}/oauth2/introspect`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', 'user-agent': UA },
        body: new URLSearchParams({ token }).toString(),
      });
      let active = false;
      try {
        active = (JSON.parse(r.text) as { active?: unknown }).active === true;
      } catch {
        active = false;
      }
      return { accepted: active, answer: `${r.status} ${r.text.slice(0, 200)}` };
    }
    case 'websocket': {
      let socket: TestSocket;
      try {
        socket = await TestSocket.open(`${system.url.notifier.replace('http', 'ws')}/ws/tokens`, { token, userAgent: UA });
      } catch (error) {
        return { accepted: false, answer: (error as Error).message };
      }
      try {
        socket.send({ type: 'SUBSCRIBE', userId });
        const result = await Promise.race([
          socket.next('SUBSCRIBED', 5_000).then(() => 'subscribed'),
          socket.closedWith(5_000).then((c) => `closed ${c.code} ${c.reason}`),
        ]);
        return { accepted: result === 'subscribed', answer: result };
      } finally {
        socket.close();
      }
    }
    case 'audit': {
      const r = await http(`${system.url.audit}/api/v1/auth/tokens/audit/${userId}`, { headers });
      return { accepted: r.status === 200, answer: `${r.status} ${r.text.slice(0, 200)}` };
    }
    case 'revocation': {
      // Admin-only: a valid user token gets 403, a refused token 401.
      const r = await http(`${system.url.revocation}/api/v1/auth/tokens/blacklist/size`, { headers });
      return { accepted: r.status !== 401 && r.status !== 431 && r.status !== 400, answer: `${r.status} ${r.text.slice(0, 200)}` };
    }
  }
}

/** Every surface's outcome for one token. */
export async function presentEverywhere(system: TestSystem, token: string, userId: string): Promise<Record<Surface, Outcome>> {
  const out = {} as Record<Surface, Outcome>;
  for (const s of SURFACES) out[s] = await present(system, s, token, userId);
  return out;
}

export const acceptedOn = (outcomes: Record<Surface, Outcome>): Surface[] => SURFACES.filter((s) => outcomes[s].accepted);
