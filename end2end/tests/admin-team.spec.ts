import { expect, test } from './fixtures';
import { emailTo, seriousViolations, signInAdmin, visit } from './helpers';

test('an owner invites a reviewer, who joins through the emailed link and reviews without moving money', async ({
  browser,
  page,
  request,
}) => {
  const owner = await signInAdmin(browser, page.viewportSize());
  await visit(owner, '/admin/team');
  await expect(owner.getByRole('heading', { name: 'Team', level: 1 })).toBeVisible();
  expect(await seriousViolations(owner)).toEqual([]);

  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const email = `reviewer-${id}@paydesk.test`;
  const invite = owner.getByRole('region', { name: 'Invite an admin' });
  await invite.getByLabel('Email').fill(email);
  await invite.getByLabel('Name').fill(`Rae ${id}`);
  await invite.getByLabel('Role').selectOption({ label: 'Reviewer' });
  await invite.getByRole('button', { name: 'Send invitation' }).click();
  await expect(invite.getByRole('status')).toContainText(`Invitation sent to ${email}`);
  const row = owner.getByRole('row').filter({ hasText: email });
  await expect(row).toContainText('Invited');

  // The invitee chooses a password through the link and signs in.
  const message = await emailTo(request, email, 'You are invited to the Paydesk team');
  const link = message.text.split(/\s+/).find((word) => word.includes('/reset-password?token='));
  expect(link, message.text).toBeTruthy();
  const context = await browser.newContext({ viewport: page.viewportSize() ?? undefined });
  const invitee = await context.newPage();
  await visit(invitee, link as string);
  const password = `a long reviewer passphrase ${id}`;
  await invitee.getByLabel('New password').fill(password);
  await invitee.getByLabel('The same password again').fill(password);
  await invitee.getByRole('button', { name: 'Set password' }).click();
  await expect(invitee).toHaveURL(/\/login\?password=set$/);
  await invitee.getByLabel('Email').fill(email);
  await invitee.getByLabel('Password').fill(password);
  await invitee.getByRole('button', { name: 'Sign in' }).click();
  await expect(invitee).toHaveURL(/\/admin$/);
  // A reviewer has no team page: the menu does not offer it, the server refuses it.
  // (On a phone the menu is folded away: count the links whether shown or not.)
  const teamLink = (page: typeof owner) =>
    page.getByRole('navigation', { name: 'Admin', includeHidden: true }).getByRole('link', { name: 'Team', includeHidden: true });
  await expect(invitee.getByRole('navigation', { name: 'Admin', includeHidden: true }).getByRole('link', { name: 'Dashboard', includeHidden: true })).toHaveCount(1);
  await expect(teamLink(invitee)).toHaveCount(0);

  // Back on the owner's page, the reviewer has joined.
  await visit(owner, '/admin/team');
  await expect(owner.getByRole('row').filter({ hasText: email })).toContainText('Active');
  await expect(teamLink(owner)).toHaveCount(1);

  await context.close();
  await owner.context().close();
});
