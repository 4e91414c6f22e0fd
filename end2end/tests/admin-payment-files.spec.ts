import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures';
import { memberRequests, seriousViolations, signInAdmin, visit } from './helpers';

test('a PayPal payment file claims the approved request, lists the one it skipped, and downloads again the same', async ({ page, browser }) => {
  const member = await memberRequests(page, '12');
  // A second request, left waiting for approval.
  await visit(page, '/account/withdrawals');
  const form = page.getByRole('region', { name: 'Request a withdrawal' });
  await form.getByLabel('Amount').fill('7');
  await form.getByRole('button', { name: 'Review withdrawal' }).click();
  await page.getByRole('button', { name: 'Confirm withdrawal' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'received' })).toBeVisible();

  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, `/admin/payouts?q=${encodeURIComponent(member.email)}`);
  await expect(desk.getByRole('status').filter({ hasText: 'match' })).toHaveText('2 requests match');
  const approved = desk.getByRole('row').filter({ hasText: '12.00 USD' });
  await approved.getByRole('checkbox').check();
  const bulk = desk.getByRole('region', { name: 'Bulk actions' });
  await bulk.getByLabel('Action').selectOption({ label: 'Approve' });
  await bulk.getByRole('button', { name: 'Apply to 1 selected' }).click();
  await expect(desk.getByRole('status').filter({ hasText: 'succeeded' })).toHaveText('1 succeeded, 0 skipped.');
  await expect(approved).toContainText('Approved');

  const exporter = desk.getByRole('region', { name: 'Export' });
  await exporter.getByLabel('Format').selectOption({ label: 'PayPal Payouts file (claims approved PayPal requests)' });
  await expect(exporter).toContainText('A payment file takes only approved requests');
  await exporter.getByRole('radio', { name: 'All 2 matching' }).check();
  await exporter.getByRole('button', { name: 'Make payment file' }).click();

  // The file's page: what it claimed, what it skipped and why.
  await expect(desk).toHaveURL(/\/admin\/payouts\/files\/\d+$/);
  const heading = desk.getByRole('heading', { level: 1, name: /^Payment file #\d+$/ });
  await expect(heading).toBeVisible();
  const fileId = (await heading.textContent())!.replace('Payment file #', '');
  const inFile = desk.getByRole('region', { name: 'In this file' });
  await expect(inFile.getByRole('row')).toHaveCount(2);
  const skipped = desk.getByRole('region', { name: 'Skipped (1)' });
  await expect(skipped.getByRole('row').filter({ hasText: 'Not approved yet' })).toHaveCount(1);
  expect(await seriousViolations(desk)).toEqual([]);

  // PayPal's own layout: no header, one payout per line.
  const [first] = await Promise.all([
    desk.waitForEvent('download'),
    desk.getByRole('link', { name: 'Download the payment file' }).click(),
  ]);
  expect(first.suggestedFilename()).toBe(`paydesk-payment-file-paypal-csv-${fileId}.csv`);
  const content = readFileSync(await first.path(), 'utf8');
  const lines = content.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${member.email.replace(/[.+]/g, '\\$&')},\\d+\\.\\d\\d,USD,\\d+,Paydesk withdrawal #\\d+,PAYPAL$`));

  // A second download is the same file, and the page says so first.
  await desk.reload();
  await expect(desk.getByRole('alert')).toContainText('do not upload it a second time');
  const [again] = await Promise.all([
    desk.waitForEvent('download'),
    desk.getByRole('link', { name: 'Download again (the same file)' }).click(),
  ]);
  expect(again.suggestedFilename()).toBe(`paydesk-payment-file-paypal-csv-${fileId}-redownload.csv`);
  expect(readFileSync(await again.path(), 'utf8')).toBe(content);

  // The claimed request is processing, in the file; the other is untouched.
  await visit(desk, `/admin/payouts?q=${encodeURIComponent(member.email)}`);
  await expect(desk.getByRole('row').filter({ hasText: '12.00 USD' })).toContainText('Processing');
  await expect(desk.getByRole('row').filter({ hasText: '7.00 USD' })).toContainText('Requested');
  await visit(desk, '/admin/payouts/files');
  await expect(desk.getByRole('link', { name: new RegExp(`^#${fileId} PayPal Payouts file`) })).toBeVisible();
  await desk.context().close();
});
