import { expect, test } from './fixtures';
import { newMember, seriousViolations, signInAdmin, signUp, visit } from './helpers';

// Runs in the "last" projects (see playwright.config.ts), after every other
// test: a required field on PayPal changes what every member's PayPal form
// needs, so no other test may save PayPal details meanwhile. The field is
// retired at the end, and its label is new on each run.
test('an admin adds a required extra field to PayPal, the member form asks for it, and retiring it keeps the answer', async ({ page, browser }) => {
  const label = `Tax form ${Date.now().toString(36)}`;
  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, '/admin/settings');
  await expect(desk.locator('body[data-hydrated]')).toHaveCount(1);
  const fields = desk.getByRole('region', { name: 'Extra payout fields' });
  const add = fields.getByRole('form', { name: 'Add an extra field' });
  await add.getByLabel('Payout method').selectOption({ label: 'PayPal' });
  await add.getByLabel('Label').fill(label);
  await add.getByLabel('Help text (optional)').fill('Answer yes or no');
  // A pattern that cannot work is refused, with nothing added.
  await add.getByLabel(/^Pattern/).fill('(yes');
  await add.getByLabel('Required').check();
  await add.getByRole('button', { name: 'Add field' }).click();
  await expect(fields.getByRole('alert')).toHaveText('The pattern is not a valid regular expression');
  await add.getByLabel(/^Pattern/).fill('yes|no');
  await add.getByRole('button', { name: 'Add field' }).click();
  await expect(fields.getByRole('status')).toHaveText(`Added "${label}" to PayPal.`);
  const row = fields.getByRole('row').filter({ hasText: label });
  await expect(row).toContainText('Required, pattern yes|no');
  expect(await seriousViolations(desk)).toEqual([]);

  // The member's PayPal form now asks for it, and the server checks it.
  const member = newMember();
  await signUp(page, member);
  await visit(page, '/account/payout-details');
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  const paypal = page.getByRole('region', { name: 'PayPal' });
  await expect(paypal.getByLabel(label)).toBeVisible();
  await expect(paypal.getByLabel(label)).toHaveAccessibleDescription('Answer yes or no');
  await paypal.getByLabel('PayPal email').fill(member.email);
  await paypal.getByLabel(label).fill('maybe');
  await paypal.getByRole('button', { name: 'Save PayPal details' }).click();
  await expect(page.getByRole('alert')).toContainText(`${label} is not in the expected format: Answer yes or no`);
  await paypal.getByLabel(label).fill('yes');
  await paypal.getByRole('button', { name: 'Save PayPal details' }).click();
  await expect(paypal.getByText('Default', { exact: true })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  // Retired: the form stops asking; the answer given is kept.
  await row.getByRole('button', { name: `Retire ${label}` }).click();
  await expect(row).toContainText('Retired');
  await expect(row.getByRole('button')).toHaveCount(0);
  await visit(page, '/account/payout-details');
  const again = page.getByRole('region', { name: 'PayPal' });
  await again.getByText(/^Edit PayPal details$/).click();
  await expect(again.getByLabel('PayPal email')).toHaveValue(member.email);
  await expect(again.getByLabel(label)).toHaveCount(0);
  await desk.context().close();
});
