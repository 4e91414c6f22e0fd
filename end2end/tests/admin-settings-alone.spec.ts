import { expect, test } from './fixtures';
import { Page } from '@playwright/test';
import { seriousViolations, signInAdmin, visit } from './helpers';

// Runs in the "alone" projects: it saves desk-wide settings, which other
// tests must not see change under them.
test('settings refuse invalid input with the field named, and save valid input', async ({ browser, page }) => {
  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, '/admin/settings');
  await expect(desk.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  expect(await seriousViolations(desk)).toEqual([]);

  const general = desk.getByRole('region', { name: 'Withdrawals' });
  const columns = general.getByLabel('PayQuicker export columns (comma-separated)');
  const before = await columns.inputValue();
  await columns.fill('amount,shoeSize');
  await general.getByRole('button', { name: 'Save withdrawal settings' }).click();
  await expect(general.getByRole('alert')).toContainText('PayQuicker columns: "shoeSize" is not one of');
  await visit(desk, '/admin/settings');
  await expect(desk.getByLabel('PayQuicker export columns (comma-separated)')).toHaveValue(before);

  const paypal = desk.getByRole('group', { name: 'PayPal · USD' });
  const max = await paypal.getByLabel('Maximum (empty: none)').inputValue();
  await paypal.getByLabel('Minimum', { exact: true }).fill('50');
  await paypal.getByLabel('Maximum (empty: none)').fill('10');
  await paypal.getByRole('button', { name: 'Save PayPal · USD' }).click();
  const methods = desk.getByRole('region', { name: 'Payout methods' });
  await expect(methods.getByRole('alert')).toHaveText('Maximum: must not be below the minimum');

  // A valid save is stored and shown.
  await visit(desk, '/admin/settings');
  const message = desk.getByLabel('Confirmation message shown after a request');
  const original = await message.inputValue();
  await message.fill(original);
  await desk.getByRole('region', { name: 'Withdrawals' }).getByRole('button', { name: 'Save withdrawal settings' }).click();
  await expect(desk.getByRole('region', { name: 'Withdrawals' }).getByRole('status')).toHaveText('Saved.');
  await expect(desk.getByRole('group', { name: 'PayPal · USD' }).getByLabel('Maximum (empty: none)')).toHaveValue(max);
  await desk.context().close();
});

test('an admin adds a point type and sets its rate; a bad rate is refused', async ({ browser, page }) => {
  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, '/admin/settings');
  const assets = desk.getByRole('region', { name: 'Assets and rates' });
  const code = `P${Date.now().toString(36).toUpperCase()}`.slice(0, 12);

  const add = assets.getByRole('form', { name: 'Add an asset' });
  await add.getByLabel('Kind').selectOption('points');
  await add.getByLabel('Code').fill('1BAD');
  await add.getByLabel('Name (optional for a currency)').fill('Bad');
  await add.getByRole('button', { name: 'Add asset' }).click();
  await expect(add.getByRole('alert')).toContainText('Code: 2 to 12 letters');
  await add.getByLabel('Code').fill(code.toLowerCase());
  await add.getByLabel('Name (optional for a currency)').fill('Test points');
  await add.getByRole('button', { name: 'Add asset' }).click();
  // On a phone each cell also carries its column's name, so match by text.
  const row = assets.getByRole('row').filter({ hasText: code });
  await expect(row).toContainText('No rate yet');

  const rate = assets.getByRole('form', { name: 'Set a rate' });
  await rate.getByLabel('Points').fill('10');
  await rate.getByLabel('Point type').selectOption(code);
  await rate.getByLabel('Are worth').fill('1.001');
  await rate.getByLabel('Currency').selectOption('USD');
  await rate.getByRole('button', { name: 'Save rate' }).click();
  await expect(rate.getByRole('alert')).toContainText('Worth: USD amounts have at most 2 decimal places');
  await expect(row).toContainText('No rate yet');
  await rate.getByLabel('Are worth').fill('1.00');
  await rate.getByRole('button', { name: 'Save rate' }).click();
  await expect(row).toContainText(`10 ${code} = 1.00 USD`);
  expect(await seriousViolations(desk)).toEqual([]);
  await desk.context().close();
});

/** The save of the "unknown members" choice, answered. */
function saved(page: Page) {
  return page.waitForResponse((r) => r.url().includes('/api/admin/incentives/invite-missing') && r.ok());
}

test('inviting unknown members from the earnings API is a saved, reversible choice', async ({ browser, page }) => {
  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, '/admin/settings');
  const form = desk.getByRole('form', { name: 'Unknown members' });
  const box = form.getByLabel('Invite the member when an incentive names an unknown email');
  const before = await box.isChecked();
  await box.setChecked(!before);
  await Promise.all([saved(desk), form.getByRole('button', { name: 'Save' }).click()]);
  await visit(desk, '/admin/settings');
  await expect(desk.getByRole('form', { name: 'Unknown members' }).getByLabel('Invite the member when an incentive names an unknown email')).toBeChecked({ checked: !before });
  // Back as it was, for the other tests.
  const again = desk.getByRole('form', { name: 'Unknown members' });
  await again.getByLabel('Invite the member when an incentive names an unknown email').setChecked(before);
  await Promise.all([saved(desk), again.getByRole('button', { name: 'Save' }).click()]);
  await visit(desk, '/admin/settings');
  await expect(desk.getByRole('form', { name: 'Unknown members' }).getByLabel('Invite the member when an incentive names an unknown email')).toBeChecked({ checked: before });
  await desk.context().close();
});
