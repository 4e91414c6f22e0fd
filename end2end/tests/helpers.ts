import { expect, Page } from '@playwright/test';

export const admin = {
  email: process.env.E2E_ADMIN_EMAIL ?? 'admin@paydesk.test',
  password: process.env.E2E_ADMIN_PASSWORD ?? 'e2e admin passphrase',
};

export function newMember() {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return {
    email: `member-${id}@paydesk.test`,
    name: `Member ${id}`,
    password: `a long passphrase ${id}`,
  };
}

/** Opens a page and waits until the wasm bundle has hydrated it. */
export async function visit(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
}

/** On a phone the main navigation is folded behind the Menu button. */
export async function openMenu(page: Page) {
  const toggle = page.getByRole('button', { name: 'Toggle Menu' });
  if (await toggle.isVisible()) {
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  }
}
