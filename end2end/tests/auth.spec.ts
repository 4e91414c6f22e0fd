import { expect, test } from './fixtures';
import { admin, confirmationLink, emailTo, newMember, openMenu, seriousViolations, signUp, visit } from './helpers';

test('a visitor signs up, confirms the address from the email, signs out and back in', async ({ page }) => {
  const member = newMember();
  await visit(page, '/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Payouts');
  await page.getByRole('link', { name: 'Create an account' }).click();

  await expect(page.getByRole('heading', { name: 'Create an account' })).toBeVisible();
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Your name').fill(member.name);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Create account' }).click();

  // The same answer for a new and a taken address, and nobody signed in.
  await expect(page).toHaveURL(/\/signup\?sent=1$/);
  await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Open it within 24 hours');
  expect(await seriousViolations(page)).toEqual([]);

  // Before confirming, the member may sign in; the area says what is missing.
  await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  const banner = page.getByRole('region', { name: 'Confirm your email address' });
  await expect(banner).toContainText(member.email);
  await banner.getByRole('button', { name: 'Send the link again' }).click();
  await expect(banner.getByRole('status')).toContainText('moments ago');
  expect(await seriousViolations(page)).toEqual([]);

  // The emailed link asks for the password: a wrong one confirms nothing.
  await visit(page, await confirmationLink(page.request, member.email));
  await expect(page.getByRole('heading', { name: 'Confirm your email address' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByLabel('Password').fill('certainly not mine');
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong password');
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Confirm my address' }).click();

  await expect(page).toHaveURL(/\/account\?email=confirmed$/);
  await expect(page.getByRole('status').filter({ hasText: 'Your email address is confirmed' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Confirm your email address' })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'My account' })).toBeVisible();
  await expect(page.getByRole('main').getByText(member.name)).toBeVisible();
  await expect(page.getByText('You have no credit yet')).toBeVisible();

  await openMenu(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
  await openMenu(page);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();

  // Signed out for real: the member area sends us to sign in.
  await visit(page, '/account');
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { name: 'My account' })).toBeVisible();
});

test('a wrong password is refused with one clear message', async ({ page }) => {
  await visit(page, '/login');
  await page.getByLabel('Email').fill(newMember().email);
  await page.getByLabel('Password').fill('certainly not right');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password');
  await expect(page).toHaveURL(/\/login$/);
});

test('a weak password is refused at sign-up with the reason', async ({ page }) => {
  const member = newMember();
  await visit(page, '/signup');
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Your name').fill(member.name);
  await page.getByLabel('Password').fill('password123');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toContainText('most commonly used');
});

test('an admin made by create-admin sees the payouts desk', async ({ page }) => {
  await visit(page, '/login');
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.getByText('Administrators')).toBeVisible();
  const sidebar = page.getByRole('navigation', { name: 'Admin' });
  const toggle = page.getByRole('button', { name: 'Admin menu' });
  if (await toggle.isVisible()) {
    await expect(sidebar).toBeHidden();
    await toggle.click();
  }
  await expect(sidebar.getByRole('link', { name: 'Dashboard' })).toBeVisible();
});

test('signing up with a taken address answers the same and tells its owner', async ({ browser, page, request }) => {
  const member = newMember();
  await signUp(page, member);
  const context = await browser.newContext({ viewport: page.viewportSize() ?? undefined });
  const stranger = await context.newPage();
  await visit(stranger, '/signup');
  await stranger.getByLabel('Email').fill(member.email.toUpperCase());
  await stranger.getByLabel('Your name').fill('Someone Else');
  await stranger.getByLabel('Password').fill('the stranger passphrase');
  await stranger.getByRole('button', { name: 'Create account' }).click();
  await expect(stranger).toHaveURL(/\/signup\?sent=1$/);
  await expect(stranger.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  const told = await emailTo(request, member.email, 'Someone tried to sign up');
  expect(told.text).toContain('nothing was created');
  await context.close();
});

test('a member does not get into the admin area', async ({ page }) => {
  const member = newMember();
  await signUp(page, member);

  const response = await page.goto('/admin');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'You do not have access to this page' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toHaveCount(0);
});

test('the layout fits the screen without sideways scrolling', async ({ page }) => {
  await visit(page, '/');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test('a member who forgot the password resets it through the emailed link', async ({ browser, page, request }) => {
  const member = newMember();
  await signUp(page, member);

  // Another browser, signed out: "Forgot your password?" on the sign-in page.
  const context = await browser.newContext({ viewport: page.viewportSize() ?? undefined });
  const visitor = await context.newPage();
  await visit(visitor, '/login');
  await visitor.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(visitor.getByRole('heading', { name: 'Forgot your password?' })).toBeVisible();
  await expect(visitor.locator('body[data-hydrated]')).toHaveCount(1);
  expect(await seriousViolations(visitor)).toEqual([]);
  await visitor.getByLabel('Email').fill(member.email);
  await visitor.getByRole('button', { name: 'Send me a link' }).click();
  await expect(visitor.getByRole('status').filter({ hasText: 'If an account uses this address' })).toBeVisible();

  const email = await emailTo(request, member.email, 'Reset your Paydesk password');
  const link = email.text.split(/\s+/).find((word) => word.includes('/reset-password?token='));
  expect(link).toBeTruthy();
  await visit(visitor, link as string);
  await expect(visitor.getByRole('heading', { name: 'Choose a password' })).toBeVisible();
  expect(await seriousViolations(visitor)).toEqual([]);
  const fresh = `${member.password} renewed`;
  await visitor.getByLabel('New password').fill(fresh);
  await visitor.getByLabel('The same password again').fill(fresh);
  await visitor.getByRole('button', { name: 'Set password' }).click();
  await expect(visitor).toHaveURL(/\/login\?password=set$/);
  await expect(visitor.getByRole('status').filter({ hasText: 'Your new password is set' })).toBeVisible();

  // The member's session in the first browser is over.
  await visit(page, '/account');
  await expect(page).toHaveURL(/\/login$/);

  await visitor.getByLabel('Email').fill(member.email);
  await visitor.getByLabel('Password').fill(fresh);
  await visitor.getByRole('button', { name: 'Sign in' }).click();
  await expect(visitor).toHaveURL(/\/account$/);

  // The link worked once.
  await visit(visitor, link as string);
  await visitor.getByLabel('New password').fill(`${fresh} again`);
  await visitor.getByLabel('The same password again').fill(`${fresh} again`);
  await visitor.getByRole('button', { name: 'Set password' }).click();
  await expect(visitor.getByRole('alert').filter({ hasText: 'invalid, already used or expired' })).toBeVisible();
  await context.close();
});
