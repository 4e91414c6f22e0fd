import { expect, test } from './fixtures';
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
