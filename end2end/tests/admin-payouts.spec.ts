import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures';
import { emailTo, memberRequests, seriousViolations, signInAdmin, visit } from './helpers';

test('an admin finds a request, approves it and marks it paid; the member sees the receipt', async ({ page, browser, request }) => {
  const member = await memberRequests(page, '25');

  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, `/admin/payouts?q=${encodeURIComponent(member.email)}`);
  await expect(desk.getByRole('heading', { name: 'Payout requests' })).toBeVisible();
  await expect(desk.getByRole('status').filter({ hasText: 'match' })).toHaveText('1 request matches');
  expect(await seriousViolations(desk)).toEqual([]);

  const row = desk.getByRole('row').filter({ hasText: member.email });
  await expect(row).toContainText('25.00 USD');
  await expect(row).toContainText('Requested');

  const bulk = desk.getByRole('region', { name: 'Bulk actions' });
  async function apply(action: string) {
    await row.getByRole('checkbox').check();
    await bulk.getByLabel('Action').selectOption({ label: action });
    await bulk.getByRole('button', { name: 'Apply to 1 selected' }).click();
    await expect(desk.getByRole('status').filter({ hasText: 'succeeded' })).toHaveText('1 succeeded, 0 skipped.');
  }
  await apply('Approve');
  await expect(row).toContainText('Approved');
  await apply('Mark processing');
  await expect(row).toContainText('Processing');
  await bulk.getByLabel('Receipt number').fill('RCPT-E2E-1');
  await bulk.getByLabel('Payment date').fill('2026-11-20');
  await apply('Mark paid');
  await expect(row).toContainText('Paid');
  await expect(row).toContainText('RCPT-E2E-1');

  // The member sees it paid, with the receipt and the date.
  await visit(page, '/account/withdrawals');
  const mine = page.getByRole('region', { name: 'Your requests' }).getByRole('row').filter({ hasText: '25.00 USD' });
  await expect(mine).toContainText('Paid');
  await expect(mine).toContainText('Reference: RCPT-E2E-1');
  await expect(mine).toContainText('Paid on 2026-11-20');

  // And hears about it by email, receipt and date included.
  const paid = await emailTo(request, member.email, 'Paid: ');
  expect(paid.subject).toMatch(/^Paid: \d+\.\d\d USD by PayPal \(request #\d+\)$/);
  expect(paid.text).toContain('Receipt / reference: RCPT-E2E-1');
  expect(paid.text).toContain('Payment date: 2026-11-20');
  expect(paid.html).toContain('RCPT-E2E-1');
  await emailTo(request, member.email, 'We received your withdrawal request');

  // The admin's Email page lists it as sent.
  await visit(desk, '/admin/email?state=sent');
  await expect(desk.getByRole('heading', { name: 'Email', level: 1 })).toBeVisible();
  const sent = desk.getByRole('row').filter({ hasText: member.email }).filter({ hasText: 'Withdrawal paid' });
  await expect(sent).toContainText('Sent');
  expect(await seriousViolations(desk)).toEqual([]);
  await desk.context().close();
});

test('filters narrow the list and pages move through it', async ({ browser, page }) => {
  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, '/admin/payouts');
  const filters = desk.getByRole('form', { name: 'Filter requests' });
  await filters.getByLabel('Status').selectOption({ label: 'Paid' });
  await filters.getByLabel('Per page').selectOption('5');
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await expect(desk).toHaveURL(/status=paid/);
  // The old rows stay while the new page loads; the results say when they are fresh.
  await expect(desk.getByRole('table').locator('tbody .badge').filter({ hasNotText: 'Paid' })).toHaveCount(0);
  await expect(desk.locator('.results[aria-busy="false"]')).toHaveCount(1);
  const statuses = await desk.getByRole('table').locator('tbody .badge').allTextContents();
  expect(statuses.length).toBeGreaterThan(0);
  expect(statuses.length).toBeLessThanOrEqual(5);
  expect(new Set(statuses)).toEqual(new Set(['Paid']));

  await visit(desk, '/admin/payouts?per_page=5');
  await expect(desk.getByText('Page 1 of')).toBeVisible();
  await desk.getByRole('link', { name: 'Next →' }).click();
  await expect(desk.getByText('Page 2 of')).toBeVisible();
  await desk.context().close();
});

test('the process view reveals payout details and acts on the request', async ({ browser, page }) => {
  const member = await memberRequests(page, '15');
  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, `/admin/payouts?q=${encodeURIComponent(member.email)}`);
  const link = desk.getByRole('table').getByRole('link').first();
  const label = (await link.textContent()) ?? '';
  await link.click();
  await expect(desk.getByRole('heading', { level: 1 })).toHaveText(`Request ${label}`);
  await expect(desk.locator('body[data-hydrated]')).toHaveCount(1);
  expect(await seriousViolations(desk)).toEqual([]);

  await desk.getByRole('button', { name: 'Reveal payout details' }).click();
  await expect(desk.getByText('This reveal is recorded in the audit log.')).toBeVisible();
  await expect(desk.locator('dl.revealed').getByText(member.email)).toBeVisible();

  await desk.getByLabel('Note to the member').fill('Approved for the next payout run');
  await desk.getByRole('button', { name: 'Approve' }).click();
  await expect(desk.getByRole('heading', { name: /Status/ })).toContainText('Approved');
  await expect(desk.getByRole('region', { name: 'Timeline' })).toContainText('Approved for the next payout run');
  await desk.context().close();
});

test('an admin downloads the matching requests as CSV', async ({ browser, page }) => {
  const member = await memberRequests(page, '18.5');
  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, `/admin/payouts?q=${encodeURIComponent(member.email)}`);
  await expect(desk.getByRole('status').filter({ hasText: 'match' })).toHaveText('1 request matches');

  const exporter = desk.getByRole('region', { name: 'Export' });
  await exporter.getByLabel('Format').selectOption({ label: 'CSV report (not for upload)' });
  await expect(exporter.getByRole('radio', { name: 'All 1 matching' })).toBeChecked();
  const [download] = await Promise.all([
    desk.waitForEvent('download'),
    exporter.getByRole('button', { name: 'Download report' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^paydesk-csv-\d+\.csv$/);
  const text = readFileSync(await download.path(), 'utf8');
  const lines = text.trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toContain('request_id,created_at,status');
  expect(lines[1]).toContain(member.email);
  expect(lines[1]).toContain(',USD,18.50,');
  await desk.context().close();
});

test('the dashboard shows what is owed, requests by status and the weekly chart', async ({ browser, page }) => {
  const desk = await signInAdmin(browser, page.viewportSize());
  await expect(desk.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(desk.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  // The demo has requests waiting in USD.
  await expect(desk.getByRole('definition').filter({ hasText: 'USD' }).first()).toBeVisible();
  const statuses = desk.getByRole('region', { name: 'Requests by status' });
  await expect(statuses.getByRole('link')).toHaveCount(8);
  await expect(desk.getByRole('img', { name: /Requests paid per week/ })).toBeVisible();
  expect(await seriousViolations(desk)).toEqual([]);

  await statuses.getByRole('link', { name: /Paid/ }).first().click();
  await expect(desk).toHaveURL(/\/admin\/payouts\?status=paid/);
  await desk.context().close();
});
