import { expect, test } from './fixtures';
import { credit, newMember, signUp } from './helpers';

// JavaScript is off: payout details and the two-step request are plain
// form posts and GETs, rendered by the server.

test('payout details and a withdrawal request work without JavaScript', async ({ page }) => {
  const member = newMember();
  await signUp(page, member, false);
  credit(member.email, 'GEMS', '800');

  await page.goto('/account/payout-details');
  const paypal = page.getByRole('region', { name: 'PayPal' });
  // A browser accepts this address; the server does not (no dotted domain).
  await paypal.getByLabel('PayPal email').fill('ada@localhost');
  await paypal.getByRole('button', { name: 'Save PayPal details' }).click();
  await expect(page.getByRole('alert')).toContainText('PayPal email');
  await page.getByRole('region', { name: 'PayPal' }).getByLabel('PayPal email').fill(member.email);
  await page.getByRole('region', { name: 'PayPal' }).getByRole('button', { name: 'Save PayPal details' }).click();
  await expect(page.getByRole('region', { name: 'PayPal' }).getByText('m•••@paydesk.test')).toBeVisible();

  await page.goto('/account/withdrawals');
  const form = page.getByRole('region', { name: 'Request a withdrawal' });
  await form.getByLabel('Amount').fill('10');
  await form.getByRole('button', { name: 'Review withdrawal' }).click();
  const review = page.getByRole('group', { name: 'Confirm your withdrawal' });
  await expect(review).toContainText('100 GEMS');
  await review.getByRole('button', { name: 'Confirm withdrawal' }).click();

  await expect(page).toHaveURL(/requested=\d+/);
  await expect(page.getByRole('status').filter({ hasText: 'received' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Balances' })).toContainText('700 GEMS');
  const row = page.getByRole('region', { name: 'Your requests' }).getByRole('row').filter({ hasText: '10.00 USD' });
  await expect(row).toContainText('Requested');
});
