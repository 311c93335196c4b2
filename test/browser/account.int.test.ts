import type { Browser, BrowserContext, Page } from 'playwright-core';
import { uniqueSuffix } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '@tessera/token-api/testing';
import { accessibilityViolations, enableTotp, launchBrowser, openDevice, register, screenshot, startSystem, type RunningSystem } from './harness.js';

/*
 * The account and admin pages in a real Chromium against the real system (five services and
 * the gateway, started here): each browser context is one device of a person. Nothing is
 * reloaded to see a change: what the pages show comes from the API and the /ws/tokens pushes.
 */
const suffix = uniqueSuffix();
const PASSWORD = 'correct horse battery';
const ADMIN = { email: `admin-${suffix}@example.org`, password: 'admin password 1' };
const email = (name: string) => `${name}-${suffix}@example.org`;

let system: RunningSystem;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  system = await startSystem({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_SECONDS: '900' });
  for (const name of ['ann', 'bob', 'carol', 'dora', 'eve', 'finn', 'gina', 'hugo']) await register(system.baseUrl, email(name), PASSWORD);
}, 600_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await system?.stop();
}, 60_000);

async function device(kind: 'laptop' | 'phone' | 'desk'): Promise<Page> {
  const { context, page } = await openDevice(browser, kind);
  contexts.push(context);
  return page;
}

async function signIn(page: Page, who: string, password = PASSWORD, path = '/account'): Promise<void> {
  if (!page.url().includes(path) || (await page.getByRole('button', { name: 'Sign in', exact: true }).count()) === 0) {
    await page.goto(`${system.baseUrl}${path}`);
  }
  await page.getByLabel('Email').fill(who);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Signed in with the live feed up (AUTH accepted by the notifier, SUBSCRIBED received). */
async function signInLive(page: Page, who: string, password = PASSWORD): Promise<void> {
  await signIn(page, who, password);
  await page.getByText('Live: changes show up here at once').waitFor({ timeout: 10_000 });
}

/** ...and the list of sessions read from the API. */
async function signInToAccount(page: Page, who: string, password = PASSWORD): Promise<void> {
  await signInLive(page, who, password);
  await page.getByRole('heading', { name: /Where you're signed in/ }).waitFor({ timeout: 10_000 });
}

const cards = (page: Page) => page.locator('li.session');
const otherCards = (page: Page) => page.locator('li.session:not(.session-current)');

/** Until a list shows `n` sessions; `focus` makes the page re-read it (as when a person comes back to the tab). */
async function waitForSessions(page: Page, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await cards(page).count()) !== n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} sessions, the page shows ${await cards(page).count()}`);
    await page.evaluate("window.dispatchEvent(new Event('focus'))");
    await page.waitForTimeout(200);
  }
}

/** A page that signs itself out: push, close, refused refresh. Generous for a loaded 2-core machine. */
async function signedOutWith(page: Page, text: string | RegExp): Promise<void> {
  await page.getByRole('alert').filter({ hasText: text }).waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
}

/** A mark that survives only as long as the document: a reload would drop it. */
const markDocument = (page: Page) => page.evaluate('window.__sameDocument = true');
const sameDocument = (page: Page) => page.evaluate('window.__sameDocument === true');

describe('sign-in errors a person understands', () => {
  it('a wrong password says so, without telling whether the email exists, and puts the cursor back in the password', async () => {
    const page = await device('laptop');
    await signIn(page, email('ann'), 'not my password');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe("That email and password don't match an account.");
    expect(await page.evaluate('document.activeElement && document.activeElement.getAttribute("name")')).toBe('password');

    await signIn(page, email('nobody'), 'not my password');
    await page.getByRole('alert').filter({ hasText: "That email and password don't match an account." }).waitFor();
  });

  it('a locked account says how long it stays locked', async () => {
    const page = await device('phone');
    await page.goto(`${system.baseUrl}/account`);
    let text = '';
    for (let attempt = 0; attempt < 5 && !/locked/.test(text); attempt++) {
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
      await signIn(page, email('dora'), `wrong ${attempt}`);
      await answered;
      // The previous alert went away on submit: this one is the answer to this attempt.
      text = (await page.getByRole('alert').textContent({ timeout: 10_000 })) ?? '';
    }
    expect(text).toMatch(/^Too many failed sign-in attempts: this account is locked\. Try again in 15 minutes\.$/);
    await screenshot(page, 'sign-in-locked-phone');
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('no network says so', async () => {
    const page = await device('laptop');
    await page.goto(`${system.baseUrl}/account`);
    await page.context().setOffline(true);
    await signIn(page, email('ann'));
    await page.getByRole('alert').filter({ hasText: "Can't reach Tessera. Check your connection, then try again." }).waitFor();
    await page.context().setOffline(false);
  });
});

describe('two-step sign-in', () => {
  it('asks an account with an authenticator for its code on a new device, says when the code is wrong, and takes a recovery code', async () => {
    const { recoveryCodes } = await enableTotp(system.baseUrl, email('finn'), PASSWORD);
    const page = await device('laptop');
    await signIn(page, email('finn'));
    const code = page.getByLabel('Authentication code');
    await code.waitFor();
    expect(await page.evaluate('document.activeElement && document.activeElement.getAttribute("name")')).toBe('code');
    await code.fill('000000');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').filter({ hasText: 'That code is not right.' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    await code.fill(recoveryCodes[0]!.toLowerCase());
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('Live: changes show up here at once').waitFor({ timeout: 10_000 });
    await page.getByRole('heading', { name: /Where you're signed in/ }).waitFor();
  });
});

describe('two-step sign-in settings', () => {
  it('turns it on from the account page (key, first code, recovery codes once) and off again; another device of the account sees it go off', async () => {
    const phone = await device('phone');
    await signInToAccount(phone, email('gina'));
    const settings = phone.getByRole('region', { name: 'Two-step sign-in' });
    await settings.getByText('Two-step sign-in is off.').waitFor();
    // A wrong password starts nothing.
    await settings.getByLabel('Password').fill('not my password');
    await settings.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    await settings.getByRole('alert').filter({ hasText: 'Password: is not right' }).waitFor();

    await settings.getByLabel('Password').fill(PASSWORD);
    await settings.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    await settings.getByRole('img', { name: 'QR code to scan with your authenticator app' }).waitFor();
    const app = Authenticator.fromBase32((await settings.locator('.secret-key').innerText()).replace(/\s/g, ''));
    expect(await accessibilityViolations(phone)).toEqual([]);
    await settings.getByLabel('Authentication code').fill(app.wrongCode());
    await settings.getByRole('button', { name: 'Turn on' }).click();
    await settings.getByRole('alert').filter({ hasText: 'That code is not right.' }).waitFor();
    await settings.getByLabel('Authentication code').fill(await app.code());
    await settings.getByRole('button', { name: 'Turn on' }).click();
    const codes = settings.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    await screenshot(phone, 'two-step-recovery-codes-phone');
    await settings.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await settings.getByText(/Two-step sign-in is on since .+\. 10 recovery codes left\./).waitFor();

    // Another device now gives the code at sign-in and sees the setting on.
    const laptop = await device('laptop');
    await signIn(laptop, email('gina'));
    await laptop.getByLabel('Authentication code').fill(await app.code());
    await laptop.getByRole('button', { name: 'Continue' }).click();
    const laptopSettings = laptop.getByRole('region', { name: 'Two-step sign-in' });
    await laptopSettings.getByText(/Two-step sign-in is on since/).waitFor({ timeout: 10_000 });
    await laptop.getByText('Live: changes show up here at once').waitFor({ timeout: 10_000 });

    await settings.getByLabel('Password').fill(PASSWORD);
    await settings.getByLabel('Authentication code').fill(await app.code());
    await settings.getByRole('button', { name: 'Turn off two-step sign-in' }).click();
    await settings.getByText('Two-step sign-in is off. Your other devices were told.').first().waitFor();
    // Pushed as MFA_DISABLED: the laptop shows it off without a reload, and stays signed in.
    await laptopSettings.getByText('Two-step sign-in is off.').waitFor({ timeout: 5_000 });
    await laptop.getByRole('heading', { name: /Where you're signed in/ }).waitFor();
  });
});

describe('your devices and sessions', () => {
  let laptop: Page;
  let phone: Page;

  it('lists the sessions of two devices, each marking itself as this device', async () => {
    phone = await device('phone');
    laptop = await device('laptop');
    await signInToAccount(phone, email('bob'));
    await signInToAccount(laptop, email('bob'));
    await waitForSessions(laptop, 2);
    await waitForSessions(phone, 2);
    for (const page of [laptop, phone]) {
      expect(await page.locator('li.session-current').count()).toBe(1);
      expect(await page.locator('li.session-current').getByText('This device', { exact: true }).count()).toBe(1);
      // Signed-in and last-active times are shown for every session.
      expect(await page.locator('li.session time').count()).toBe(4);
    }
    await screenshot(laptop, 'account-desktop');
    await screenshot(phone, 'account-phone');
    expect(await accessibilityViolations(laptop)).toEqual([]);
    expect(await accessibilityViolations(phone)).toEqual([]);
  });

  it('signing out the other device from the first: it leaves the list within a second, and its own page signs out by itself', async () => {
    await markDocument(laptop);
    const other = otherCards(laptop);
    expect(await other.count()).toBe(1);
    await other.getByRole('button', { name: /^Sign out/ }).click();
    await other.waitFor({ state: 'detached', timeout: 1_000 });
    expect(await cards(laptop).count()).toBe(1);
    expect(await sameDocument(laptop)).toBe(true);

    await signedOutWith(phone, 'You were signed out: this session was ended from another device or by an administrator.');
  });

  it('a session signed out on its own device leaves the other device’s list at once (pushed, not polled)', async () => {
    await signInToAccount(phone, email('bob'));
    await waitForSessions(laptop, 2);
    await markDocument(laptop);
    const other = otherCards(laptop);
    await phone.locator('li.session-current').getByRole('button', { name: /^Sign out of this device/ }).click();
    await other.waitFor({ state: 'detached', timeout: 1_000 });
    expect(await sameDocument(laptop)).toBe(true);
    await phone.getByRole('status').filter({ hasText: 'You have signed out.' }).waitFor();
  });

  it('sign out everywhere ends every session, this one too, and the other device says why', async () => {
    await signInToAccount(phone, email('bob'));
    await waitForSessions(laptop, 2);
    await laptop.getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
    const dialog = laptop.getByRole('dialog', { name: 'Sign out everywhere?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Sign out everywhere' }).click();
    await laptop.getByRole('status').filter({ hasText: 'You signed out everywhere.' }).waitFor({ timeout: 5_000 });
    await signedOutWith(phone, 'You were signed out: someone signed this account out everywhere.');
  });

});

describe('password change', () => {
  it('signs out every device and says why on each; the new password then works', async () => {
    const phone = await device('phone');
    const laptop = await device('laptop');
    await signInLive(phone, email('eve'));
    await signInLive(laptop, email('eve'));
    await laptop.getByLabel('Current password').fill('not the password');
    await laptop.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
    await laptop.getByLabel('Repeat new password').fill('a brand new passphrase');
    await laptop.getByRole('button', { name: 'Change password' }).click();
    await laptop.getByRole('alert').filter({ hasText: 'Current password: is not right' }).waitFor();

    await laptop.getByLabel('Current password').fill(PASSWORD);
    await laptop.getByRole('button', { name: 'Change password' }).click();
    await laptop.getByRole('status').filter({ hasText: 'Your password was changed, so every session was signed out.' }).waitFor({ timeout: 5_000 });
    await signedOutWith(phone, 'You were signed out: the password of this account was changed.');
    await signInLive(laptop, email('eve'), 'a brand new passphrase');
  });
});

describe('admin page', () => {
  it('an admin finds a user, sees their sessions, stats and audit trail, and revokes a session with a reason the user sees', async () => {
    const user = await device('phone');
    await signInToAccount(user, email('carol'));

    const admin = await device('desk');
    await signIn(admin, ADMIN.email, ADMIN.password, '/account/admin');
    await admin.getByRole('heading', { name: 'Admin: sessions of a user', level: 1 }).waitFor();
    await admin.getByLabel('Email or user id').fill(email('carol'));
    await admin.getByRole('button', { name: 'Find user' }).click();
    await admin.getByRole('heading', { name: email('carol'), level: 2 }).waitFor();
    await waitForSessions(admin, 1);
    await admin.getByRole('heading', { name: 'Token counts' }).waitFor();
    await admin.locator('table.audit').getByText('Token issued').first().waitFor({ timeout: 5_000 });
    await admin.getByText('Live: changes show up here at once').waitFor();
    await screenshot(admin, 'admin-desktop');
    expect(await accessibilityViolations(admin)).toEqual([]);
    await admin.setViewportSize({ width: 390, height: 844 });
    await screenshot(admin, 'admin-phone');
    await admin.setViewportSize({ width: 1280, height: 900 });

    const reason = 'Phone reported lost to the help desk';
    await markDocument(admin);
    await cards(admin).getByRole('button', { name: /^Sign out…/ }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Sign out this session' }).click();
    // A reason is required: the dialog says so instead of sending.
    await dialog.getByText('Enter a reason: the user will see it.').waitFor();
    await dialog.getByLabel('Reason (the user sees it)').fill(reason);
    await dialog.getByRole('button', { name: 'Sign out this session' }).click();
    await cards(admin).first().waitFor({ state: 'detached', timeout: 1_000 });
    expect(await sameDocument(admin)).toBe(true);

    await signedOutWith(user, `Reason given: “${reason}”.`);
    await admin.locator('table.audit').getByText('Token revoked').first().waitFor({ timeout: 5_000 });
  });

  it('an admin signs a user out everywhere; every page of the user reacts', async () => {
    const phone = await device('phone');
    const laptop = await device('laptop');
    await signInToAccount(phone, email('ann'));
    await signInToAccount(laptop, email('ann'));

    const admin = await device('desk');
    await signIn(admin, ADMIN.email, ADMIN.password, '/account/admin');
    await admin.getByLabel('Email or user id').fill(email('ann'));
    await admin.getByRole('button', { name: 'Find user' }).click();
    await waitForSessions(admin, 2);
    await admin.getByRole('button', { name: 'Sign out everywhere' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByLabel('Reason (the user sees it)').fill('Suspicious activity');
    await dialog.getByRole('button', { name: 'Sign out everywhere' }).click();
    await admin.locator('p.alert-success', { hasText: `Signed ${email('ann')} out everywhere` }).waitFor({ timeout: 5_000 });
    for (const page of [phone, laptop]) await signedOutWith(page, 'Reason given: “Suspicious activity”.');
    await waitForSessions(admin, 0);
  });

  // Last of the admin cases: it turns two-step sign-in on for the admin.
  it('an admin with two-step sign-in gives a fresh code before signing a user out everywhere (MFA_ADMIN_STEP_UP)', async () => {
    const user = await device('phone');
    await signInToAccount(user, email('hugo'));
    const admin = await device('desk');
    await signIn(admin, ADMIN.email, ADMIN.password, '/account/admin');
    await admin.getByRole('heading', { name: 'Admin: sessions of a user', level: 1 }).waitFor();
    const { app } = await enableTotp(system.baseUrl, ADMIN.email, ADMIN.password);

    await admin.getByLabel('Email or user id').fill(email('hugo'));
    await admin.getByRole('button', { name: 'Find user' }).click();
    await waitForSessions(admin, 1);
    await admin.getByRole('button', { name: 'Sign out everywhere' }).click();
    await admin.getByRole('dialog').getByLabel('Reason (the user sees it)').fill('Account takeover');
    await admin.getByRole('dialog').getByRole('button', { name: 'Sign out everywhere' }).click();

    const stepUp = admin.getByRole('dialog', { name: "Confirm it's you" });
    await stepUp.getByLabel('Authentication code').fill(app.wrongCode());
    await stepUp.getByRole('button', { name: 'Confirm' }).click();
    await stepUp.getByRole('alert').filter({ hasText: 'That code is not right.' }).waitFor();
    expect(await accessibilityViolations(admin)).toEqual([]);
    // Nothing happened yet: the user is still signed in.
    expect(await cards(admin).count()).toBe(1);
    await stepUp.getByLabel('Authentication code').fill(await app.code());
    await stepUp.getByRole('button', { name: 'Confirm' }).click();
    await admin.locator('p.alert-success', { hasText: `Signed ${email('hugo')} out everywhere` }).waitFor({ timeout: 5_000 });
    await signedOutWith(user, 'Reason given: “Account takeover”.');
  });

  it('is refused, in words, to an account without the admin scope', async () => {
    const page = await device('laptop');
    await signIn(page, email('carol'), PASSWORD, '/account/admin');
    await page.getByRole('alert').filter({ hasText: "This account can't use the admin page" }).waitFor({ timeout: 5_000 });
  });
});
