import { expect, test } from './fixtures';
import { newMember, seriousViolations, signUp, visit } from './helpers';

test('a member sees this browser among their sessions and changes the password there', async ({ page }) => {
  const member = newMember();
  await signUp(page, member);
  await visit(page, '/account/sessions');
  await expect(page.getByRole('heading', { name: 'Your sessions', level: 1 })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: '(this browser)' })).toHaveCount(1);
  expect(await seriousViolations(page)).toEqual([]);

  const form = page.getByRole('region', { name: 'Change your password' });
  await form.getByLabel('Current password').fill('not the password');
  await form.getByLabel('New password', { exact: true }).fill(`${member.password} changed`);
  await form.getByLabel('The same new password again').fill(`${member.password} changed`);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('alert')).toContainText('current password is not right');

  await form.getByLabel('Current password').fill(member.password);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('status')).toContainText('Password changed');
  // Still signed in here.
  await visit(page, '/account');
  await expect(page).toHaveURL(/\/account$/);
});
