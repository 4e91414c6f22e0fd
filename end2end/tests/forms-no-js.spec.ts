import { expect, test } from './fixtures';
import { newMember, signUp } from './helpers';

// JavaScript is off in this project: every step is a plain form post and a
// server redirect, which is what a slow phone sees before the wasm loads.

test('sign up, confirmation, sign out and sign in work without JavaScript', async ({ page }) => {
  const member = newMember();
  await signUp(page, member, false);
  await expect(page.getByRole('heading', { name: 'My account' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Your email address is confirmed' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();

  await page.goto('/login');
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
});

test('a failed sign-in without JavaScript shows the error on the form', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Email').fill(newMember().email);
  await page.getByLabel('Password').fill('certainly not right');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password');
});
