import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { credit, newMember, seriousViolations, signUp, visit } from './helpers';

async function openAccountPage(page: Page, name: string) {
  await page.getByRole('navigation', { name: 'My account' }).getByRole('link', { name }).click();
}

test('a member saves PayPal details, withdraws gems, sees it at once, and cancels', async ({ page }) => {
  const member = newMember();
  await signUp(page, member);
  credit(member.email, 'GEMS', '800');

  // Payout details: a typo is flagged while typing, then the saved address shows masked.
  await visit(page, '/account/payout-details');
  const paypal = page.getByRole('region', { name: 'PayPal' });
  await paypal.getByLabel('PayPal email').fill('not an email');
  await paypal.getByLabel('PayPal email').blur();
  await expect(paypal.getByText('An email address has an @')).toBeVisible();
  await paypal.getByLabel('PayPal email').fill(member.email);
  await paypal.getByRole('button', { name: 'Save PayPal details' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved your PayPal details' })).toBeVisible();
  await expect(paypal.getByText('m•••@paydesk.test')).toBeVisible();
  await expect(paypal.getByText('Default', { exact: true })).toBeVisible();

  // The withdrawals page: the gems wallet shows its money value, and the fee table.
  await openAccountPage(page, 'Withdrawals');
  await expect(page.getByRole('heading', { name: 'Withdrawals', level: 1 })).toBeVisible();
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  const balances = page.getByRole('region', { name: 'Balances' });
  await expect(balances).toContainText('800 GEMS');
  await expect(balances).toContainText('worth 80.00 USD');
  await expect(page.getByRole('region', { name: 'Payout methods, limits and fees' })).toContainText('2.9 % + 0.30 USD');

  // A marker on the window proves nothing below reloads the page.
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  const form = page.getByRole('region', { name: 'Request a withdrawal' });
  await form.getByLabel('Wallet').selectOption({ label: '800 GEMS (worth 80.00 USD)' });
  await form.getByLabel('Payout method').selectOption({ index: 0 });
  await form.getByLabel('Amount').fill('12.34');
  await expect(form.locator('#wd-preview')).toHaveText('Fee 0.66 USD · you receive 11.68 USD');
  await form.getByRole('button', { name: 'Review withdrawal' }).click();

  const review = page.getByRole('group', { name: 'Confirm your withdrawal' });
  await expect(review).toContainText('11.68 USD');
  await expect(review).toContainText('124 GEMS');
  await review.getByRole('button', { name: 'Confirm withdrawal' }).click();

  await expect(page.getByRole('status').filter({ hasText: 'received' })).toContainText('Payouts are sent every Tuesday');
  await expect(balances).toContainText('676 GEMS');
  const history = page.getByRole('region', { name: 'Your requests' });
  const row = history.getByRole('row').filter({ hasText: '12.34 USD' });
  await expect(row).toContainText('Requested');
  await expect(row).toContainText('m•••@paydesk.test');

  await row.getByText(/^Cancel request #\d+$/).click();
  await row.getByRole('button', { name: /Yes, cancel request/ }).click();
  await expect(row).toContainText('Canceled');
  await expect(balances).toContainText('800 GEMS');
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);

  // The statement shows the hold and the credit-back with running balances.
  await openAccountPage(page, 'Statement');
  const statement = page.getByRole('table');
  await expect(statement.getByRole('row').nth(1)).toContainText('credited back');
  await expect(statement.getByRole('row').nth(1)).toContainText('+124 GEMS');
  await expect(statement.getByRole('row').nth(2)).toContainText('-124 GEMS');
  await expect(statement.getByRole('row').nth(2)).toContainText('676 GEMS');
});

test('a member asking above the verification threshold is sent to verify', async ({ page }) => {
  const member = newMember();
  await signUp(page, member);
  credit(member.email, 'USD', '1000');
  await visit(page, '/account/payout-details');
  const paypal = page.getByRole('region', { name: 'PayPal' });
  await paypal.getByLabel('PayPal email').fill(member.email);
  await paypal.getByRole('button', { name: 'Save PayPal details' }).click();
  await expect(paypal.getByText('Default', { exact: true })).toBeVisible();

  await visit(page, '/account/withdrawals');
  const form = page.getByRole('region', { name: 'Request a withdrawal' });
  await form.getByLabel('Amount').fill('600');
  await expect(form.locator('#wd-preview')).toContainText('need a verified account');
  await form.getByRole('button', { name: 'Review withdrawal' }).click();
  await expect(form.getByRole('alert')).toContainText('Withdrawals above 500.00 USD need a verified account');
  await form.getByRole('link', { name: 'Verify your identity' }).click();

  await expect(page).toHaveURL(/\/account\/verification$/);
  await expect(page.getByRole('heading', { name: 'Identity verification' })).toBeVisible();
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name').fill('Lovelace');
  await page.getByLabel('Tax ID').fill('AB123456C');
  await page.getByLabel('Mobile number').fill('+44 7700 900123');
  await page.getByLabel('Country').selectOption('GB');
  await page.getByLabel('Address').fill('12 St James Square, London');
  await page.getByRole('button', { name: 'Submit for verification' }).click();
  await expect(page.getByRole('heading', { name: /Status/ })).toContainText('Submitted, waiting for review');
  await expect(page.getByText('•••• 456C')).toBeVisible();
});

test('every member page passes axe without serious violations', async ({ page }) => {
  const member = newMember();
  await signUp(page, member);
  credit(member.email, 'GEMS', '500');
  for (const path of ['/account', '/account/withdrawals', '/account/statement', '/account/payout-details', '/account/verification']) {
    await visit(page, path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    expect(await seriousViolations(page), path).toEqual([]);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
