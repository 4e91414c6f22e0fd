import { expect, test } from './fixtures';
import { credit, newMember, seriousViolations, signInAdmin, signUp, visit } from './helpers';

test('an admin finds a member, credits them and deactivates the account', async ({ browser, page }) => {
  const member = newMember();
  await signUp(page, member);
  credit(member.email, 'USD', '40');
  await visit(page, '/account/payout-details');
  const paypal = page.getByRole('region', { name: 'PayPal' });
  await paypal.getByLabel('PayPal email').fill(member.email);
  await paypal.getByRole('button', { name: 'Save PayPal details' }).click();
  await expect(paypal.getByText('Default', { exact: true })).toBeVisible();

  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, `/admin/members?q=${encodeURIComponent(member.email)}`);
  await expect(desk.getByRole('status').filter({ hasText: 'member' })).toHaveText('1 member');
  const row = desk.getByRole('row').filter({ hasText: member.email });
  await expect(row).toContainText('40.00 USD');
  expect(await seriousViolations(desk)).toEqual([]);

  await row.getByRole('link', { name: member.name }).click();
  await expect(desk.getByRole('heading', { name: member.name, level: 1 })).toBeVisible();
  await expect(desk.locator('body[data-hydrated]')).toHaveCount(1);
  expect(await seriousViolations(desk)).toEqual([]);

  const details = desk.getByRole('region', { name: 'Payout details' });
  await details.getByRole('button', { name: 'Reveal PayPal' }).click();
  await expect(details.getByText('This reveal is recorded in the audit log.')).toBeVisible();
  await expect(details.locator('dl.revealed')).toContainText(member.email);

  const adjust = desk.getByRole('region', { name: 'Credit or debit' });
  await adjust.getByLabel('Asset').selectOption('USD');
  await adjust.getByLabel('Amount').fill('2.50');
  await adjust.getByLabel('Reason (the member sees it)').fill('Goodwill for the delay');
  await adjust.getByRole('button', { name: 'Apply' }).click();
  await expect(desk.getByRole('list', { name: 'Wallets' })).toContainText('42.50 USD');
  // The statement shows the credit, newest first, with the member-facing reason.
  const statement = desk.getByRole('table', { name: 'USD wallet statement, newest first' });
  await expect(statement.getByRole('row').nth(1)).toContainText('Goodwill for the delay');
  await expect(statement.getByRole('row').nth(1)).toContainText('+2.50');
  await expect(statement.getByRole('row').nth(1)).toContainText('42.50');

  // An incentive by hand, pending approval.
  const incentive = desk.getByRole('region', { name: 'Add an incentive' });
  await incentive.getByLabel('Program').fill('bonus');
  await incentive.getByLabel('Asset').selectOption('USD');
  await incentive.getByLabel('Amount').fill('15');
  await incentive.getByLabel('Description (the member sees it)').fill('Great quarter');
  await incentive.getByRole('button', { name: 'Add incentive' }).click();
  await expect(incentive.getByRole('status')).toContainText('pending approval');

  const account = desk.getByRole('region', { name: 'Account' });
  await account.getByRole('button', { name: 'Deactivate account' }).click();
  await expect(account.getByRole('button', { name: 'Reactivate account' })).toBeVisible();
  await expect(account).toContainText('Inactive');
  await desk.context().close();
});

test('an admin makes a withdrawal request for a member, who sees it in their history', async ({ browser, page }) => {
  const member = newMember();
  await signUp(page, member);
  credit(member.email, 'USD', '60');
  await visit(page, '/account/payout-details');
  const paypal = page.getByRole('region', { name: 'PayPal' });
  await paypal.getByLabel('PayPal email').fill(member.email);
  await paypal.getByRole('button', { name: 'Save PayPal details' }).click();
  await expect(paypal.getByText('Default', { exact: true })).toBeVisible();

  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, `/admin/members?q=${encodeURIComponent(member.email)}`);
  await desk.getByRole('row').filter({ hasText: member.email }).getByRole('link', { name: member.name }).click();
  await expect(desk.getByRole('heading', { name: member.name, level: 1 })).toBeVisible();
  await expect(desk.locator('body[data-hydrated]')).toHaveCount(1);

  const form = desk.getByRole('region', { name: 'Request a withdrawal for this member' });
  await expect(form.getByLabel('Pay to')).toContainText('PayPal');
  // Above the balance: refused with the reason, nothing made.
  await form.getByLabel('Amount').fill('75');
  await form.getByRole('button', { name: 'Create request' }).click();
  await expect(form.getByRole('alert')).toContainText('Insufficient funds');
  await form.getByLabel('Amount').fill('45');
  await form.getByLabel('Note to the member').fill('Your referral bonus, paid out');
  await form.getByRole('button', { name: 'Create request' }).click();
  await expect(form.getByRole('status')).toContainText(/Request #\d+ made: 45\.00 USD requested\./);
  const latest = desk.getByRole('region', { name: 'Latest withdrawal requests' });
  await expect(latest.getByRole('row').filter({ hasText: '45.00 USD' })).toContainText('Requested');
  expect(await seriousViolations(desk)).toEqual([]);

  // The member sees it, made for them, with the note.
  await visit(page, '/account/withdrawals');
  const mine = page.getByRole('region', { name: 'Your requests' }).getByRole('row').filter({ hasText: '45.00 USD' });
  await expect(mine).toContainText('Requested');
  await expect(mine).toContainText('Made for you by an administrator');
  await expect(mine).toContainText('Your referral bonus, paid out');
  await desk.context().close();
});
