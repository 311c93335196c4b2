import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Topology } from '@tessera/platform';
import { startNatsServer, uniqueSuffix, waitFor, type OwnNatsServer } from '@tessera/platform/testing';
import { Authenticator } from '@tessera/token-api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from './support/client.js';
import { startSystem, type TestSystem } from './support/system.js';

/*
 * The tessera CLI as an operator runs it (a separate process), against the whole system on a
 * private nats-server this test can stop.
 */
const run = promisify(execFile);
let nats: OwnNatsServer;
let system: TestSystem;
let env: NodeJS.ProcessEnv;
const ADMIN = { email: `ops-${uniqueSuffix()}@example.com`, password: 'operator password 1' };

beforeAll(async () => {
  nats = await startNatsServer();
  system = await startSystem({ natsUrl: nats.url, env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password } });
  env = {
    ...process.env,
    NATS_URL: nats.url,
    NATS_NAMESPACE: system.namespace,
    TESSERA_SERVICE_URLS: Object.entries(system.url).map(([name, url]) => `${name}=${url}`).join(','),
    TESSERA_ADMIN_EMAIL: ADMIN.email,
    TESSERA_ADMIN_PASSWORD: ADMIN.password,
  };
});
afterAll(async () => {
  await system?.stop();
  await nats?.dispose();
});

const tessera = (...args: string[]) => tesseraWith({}, ...args);

async function tesseraWith(extraEnv: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['packages/cli/bin/tessera.mjs', ...args], { env: { ...env, ...extraEnv }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('tessera doctor', () => {
  it('exits 0 on a healthy system, and 1 naming NATS when NATS is down', async () => {
    const healthy = await waitFor(async () => {
      const r = await tessera('doctor', '--json');
      return r.code === 0 ? r : null;
    }, { what: 'doctor healthy', timeoutMs: 30_000 });
    const report = JSON.parse(healthy.stdout) as { healthy: boolean; checks: Array<{ name: string; status: string }> };
    expect(report.healthy).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['postgres', 'nats', 'consumer audit', 'consumer revocation', 'consumer sweeper', 'consumer token-api-expiry', 'outbox']));

    await nats.stop();
    try {
      const down = await tessera('doctor');
      expect(down.code).toBe(1);
      expect(down.stdout).toMatch(/✘ nats\s+.+/);
      expect(down.stdout).toMatch(/✘ service revocation\s+DOWN: nats/);
    } finally {
      await nats.start();
    }
  });
});

describe('tessera handover', () => {
  it('prints the report with the last hours of activity', async () => {
    const api = new ApiClient(system.url['token-api']);
    const email = `handover-${uniqueSuffix()}@example.com`;
    await api.register(email, 'correct horse battery');
    const pair = await api.login(email, 'correct horse battery');
    await api.call('POST', '/api/v1/auth/logout', { token: pair.access_token });
    await waitFor(async () => /TokenRevoked\s+[1-9]/.test((await tessera('handover', '--audit-schema', `t_sys_${system.namespace.slice(3)}_audit`)).stdout), { what: 'revocation in the report', timeoutMs: 20_000 });
    const r = await tessera('handover', '--audit-schema', `t_sys_${system.namespace.slice(3)}_audit`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Tessera shift handover — .* \(last 8 h\)/);
    expect(r.stdout).toMatch(/TokenIssued\s+[1-9]/);
    expect(r.stdout).toMatch(/Revocations by reason:\n\s+\d+\s+logout/);
    expect(r.stdout).toContain('Consumer lag:');
  });
});

describe('tessera dlq and admin actions', () => {
  it('lists a dead letter and replays it', async () => {
    const nc = await connect({ servers: nats.url });
    const topology = new Topology({ namespace: system.namespace, eventsMaxAgeMs: 86_400_000 });
    await jetstream(nc).publish(topology.tokenEventSubject('TokenIssued', '0193a5c2-7b1e-7c3d-9f00-000000000009'), 'poison');
    await nc.close();
    const listed = await waitFor(async () => {
      const r = await tessera('dlq', 'list', '--consumer', 'audit', '--json');
      const letters = JSON.parse(r.stdout) as Array<{ seq: number; reason: string }>;
      return letters.length > 0 ? letters : null;
    }, { what: 'dead letter listed' });
    expect(listed[0]!.reason).toBe('invalid_message');
    const replay = await tessera('dlq', 'replay', '--seq', String(listed[0]!.seq));
    expect(replay.stdout).toBe('replayed 1 message(s)\n');
    const after = JSON.parse((await tessera('dlq', 'list', '--json')).stdout) as Array<{ seq: number }>;
    expect(after.map((l) => l.seq)).not.toContain(listed[0]!.seq);
  });

  it('rotates the signing key and refuses a malformed id', async () => {
    const rotated = await tessera('keys', 'rotate', '--json');
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ kid: expect.any(String), alg: 'ES256' });
    const bad = await tessera('users', 'logout-all', 'not-a-uuid');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('tessera: user id must be a UUID, got "not-a-uuid"\n');
  });
});

// Last in the file: it turns two-step sign-in on for the operator the other cases use.
describe('an admin with two-step sign-in', () => {
  it('users logout-all asks for TESSERA_ADMIN_OTP and changes nothing without it; with a current code it signs the user out', async () => {
    const api = new ApiClient(system.url['token-api']);
    const email = `victim-${uniqueSuffix()}@example.com`;
    const { id } = await api.register(email, 'correct horse battery');
    const victim = await api.login(email, 'correct horse battery');

    const admin = await api.login(ADMIN.email, ADMIN.password);
    const start = await api.call('POST', '/api/v1/auth/mfa/totp', { token: admin.access_token, body: { password: ADMIN.password } });
    const app = Authenticator.fromBase32(start.body.secret);
    expect((await api.call('POST', '/api/v1/auth/mfa/totp/confirm', { token: admin.access_token, body: { code: await app.code() } })).status).toBe(200);

    // Whether the CLI's device is known (login without a code, then 401 on the call) or not
    // (login asks for the code), the operator is told what to set.
    const refused = await tessera('users', 'logout-all', id);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('TESSERA_ADMIN_OTP');
    expect((await api.call('GET', '/api/v1/auth/tokens/active', { token: victim.access_token })).status).toBe(200);

    const done = await tesseraWith({ TESSERA_ADMIN_OTP: await app.code() }, 'users', 'logout-all', id, '--json');
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toEqual({ userId: id, revokedCount: 2 });
    expect((await api.call('GET', '/api/v1/auth/tokens/active', { token: victim.access_token })).status).toBe(401);
  });
});
