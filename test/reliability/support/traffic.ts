// A stream of real client traffic for the fault and soak tests: virtual users that register once,
// then loop login → use the token → refresh → refresh → revoke (logout, or DELETE of the access
// token), recording every answer. Loops are bounded in time and stop by themselves.
import { decodeJwt } from 'jose';

export const PASSWORD = 'correct horse battery staple';
export const UA = 'Mozilla/5.0 (X11; Linux x86_64) tessera-reliability';

export interface CallRecord {
  op: string;
  status: number;
  ms: number;
  at: number;
  /** 'network' when no HTTP answer came (connection refused/reset, timeout). */
  error?: string;
  problem?: { contentType: string | null; code?: unknown };
}

export interface Revoked {
  access: string;
  refresh?: string;
  via: 'logout' | 'delete';
  jti: string;
  sid: string;
  userId: string;
}

export class Recorder {
  readonly calls: CallRecord[] = [];

  add(record: CallRecord): void {
    this.calls.push(record);
  }

  summary(filter: (c: CallRecord) => boolean = () => true): Record<string, { count: number; non2xx: number; network: number; p50: number; p99: number; statuses: Record<string, number> }> {
    const byOp = new Map<string, CallRecord[]>();
    for (const c of this.calls.filter(filter)) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);
    return Object.fromEntries(
      [...byOp].map(([op, list]) => {
        const ms = list.map((c) => c.ms).sort((a, b) => a - b);
        const statuses: Record<string, number> = {};
        for (const c of list) statuses[c.error ? c.error : String(c.status)] = (statuses[c.error ? c.error : String(c.status)] ?? 0) + 1;
        return [op, { count: list.length, non2xx: list.filter((c) => c.status < 200 || c.status > 299).length, network: list.filter((c) => c.error).length, p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), statuses }];
      }),
    );
  }
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! * 10) / 10;
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** One HTTP call, timed and recorded; a network failure is status 0. */
export async function call(recorder: Recorder, base: string, op: string, method: string, path: string, options: { body?: unknown; token?: string; timeoutMs?: number } = {}): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        'user-agent': UA,
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const record: CallRecord = { op, status: res.status, ms: performance.now() - started, at: Date.now() };
    if (res.status >= 400) record.problem = { contentType: res.headers.get('content-type'), code: body?.code };
    recorder.add(record);
    return { status: res.status, body, headers: res.headers };
  } catch (error) {
    recorder.add({ op, status: 0, ms: performance.now() - started, at: Date.now(), error: (error as Error).name === 'TimeoutError' ? 'timeout' : 'network' });
    return { status: 0, body: null, headers: new Headers() };
  }
}

export interface TrafficOptions {
  base: string;
  users: number;
  /** Pause between a user's calls (keeps the rate steady and the machine shared). */
  pauseMs: number;
  /** Hard bound on the run, whatever `stop` says. */
  maxMs: number;
  recorder: Recorder;
  revoked: Revoked[];
  /** Tokens issued (access jti) and still live at the end, for "still valid" checks. */
  live?: Array<{ access: string; refresh: string }>;
  /** Revoke with DELETE /api/v1/auth/tokens/{jti} every other round (needs issue 5's endpoint). */
  useDelete?: boolean;
}

/** Runs until `stop()` resolves (or maxMs). Returns the users created. */
export function startTraffic(options: TrafficOptions): { stop: () => Promise<Array<{ email: string; userId: string }>> } {
  let stopping = false;
  const deadline = Date.now() + options.maxMs;
  const users: Array<{ email: string; userId: string }> = [];
  const pause = () => new Promise((r) => setTimeout(r, options.pauseMs));
  const running = () => !stopping && Date.now() < deadline;

  const loop = async (index: number) => {
    const { base, recorder } = options;
    const email = `rel-${index}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    // Registration is retried: a fault may hit it like any other call.
    let userId: string | null = null;
    while (running() && !userId) {
      const reg = await call(recorder, base, 'register', 'POST', '/api/v1/users', { body: { email, password: PASSWORD } });
      if (reg.status === 201) userId = reg.body.id;
      else await pause();
    }
    if (!userId) return;
    users.push({ email, userId });
    let round = 0;
    while (running()) {
      round += 1;
      const login = await call(recorder, base, 'login', 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
      if (login.status !== 200) {
        await pause();
        continue;
      }
      await pause();
      await call(recorder, base, 'use', 'GET', '/api/v1/auth/tokens/active?limit=5', { token: login.body.access_token });
      await pause();
      let pair = { access: login.body.access_token as string, refresh: login.body.refresh_token as string };
      for (let i = 0; i < 2 && running(); i++) {
        const refreshed = await call(recorder, base, 'refresh', 'POST', '/api/v1/auth/refresh', { body: { refresh_token: pair.refresh } });
        if (refreshed.status === 200) pair = { access: refreshed.body.access_token, refresh: refreshed.body.refresh_token };
        await pause();
      }
      const claims = decodeJwt(pair.access) as { jti: string; sid: string; sub: string };
      if (!running() && options.live) {
        options.live.push(pair);
        break;
      }
      if (options.useDelete && round % 2 === 0) {
        const del = await call(recorder, base, 'revoke', 'DELETE', `/api/v1/auth/tokens/${claims.jti}`, { token: pair.access, body: { reason: 'reliability test' } });
        // One access token revoked; its session (refresh family) stays live, as after a real DELETE.
        if (del.status >= 200 && del.status < 300) options.revoked.push({ access: pair.access, via: 'delete', jti: claims.jti, sid: claims.sid, userId });
      } else {
        const out = await call(recorder, base, 'logout', 'POST', '/api/v1/auth/logout', { token: pair.access });
        if (out.status === 204) options.revoked.push({ access: pair.access, refresh: pair.refresh, via: 'logout', jti: claims.jti, sid: claims.sid, userId });
      }
      await pause();
    }
  };

  const loops = Array.from({ length: options.users }, (_, i) => loop(i));
  return {
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      return users;
    },
  };
}
