import AxeBuilder from '@axe-core/playwright';
import { APIRequestContext, Browser, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import path from 'node:path';

export const admin = {
  email: process.env.E2E_ADMIN_EMAIL ?? 'admin@paydesk.test',
  password: process.env.E2E_ADMIN_PASSWORD ?? 'e2e admin passphrase',
};

export function newMember() {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return {
    email: `member-${id}@paydesk.test`,
    name: `Member ${id}`,
    password: `a long passphrase ${id}`,
  };
}

/** Opens a page and waits until the wasm bundle has hydrated it. */
export async function visit(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
}

/** On a phone the main navigation is folded behind the Menu button. */
export async function openMenu(page: Page) {
  const toggle = page.getByRole('button', { name: 'Toggle Menu' });
  if (await toggle.isVisible()) {
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  }
}

/**
 * Signs a fresh member up through the form, confirms the address with the
 * emailed link and the password, and lands in their account.
 */
export async function signUp(page: Page, member: ReturnType<typeof newMember>, hydrated = true) {
  const open = async (url: string) => (hydrated ? visit(page, url) : page.goto(url));
  await open('/signup');
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Your name').fill(member.name);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/signup\?sent=1$/);
  await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  await open(await confirmationLink(page.request, member.email));
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(page).toHaveURL(/\/account\?email=confirmed$/);
}

/** The link in the latest confirmation email to the address. */
export async function confirmationLink(request: APIRequestContext, email: string): Promise<string> {
  const message = await emailTo(request, email, 'Confirm your email address');
  const link = message.text.split(/\s+/).find((word) => word.includes('/confirm-email?token='));
  expect(link, message.text).toBeTruthy();
  return link as string;
}

/**
 * Credits a member's wallet the way an operator would: `paydesk adjust`
 * (the binary start-server.sh runs: PAYDESK_BIN, or the release build)
 * against the server's own database (start-server.sh's scratch file, or
 * E2E_DATABASE_URL).
 */
export function credit(email: string, asset: string, amount: string) {
  const root = path.resolve(__dirname, '..', '..');
  const database = path.resolve(__dirname, '..', '.e2e', 'e2e.db');
  execFileSync(
    process.env.PAYDESK_BIN ?? path.join(root, 'target', 'release', 'paydesk'),
    ['adjust', '--admin', admin.email, '--member', email, '--asset', asset, '--amount', amount, '--reason', 'Reward for the end-to-end test'],
    {
      env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL ?? `sqlite://${database}?mode=rwc`, RUST_LOG: 'warn' },
      stdio: 'pipe',
    },
  );
}

/**
 * Makes an admin with a role the way an operator would: `paydesk
 * create-admin --role`, the password on standard input.
 */
export function createAdmin(email: string, name: string, role: string, password: string) {
  const root = path.resolve(__dirname, '..', '..');
  const database = path.resolve(__dirname, '..', '.e2e', 'e2e.db');
  execFileSync(
    process.env.PAYDESK_BIN ?? path.join(root, 'target', 'release', 'paydesk'),
    ['create-admin', '--email', email, '--name', name, '--role', role, '--password-stdin'],
    {
      env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL ?? `sqlite://${database}?mode=rwc`, RUST_LOG: 'warn' },
      input: `${password}\n`,
      stdio: 'pipe',
    },
  );
}

/** Signs an admin in in a browser context of their own. */
export async function signInAs(browser: Browser, viewport: { width: number; height: number } | null, email: string, password: string) {
  const context = await browser.newContext({ viewport: viewport ?? undefined });
  const page = await context.newPage();
  await visit(page, '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  return page;
}

/** Serious or critical accessibility violations on the current page. */
export async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** The admin works in a second browser context, beside the member's. */
export async function signInAdmin(browser: Browser, viewport: { width: number; height: number } | null) {
  const context = await browser.newContext({ viewport: viewport ?? undefined });
  const page = await context.newPage();
  await visit(page, '/login');
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  return page;
}

/** A fresh member asks for `amount` USD by PayPal through the UI. */
export async function memberRequests(page: Page, amount: string) {
  const member = newMember();
  await signUp(page, member);
  credit(member.email, 'USD', '100');
  await visit(page, '/account/payout-details');
  const paypal = page.getByRole('region', { name: 'PayPal' });
  await paypal.getByLabel('PayPal email').fill(member.email);
  await paypal.getByRole('button', { name: 'Save PayPal details' }).click();
  await expect(paypal.getByText('Default', { exact: true })).toBeVisible();
  await visit(page, '/account/withdrawals');
  const form = page.getByRole('region', { name: 'Request a withdrawal' });
  await form.getByLabel('Amount').fill(amount);
  await form.getByRole('button', { name: 'Review withdrawal' }).click();
  await page.getByRole('button', { name: 'Confirm withdrawal' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'received' })).toBeVisible();
  return member;
}

/** An email as the mail catcher (start-server.sh) caught it. */
export type Email = { subject: string; text: string; html: string; message_id: string; envelope_to: string[] };

const mailUrl = `http://127.0.0.1:${process.env.E2E_MAIL_PORT ?? 3226}`;

/** The emails sent to an address so far, oldest first. */
export async function emailsTo(request: APIRequestContext, email: string): Promise<Email[]> {
  const response = await request.get(`${mailUrl}/messages?to=${encodeURIComponent(email)}`);
  expect(response.ok()).toBeTruthy();
  return (await response.json()) as Email[];
}

/** Waits for the email to `email` whose subject contains `subject`. */
export async function emailTo(request: APIRequestContext, email: string, subject: string): Promise<Email> {
  let found: Email | undefined;
  await expect
    .poll(async () => {
      found = (await emailsTo(request, email)).find((m) => m.subject.includes(subject));
      return found !== undefined;
    }, { message: `an email to ${email} about "${subject}"`, timeout: 20_000 })
    .toBe(true);
  return found as Email;
}

/**
 * What an authenticator app shows for a base32 secret (RFC 6238: HMAC-SHA1,
 * 30-second steps, six digits), `offsetSeconds` from now: the test plays
 * the phone.
 */
export function totp(secret: string, offsetSeconds = 0): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = secret
    .replace(/[\s=]/g, '')
    .toUpperCase()
    .split('')
    .map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0'))
    .join('');
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor((Date.now() / 1000 + offsetSeconds) / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const at = mac[mac.length - 1] & 0xf;
  const value = ((mac[at] & 0x7f) << 24) | (mac[at + 1] << 16) | (mac[at + 2] << 8) | mac[at + 3];
  return (value % 1_000_000).toString().padStart(6, '0');
}
