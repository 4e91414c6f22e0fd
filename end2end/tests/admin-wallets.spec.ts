import { expect, test } from './fixtures';
import { seriousViolations, signInAdmin, visit } from './helpers';

test('an admin creates a funding wallet, records a deposit and sees it in the history', async ({ browser, page }) => {
  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, '/admin/wallets');
  await expect(desk.getByRole('heading', { name: 'Funding wallets', level: 1 })).toBeVisible();

  const name = `E2E fund ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const create = desk.getByRole('region', { name: 'Create a funding wallet' });
  await create.getByLabel('Name').fill(name);
  await create.getByLabel('Asset').selectOption({ label: 'EUR · Euro' });
  await create.getByRole('button', { name: 'Create wallet' }).click();
  await expect(desk.getByRole('heading', { name: `Record a deposit into ${name}` })).toBeVisible();

  const depositForm = desk.getByRole('region', { name: `Record a deposit into ${name}` });
  await depositForm.getByLabel('Amount (EUR)').fill('1250.75');
  await depositForm.getByLabel('Memo').fill('Opening balance');
  await depositForm.getByRole('button', { name: 'Record deposit' }).click();
  const history = desk.getByRole('region', { name: `${name}: history` });
  await expect(history.getByRole('row').filter({ hasText: 'Opening balance' })).toContainText('+1,250.75 EUR');
  await expect(desk.getByRole('list', { name: 'Funding wallets' }).getByRole('listitem').filter({ hasText: name })).toContainText(
    '1,250.75 EUR',
  );
  expect(await seriousViolations(desk)).toEqual([]);
  await desk.context().close();
});
