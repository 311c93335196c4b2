// What the browser tests stand on: Debian's Chromium driven by playwright-core (installed with
// apt when missing: no browser download), and the whole system started by the test itself
// with `scripts/local-run.ts` on shifted ports, its own schemas and its own NATS namespace.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { deleteNatsNamespace, queryTestDatabase, uniqueSuffix } from '@tessera/platform/testing';
import { Authenticator } from '@tessera/token-api/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOTS = `${ROOT}docs/screenshots`;
const CHROMIUM = '/usr/bin/chromium';

/** Installs Debian's chromium when it is not there (the machines run as root; CI too). */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, stdio: 'pipe', timeout: 600_000 });
  try {
    install();
  } catch {
    // A fresh machine has no package lists yet.
    execFileSync('apt-get', ['update'], { env, stdio: 'pipe', timeout: 300_000 });
    install();
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is missing`);
  return CHROMIUM;
}

/**
 * A non-persistent launch: Playwright gives the browser a fresh temporary user-data-dir and
 * removes it on close, and each context is a separate cookie/storage jar (a separate "device").
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Two devices a person could own: their User-Agents give the sessions recognisable names. */
export const DEVICES = {
  laptop: {
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
    viewport: { width: 1280, height: 900 },
  },
  phone: {
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  },
  desk: {
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    viewport: { width: 1280, height: 900 },
  },
} as const;

export async function openDevice(browser: Browser, device: keyof typeof DEVICES): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ ...DEVICES[device], locale: 'en-GB', timezoneId: 'UTC', reducedMotion: 'reduce' });
  const page = await context.newPage();
  return { context, page };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true, animations: 'disabled' });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface A11yViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core's WCAG 2.1 A and AA rules (labels, names, contrast, landmarks, ARIA use) on the page
 * as it is now. Evaluated through the DevTools protocol, so the pages' CSP (no inline scripts)
 * stays on: the test sees the page exactly as people get it.
 */
export async function accessibilityViolations(page: Page): Promise<A11yViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })))`);
}

export interface RunningSystem {
  baseUrl: string;
  lines: string[];
  stop(): Promise<void>;
}

/**
 * `pnpm start` on ports shifted by a random offset, with `env` added (admin account, lockout
 * settings). Resolves once every service is ready; `stop` sends SIGINT, waits for the exit,
 * and removes the schemas and streams the run created.
 */
export async function startSystem(env: Record<string, string>): Promise<RunningSystem> {
  const suffix = uniqueSuffix();
  // Ports 9003+offset … 9105+offset stay below 29003: clear of the kernel's ephemeral range
  // (32768+, where other tests' free ports and every outgoing connection come from) and of the
  // offsets test/local-run.int.test.ts draws (20,000+), so parallel test files cannot collide.
  const offset = 1_000 + Math.floor(Math.random() * 18_800);
  const schemaPrefix = `t_web_${suffix}_`;
  const namespace = `web${suffix}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-run.ts'], {
    cwd: ROOT,
    env: { ...process.env, TESSERA_PORT_OFFSET: String(offset), TESSERA_SCHEMA_PREFIX: schemaPrefix, NATS_NAMESPACE: namespace, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the system was not ready in 120 s:\n${lines.slice(-60).join('\n')}`)), 120_000);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        if (/tessera: all services ready/.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the local runner exited (${code}) before it was ready:\n${lines.slice(-60).join('\n')}`));
    });
  });
  const stop = async () => {
    if (!exited) {
      child.kill('SIGINT');
      await exit;
    }
    await deleteNatsNamespace(namespace);
    for (const schema of ['token_api', 'audit', 'sweeper']) await queryTestDatabase(`drop schema if exists ${schemaPrefix}${schema} cascade`);
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl: `http://127.0.0.1:${9003 + offset}`, lines, stop };
}

/** Registers an account through the API, as a person would on a sign-up page. */
export async function register(baseUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 201) throw new Error(`registering ${email} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/**
 * Turns on TOTP for an account through the API, as the user would from an app: sign in, start
 * enrollment with the password, confirm with a code. Returns the recovery codes and the
 * authenticator that holds the secret.
 */
export async function enableTotp(baseUrl: string, email: string, password: string): Promise<{ recoveryCodes: string[]; app: Authenticator }> {
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const { access_token } = (await post('/api/v1/auth/login', { email, password })) as { access_token: string };
  const { secret } = (await post('/api/v1/auth/mfa/totp', { password }, access_token)) as { secret: string };
  const app = Authenticator.fromBase32(secret);
  const { recoveryCodes } = (await post('/api/v1/auth/mfa/totp/confirm', { code: await app.code() }, access_token)) as { recoveryCodes: string[] };
  return { recoveryCodes, app };
}
