import { expect, test } from './fixtures';
import { admin, seriousViolations, signInAdmin, visit } from './helpers';

test('the audit log lists sign-ins and filters by action', async ({ browser, page }) => {
  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, '/admin/audit');
  await expect(desk.getByRole('heading', { name: 'Audit log', level: 1 })).toBeVisible();
  expect(await seriousViolations(desk)).toEqual([]);

  const filters = desk.getByRole('form', { name: 'Filter the audit log' });
  await filters.getByLabel('Action').selectOption({ label: 'Signed in' });
  await filters.getByLabel('Who').fill(admin.email);
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await expect(desk).toHaveURL(/action=login_succeeded/);
  await expect(desk.locator('.results[aria-busy="false"]')).toHaveCount(1);
  const actions = desk.getByRole('table').locator('tbody th');
  await expect(actions.first()).toHaveText('Signed in');
  expect(new Set(await actions.allTextContents())).toEqual(new Set(['Signed in']));
  await expect(desk.getByRole('table').locator('tbody tr').first()).toContainText(admin.email);
  await desk.context().close();
});
