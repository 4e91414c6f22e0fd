import { expect, test } from './fixtures';
import { memberRequests, seriousViolations, signInAdmin, visit } from './helpers';

// The PayPal-speaking server start-server.sh runs (`paydesk paypal-fake`).
const paypalUrl = `http://127.0.0.1:${process.env.E2E_PAYPAL_PORT ?? 3227}`;

test('an admin sends an approved PayPal request via PayPal and sees it paid without a reload', async ({ page, browser, request }) => {
  const member = await memberRequests(page, '30');

  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, `/admin/payouts?q=${encodeURIComponent(member.email)}`);
  const row = desk.getByRole('row').filter({ hasText: member.email });
  await expect(row).toContainText('Requested');
  const bulk = desk.getByRole('region', { name: 'Bulk actions' });
  // Only approved requests go to PayPal: sending this one now is skipped.
  await row.getByRole('checkbox').check();
  await bulk.getByRole('button', { name: 'Send 1 selected via PayPal' }).click();
  const sent = desk.getByRole('status').filter({ hasText: 'sent to PayPal' });
  await expect(sent).toContainText('0 sent to PayPal');
  await expect(sent).toContainText('Only approved requests can be sent; this one is requested');
  await expect(row).toContainText('Requested');

  await row.getByRole('checkbox').check();
  await bulk.getByLabel('Action').selectOption({ label: 'Approve' });
  await bulk.getByRole('button', { name: 'Apply to 1 selected' }).click();
  await expect(row).toContainText('Approved');

  await row.getByRole('checkbox').check();
  await bulk.getByRole('button', { name: 'Send 1 selected via PayPal' }).click();
  await expect(sent).toHaveText('1 sent to PayPal in 1 batch.');
  await expect(row).toContainText('Processing');
  expect(await seriousViolations(desk)).toEqual([]);

  // PayPal pays it: the fake reports SUCCESS, Paydesk's poller applies it,
  // and the open table follows without a reload.
  const link = row.getByRole('link', { name: /^#\d+$/ });
  const id = (await link.textContent())!.slice(1);
  const told = await request.post(`${paypalUrl}/fake/items/${id}/SUCCESS`);
  expect(told.ok()).toBeTruthy();
  await expect(row).toContainText('Paid', { timeout: 15_000 });
  await expect(row).toContainText(/FAKEBATCH\d+ITEM\d+/);

  // The process view: PayPal's ids and the raw status history; no manual
  // action offered on a request PayPal paid except a return.
  await link.click();
  await expect(desk.getByRole('heading', { name: `Request #${id}` })).toBeVisible();
  const card = desk.getByRole('region', { name: 'PayPal', exact: true });
  await expect(card).toContainText(/FAKEBATCH\d+ITEM\d+/);
  await expect(card.getByRole('row').filter({ hasText: 'QUEUED' })).toBeVisible();
  await expect(card.getByRole('row').filter({ hasText: 'SUCCESS' })).toBeVisible();
  await expect(desk.getByRole('button', { name: 'Mark paid' })).toHaveCount(0);
  expect(await seriousViolations(desk)).toEqual([]);

  // The member sees it paid with PayPal's reference.
  await visit(page, '/account/withdrawals');
  const mine = page.getByRole('region', { name: 'Your requests' }).getByRole('row').filter({ hasText: '30.00 USD' });
  await expect(mine).toContainText('Paid');
  await expect(mine).toContainText(/Reference: FAKEBATCH\d+ITEM\d+/);
  await desk.context().close();
});
