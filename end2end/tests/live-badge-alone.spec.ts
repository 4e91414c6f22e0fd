import { expect, test } from './fixtures';
import { memberRequests, signInAdmin } from './helpers';

// Runs in the "alone" projects (see playwright.config.ts): nothing else
// makes or moves requests meanwhile, so the count is exactly N, then N + 1.
test('the sidebar badge counts a new request live, without a reload', async ({ page, browser }) => {
  const desk = await signInAdmin(browser, page.viewportSize());
  await expect(desk.locator('body[data-hydrated]')).toHaveCount(1);
  // On a phone the sidebar folds behind "Admin menu". The layout's part of
  // the page may still be hydrating when the body is marked, which drops a
  // tap: tap again until the menu says it is open.
  const menu = desk.getByRole('button', { name: 'Admin menu' });
  if (await menu.isVisible()) {
    await expect(async () => {
      if ((await menu.getAttribute('aria-expanded')) !== 'true') {
        await menu.click();
      }
      await expect(menu).toHaveAttribute('aria-expanded', 'true', { timeout: 1_000 });
    }).toPass();
  }
  const link = desk.getByRole('link', { name: /^Payout requests/ });
  await expect(link).toBeVisible();
  const name = (await link.textContent()) ?? '';
  const before = Number(/(\d+)/.exec(name)?.[1]);
  expect(Number.isInteger(before)).toBe(true);
  // Marks this document: a reload would lose the mark.
  await desk.evaluate(() => document.body.setAttribute('data-not-reloaded', ''));

  await memberRequests(page, '12');

  await expect(desk.getByRole('link', { name: new RegExp(`^Payout requests\\s*,\\s*${before + 1} waiting$`) })).toBeVisible();
  await expect(desk.locator('body[data-not-reloaded]')).toHaveCount(1);
  await desk.context().close();
});
