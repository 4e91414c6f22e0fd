import { expect, test } from './fixtures';
import { signInAdmin, visit } from './helpers';

// The digest is one switch for the whole desk: this runs alone, and puts it
// back as it found it.
test('the daily digest switch works from the hydrated page', async ({ browser, page }) => {
  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, '/admin/email');
  await expect(desk.locator('body[data-hydrated]')).toHaveCount(1);
  const digest = desk.getByRole('region', { name: 'Daily digest to admins' });
  await expect(digest).toContainText('Off: admins get no email');
  await digest.getByRole('button', { name: 'Turn the digest on' }).click();
  await expect(digest).toContainText('On: once a day');
  await digest.getByRole('button', { name: 'Turn the digest off' }).click();
  await expect(digest).toContainText('Off: admins get no email');
  await desk.context().close();
});
