import { expect, test } from './fixtures';
import { createAdmin, credit, emailTo, newMember, seriousViolations, signInAdmin, signInAs, signUp, totp, visit } from './helpers';

// Solo: the approval limit is a desk-wide setting, set and cleared here
// while no other story runs (its own project, after the "alone" ones).
test('an invited payments manager turns on two-factor, signs in with a code, confirms a money move with a recovery code, and marks a request above the limit paid; it moves once a reviewer approves', async ({
  browser,
  page,
  request,
}) => {
  const viewport = page.viewportSize();
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  // A member asks for 10.00 and 400.00 USD by PayPal (credited before there is a limit).
  const member = newMember();
  await signUp(page, member);
  credit(member.email, 'USD', '1000');
  await visit(page, '/account/payout-details');
  const paypal = page.getByRole('region', { name: 'PayPal' });
  await paypal.getByLabel('PayPal email').fill(member.email);
  await paypal.getByRole('button', { name: 'Save PayPal details' }).click();
  await expect(paypal.getByText('Default', { exact: true })).toBeVisible();
  for (const amount of ['10', '400']) {
    await visit(page, '/account/withdrawals');
    const form = page.getByRole('region', { name: 'Request a withdrawal' });
    await form.getByLabel('Amount').fill(amount);
    await form.getByRole('button', { name: 'Review withdrawal' }).click();
    await page.getByRole('button', { name: 'Confirm withdrawal' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'received' })).toBeVisible();
  }

  // The owner sets a 300.00 USD approval limit (under the verification threshold other stories set).
  const owner = await signInAdmin(browser, viewport);
  try {
    await story();
  } finally {
    // No limit again, for what runs after, whatever happened.
    await visit(owner, '/admin/settings');
    const limits = owner.getByRole('region', { name: 'Approval limits (four-eyes)' });
    await limits.getByLabel('Approval limit in USD').fill('');
    await limits.getByRole('button', { name: 'Save USD approval limit' }).click();
    await expect(limits.getByRole('status')).toBeVisible();
    const stepUp = owner.getByRole('region', { name: 'Step-up limits (two-factor)' });
    await stepUp.getByLabel('Step-up limit in USD').fill('');
    await stepUp.getByRole('button', { name: 'Save USD step-up limit' }).click();
    await expect(stepUp.getByRole('status')).toBeVisible();
    await owner.context().close();
  }

  async function story() {
  await visit(owner, '/admin/settings');
  const limits = owner.getByRole('region', { name: 'Approval limits (four-eyes)' });
  await limits.getByLabel('Approval limit in USD').fill('300');
  await limits.getByRole('button', { name: 'Save USD approval limit' }).click();
  await expect(limits.getByRole('status')).toBeVisible();
  // And a step-up limit of zero: each money move asks for its own code.
  const stepUp = owner.getByRole('region', { name: 'Step-up limits (two-factor)' });
  await stepUp.getByLabel('Step-up limit in USD').fill('0');
  await stepUp.getByRole('button', { name: 'Save USD step-up limit' }).click();
  await expect(stepUp.getByRole('status')).toBeVisible();
  expect(await seriousViolations(owner)).toEqual([]);

  // The owner invites a payments manager, who joins through the link.
  await visit(owner, '/admin/team');
  const managerEmail = `manager-${id}@paydesk.test`;
  const invite = owner.getByRole('region', { name: 'Invite an admin' });
  await invite.getByLabel('Email').fill(managerEmail);
  await invite.getByLabel('Name').fill(`Max ${id}`);
  await invite.getByLabel('Role').selectOption({ label: 'Payments manager' });
  await invite.getByRole('button', { name: 'Send invitation' }).click();
  await expect(invite.getByRole('status')).toContainText(`Invitation sent to ${managerEmail}`);
  const message = await emailTo(request, managerEmail, 'You are invited to the Paydesk team');
  const link = message.text.split(/\s+/).find((word) => word.includes('/reset-password?token='));
  expect(link, message.text).toBeTruthy();
  const joinContext = await browser.newContext({ viewport: viewport ?? undefined });
  const joining = await joinContext.newPage();
  await visit(joining, link as string);
  const managerPassword = `a long manager passphrase ${id}`;
  await joining.getByLabel('New password').fill(managerPassword);
  await joining.getByLabel('The same password again').fill(managerPassword);
  await joining.getByRole('button', { name: 'Set password' }).click();
  await expect(joining).toHaveURL(/\/login\?password=set$/);
  await joining.getByLabel('Email').fill(managerEmail);
  await joining.getByLabel('Password').fill(managerPassword);
  await joining.getByRole('button', { name: 'Sign in' }).click();
  await expect(joining).toHaveURL(/\/admin$/);

  // The manager turns on two-factor sign-in: the test reads the key and plays the phone.
  await visit(joining, '/admin/sessions');
  const twoFactor = joining.getByRole('region', { name: 'Two-factor sign-in' });
  await twoFactor.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  await expect(twoFactor.getByRole('img', { name: 'QR code holding your two-factor secret' })).toBeVisible();
  const secret = (await twoFactor.getByTestId('two-factor-secret').textContent()) ?? '';
  expect(secret.replace(/\s/g, '')).toMatch(/^[A-Z2-7]{32}$/);
  await twoFactor.getByLabel('Then type the six-digit code the app shows').fill(totp(secret));
  await twoFactor.getByLabel('Your password').fill(managerPassword);
  await twoFactor.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  const recovery = joining.getByTestId('recovery-codes').getByRole('listitem');
  await expect(recovery).toHaveCount(10);
  const recoveryCodes = await recovery.allTextContents();
  await expect(twoFactor.getByRole('status').filter({ hasText: 'Two-factor sign-in is on' })).toBeVisible();
  expect(await seriousViolations(joining)).toEqual([]);
  await joinContext.close();

  // On another device the password alone is not enough: the code page asks.
  const managerContext = await browser.newContext({ viewport: viewport ?? undefined });
  const manager = await managerContext.newPage();
  await visit(manager, '/login');
  await manager.getByLabel('Email').fill(managerEmail);
  await manager.getByLabel('Password').fill(managerPassword);
  await manager.getByRole('button', { name: 'Sign in' }).click();
  await expect(manager).toHaveURL(/\/login\/code$/);
  await expect(manager.getByRole('heading', { name: 'Enter your code' })).toBeVisible();
  expect(await seriousViolations(manager)).toEqual([]);
  // The code of the next 30 seconds: the enrolment used this one's.
  await manager.getByLabel('Code', { exact: true }).fill(totp(secret, 30));
  await manager.getByRole('button', { name: 'Sign in' }).click();
  await expect(manager).toHaveURL(/\/admin$/);

  // The 10.00 USD request moves without a second approval (the sign-in code covers it).
  const status = manager.getByRole('heading', { name: /Status/ });
  const actions = manager.getByRole('region', { name: 'Actions' });
  const open = async (amount: string) => {
    await visit(manager, `/admin/payouts?q=${encodeURIComponent(member.email)}`);
    await manager.getByRole('table').getByRole('row').filter({ hasText: amount }).getByRole('link').first().click();
    await expect(manager).toHaveURL(/\/admin\/payouts\/\d+$/);
    await expect(manager.locator('body[data-hydrated]')).toHaveCount(1);
    await manager.getByRole('button', { name: 'Approve' }).click();
    await expect(status).toContainText('Approved');
    await manager.getByRole('button', { name: 'Mark processing' }).click();
    await expect(status).toContainText('Processing');
    await manager.getByLabel('Receipt number or external reference').fill(`RCPT-${id}-${amount}`);
  };
  await open('10.00 USD');
  await manager.getByRole('button', { name: 'Mark paid' }).click();
  await expect(status).toContainText('Paid');

  // The 400.00 USD one: the step-up limit asks for a fresh code first,
  // and the manager gives a recovery code (no phone at hand).
  await open('400.00 USD');
  const processPath = new URL(manager.url()).pathname;
  await manager.getByRole('button', { name: 'Mark paid' }).click();
  await expect(actions.getByRole('alert')).toContainText('step-up limit');
  const confirm = actions.getByRole('group', { name: 'Confirm with your authenticator app' });
  await confirm.getByLabel('Code from your authenticator app').fill(recoveryCodes[0]);
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await expect(confirm.getByRole('status')).toContainText('Press the button again');
  await expect(status).toContainText('Processing');
  // Then marks it paid: it waits for a second approval.
  await manager.getByRole('button', { name: 'Mark paid' }).click();
  await expect(actions.getByRole('status').first()).toContainText('second approval');
  await expect(status).toContainText('Processing');
  await manager.reload();
  await expect(manager.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(actions.getByRole('status').first()).toContainText('Awaiting second approval');
  // The manager's own ask: theirs to withdraw, not to approve.
  await visit(manager, '/admin/approvals');
  const mine = manager.getByRole('listitem').filter({ hasText: member.name });
  await expect(mine).toContainText('You asked for it');
  await expect(mine.getByRole('button', { name: /^Approve/ })).toHaveCount(0);

  // A reviewer, in another context, sees it waiting and approves it.
  const reviewerEmail = `reviewer-${id}@paydesk.test`;
  const reviewerPassword = `a long reviewer passphrase ${id}`;
  createAdmin(reviewerEmail, `Rae ${id}`, 'reviewer', reviewerPassword);
  const reviewer = await signInAs(browser, viewport, reviewerEmail, reviewerPassword);
  const badge = reviewer
    .getByRole('navigation', { name: 'Admin', includeHidden: true })
    .getByRole('link', { name: /Approvals/, includeHidden: true });
  await expect(badge).toHaveText(/Approvals, [1-9]\d* awaiting second approval/);
  await visit(reviewer, '/admin/approvals');
  await expect(reviewer.getByRole('heading', { name: 'Awaiting second approval', level: 1 })).toBeVisible();
  expect(await seriousViolations(reviewer)).toEqual([]);
  const card = reviewer.getByRole('listitem').filter({ hasText: member.name });
  await expect(card).toContainText('Mark paid · 400.00 USD');
  await expect(card).toContainText(`Asked by Max ${id}`);
  await card.getByLabel('Note').fill('Invoice checked');
  await card.getByRole('button', { name: 'Approve Mark paid of 400.00 USD' }).click();
  await expect(reviewer.getByRole('status').filter({ hasText: 'marked paid' })).toBeVisible();
  await expect(reviewer.getByRole('heading', { name: 'Waiting (0)' })).toBeVisible();

  // It moved: paid, with both names on the timeline.
  await visit(manager, processPath);
  await expect(status).toContainText('Paid');
  const timeline = manager.getByRole('region', { name: 'Timeline' });
  await expect(timeline).toContainText(`Paid by Max ${id}`);
  await expect(timeline).toContainText(`second approval by Rae ${id}`);
  expect(await seriousViolations(manager)).toEqual([]);

  // The member sees it paid.
  await visit(page, '/account/withdrawals');
  const row = page.getByRole('region', { name: 'Your requests' }).getByRole('row').filter({ hasText: '400.00 USD' });
  await expect(row).toContainText('Paid');

  await Promise.all([managerContext.close(), reviewer.context().close()]);
  }
});
