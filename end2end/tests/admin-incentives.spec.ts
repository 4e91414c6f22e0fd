import { expect, test } from './fixtures';
import { newMember, seriousViolations, signInAdmin, signUp, visit } from './helpers';

// Each flow crosses five pages in two browser contexts (member and admin),
// with an API call between: more than the default 30 s on a loaded phone run.
test.describe.configure({ timeout: 90_000 });

// The Allbound flow: incentives arrive through the earnings API, an admin
// approves three in bulk, pays them with Make Payment from a funding wallet
// chosen in the dialog, the member sees the money, the wallet the debit.
test('incentives from the API are approved, paid with Make Payment, and reach the member', async ({ browser, page, request }) => {
  const member = newMember();
  await signUp(page, member);
  const desk = await signInAdmin(browser, page.viewportSize());
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  // A key for the website, shown once.
  await visit(desk, '/admin/settings');
  const keys = desk.getByRole('region', { name: 'Earnings API keys' });
  await keys.getByLabel('Key name').fill(`Website ${run}`);
  await keys.getByRole('button', { name: 'Make a key' }).click();
  const secret = await keys.getByLabel('New API key').inputValue();
  expect(secret).toMatch(/^pdk_[0-9a-f]{64}$/);

  const deals = ['12.50', '30.00', '7.25', '5.00'].map((amount, i) => ({
    member_email: member.email,
    program: 'SPIFF',
    asset: 'USD',
    amount,
    description: `Deal ${i + 1}`,
    external_id: `e2e-${run}-${i}`,
  }));
  const response = await request.post('/api/v1/incentives', {
    headers: { Authorization: `Bearer ${secret}` },
    data: { incentives: deals },
  });
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ created: 4, failed: 0 });

  // A funding wallet with enough in it.
  const walletName = `SPIFF budget ${run}`;
  await visit(desk, '/admin/wallets');
  const create = desk.getByRole('region', { name: 'Create a funding wallet' });
  await create.getByLabel('Name').fill(walletName);
  await create.getByLabel('Asset').selectOption({ label: 'USD · US dollar' });
  await create.getByRole('button', { name: 'Create wallet' }).click();
  const deposit = desk.getByRole('region', { name: `Record a deposit into ${walletName}` });
  await deposit.getByLabel('Amount (USD)').fill('100');
  await deposit.getByLabel('Memo').fill('SPIFF budget');
  await deposit.getByRole('button', { name: 'Record deposit' }).click();
  await expect(desk.getByRole('region', { name: `${walletName}: history` })).toContainText('+100.00 USD');
  const walletUrl = desk.url();

  // Approve the four in bulk.
  await visit(desk, `/admin/incentives?status=pending&q=${encodeURIComponent(member.email)}`);
  await expect(desk.getByRole('heading', { name: 'Incentives', level: 1 })).toBeVisible();
  await expect(desk.getByRole('status').filter({ hasText: 'incentives' })).toContainText('4 incentives · total 54.75 USD');
  expect(await seriousViolations(desk)).toEqual([]);
  await desk.getByRole('checkbox', { name: 'Select all on this page' }).check();
  await desk.getByRole('button', { name: 'Approve 4 selected' }).click();
  await expect(desk.getByRole('status').filter({ hasText: 'done' })).toHaveText('4 done, 0 skipped.');

  // Select them among the approved, Make Payment, pick the wallet, Pay.
  await visit(desk, `/admin/incentives?status=approved&q=${encodeURIComponent(member.email)}`);
  for (const deal of ['Deal 1', 'Deal 2', 'Deal 3']) {
    await desk.getByRole('row').filter({ hasText: deal }).getByRole('checkbox').check();
  }
  await desk.getByRole('button', { name: 'Make Payment', exact: true }).click();
  const dialog = desk.getByRole('dialog', { name: 'Make Payment' });
  await expect(dialog).toContainText('3 approved incentives · 49.75 USD');
  await dialog.getByLabel(new RegExp(`^${walletName} · 100\\.00 USD`)).check();
  await dialog.getByLabel('Description (the members see it)').fill(`October SPIFFs ${run}`);
  expect(await seriousViolations(desk)).toEqual([]);
  await dialog.getByRole('button', { name: 'Pay' }).click();
  await expect(dialog).toBeHidden();
  await expect(desk.getByRole('status').filter({ hasText: 'Paid 3 incentives' })).toHaveText('Paid 3 incentives: 49.75 USD.');
  // Deal 4 is still approved; a second payment's dialog opens and stays
  // open although the first payment succeeded.
  const rest = desk.getByRole('row').filter({ hasText: 'Deal 4' });
  await expect(desk.getByRole('table').getByRole('row').filter({ hasText: 'Deal' })).toHaveCount(1);
  await rest.getByRole('checkbox').check();
  await desk.getByRole('button', { name: 'Make Payment', exact: true }).click();
  await expect(dialog).toContainText('1 approved incentive · 5.00 USD');
  await dialog.press('Escape');
  await expect(dialog).toBeHidden();
  await visit(desk, `/admin/incentives?status=paid&q=${encodeURIComponent(member.email)}`);
  await expect(desk.getByRole('row').filter({ hasText: 'Paid' })).toHaveCount(3);

  // The member's balance, and the wallet's debit.
  await visit(page, '/account');
  await expect(page.getByRole('region', { name: 'Balances' })).toContainText('49.75 USD');
  const mine = page.getByRole('region', { name: 'Incentives' });
  await expect(mine.getByRole('definition').nth(2)).toHaveText('49.75 USD');
  await expect(mine.getByRole('row').filter({ hasText: 'Deal 2' })).toContainText('Paid');
  expect(await seriousViolations(page)).toEqual([]);
  await visit(desk, walletUrl);
  await expect(desk.getByRole('region', { name: `${walletName}: history` }).getByRole('row').filter({ hasText: `October SPIFFs ${run}` }).first()).toContainText('-');
  await expect(desk.getByRole('list', { name: 'Funding wallets' }).getByRole('listitem').filter({ hasText: walletName })).toContainText('50.25 USD');
  await desk.context().close();
});

test('Make Payment refuses a wallet that is short and a selection with nothing approved', async ({ browser, page, request }) => {
  const member = newMember();
  await signUp(page, member);
  const desk = await signInAdmin(browser, page.viewportSize());
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  await visit(desk, '/admin/settings');
  const keys = desk.getByRole('region', { name: 'Earnings API keys' });
  await keys.getByLabel('Key name').fill(`Short ${run}`);
  await keys.getByRole('button', { name: 'Make a key' }).click();
  const secret = await keys.getByLabel('New API key').inputValue();
  const response = await request.post('/api/v1/incentives', {
    headers: { Authorization: `Bearer ${secret}` },
    data: { member_email: member.email, program: 'bonus', asset: 'USD', amount: '5000', external_id: `big-${run}` },
  });
  expect(response.status()).toBe(201);

  const walletName = `Tiny ${run}`;
  await visit(desk, '/admin/wallets');
  const create = desk.getByRole('region', { name: 'Create a funding wallet' });
  await create.getByLabel('Name').fill(walletName);
  await create.getByLabel('Asset').selectOption({ label: 'USD · US dollar' });
  await create.getByRole('button', { name: 'Create wallet' }).click();
  const deposit = desk.getByRole('region', { name: `Record a deposit into ${walletName}` });
  await deposit.getByLabel('Amount (USD)').fill('10');
  await deposit.getByLabel('Memo').fill('Petty cash');
  await deposit.getByRole('button', { name: 'Record deposit' }).click();
  await expect(desk.getByRole('region', { name: `${walletName}: history` })).toContainText('+10.00 USD');

  await visit(desk, `/admin/incentives?q=${encodeURIComponent(member.email)}`);
  await desk.getByRole('checkbox', { name: 'Select all on this page' }).check();
  await desk.getByRole('button', { name: 'Make Payment', exact: true }).click();
  const dialog = desk.getByRole('dialog', { name: 'Make Payment' });
  await expect(dialog.getByRole('alert')).toHaveText('None of the selected incentives is approved: approve them first.');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();

  await desk.getByRole('button', { name: 'Approve 1 selected' }).click();
  await expect(desk.getByRole('status').filter({ hasText: 'done' })).toHaveText('1 done, 0 skipped.');
  // The table reloads after a decision (and the selection with it): wait for
  // the new rows before selecting again.
  await expect(desk.getByRole('row').filter({ hasText: 'Approved' })).toHaveCount(1);
  await desk.getByRole('checkbox', { name: 'Select all on this page' }).check();
  await desk.getByRole('button', { name: 'Make Payment', exact: true }).click();
  // A wallet that cannot cover 5,000.00 USD is offered but disabled, with the shortfall.
  const tiny = dialog.getByLabel(new RegExp(`^${walletName} · 10\\.00 USD`));
  await expect(tiny).toBeDisabled();
  await expect(dialog.getByText(walletName)).toContainText('short by 4,990.00 USD');
  await dialog.press('Escape');
  await expect(dialog).toBeHidden();
  await desk.context().close();
});

test('an admin imports incentives from a CSV file after a preview that names the bad lines, then rejects them', async ({ browser, page }) => {
  const member = newMember();
  await signUp(page, member);
  const desk = await signInAdmin(browser, page.viewportSize());
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const file = [
    'member_email,program,asset,amount,external_id,description',
    `${member.email},commission,USD,18.40,csv-${run}-1,Q3 commission`,
    `${member.email},commission,USD,1.999,csv-${run}-2,Too precise`,
  ].join('\n');

  await visit(desk, '/admin/incentives');
  const section = desk.getByRole('region', { name: 'Import from CSV' });
  await section.getByLabel('CSV file').setInputFiles({ name: 'incentives.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
  await expect(section.getByRole('status').first()).toHaveText('1 new (18.40 USD), 0 already imported, 1 with errors.');
  const bad = section.getByRole('table', { name: 'Lines that will not be imported' }).getByRole('row').filter({ hasText: `csv-${run}-2` });
  await expect(bad).toContainText('at most 2 decimal places');
  expect(await seriousViolations(desk)).toEqual([]);
  await section.getByRole('button', { name: 'Import 1 incentive' }).click();
  const done = section.getByRole('status').filter({ hasText: /^Imported/ });
  await expect(done).toContainText('Imported 1 incentive, pending approval; 0 already there; 1 refused.');
  await expect(done).toContainText('Line 3: amount: USD amounts have at most 2 decimal places');

  await visit(desk, `/admin/incentives?status=pending&q=${encodeURIComponent(member.email)}`);
  await expect(desk.getByRole('row').filter({ hasText: `csv-${run}-1` })).toContainText('18.40 USD');

  // Rejecting everything the filter matches needs the note the member sees.
  await desk.getByRole('button', { name: 'Reject all 1 matching' }).click();
  await expect(desk.getByRole('alert').filter({ hasText: 'Note:' })).toHaveText('Note: say why they are rejected; the member sees it');
  await desk.getByLabel('Note (needed to reject; the member sees it)').fill('Imported twice by mistake');
  await desk.getByRole('button', { name: 'Reject all 1 matching' }).click();
  await expect(desk.getByRole('status').filter({ hasText: 'done' })).toHaveText('1 done, 0 skipped.');
  await visit(desk, `/admin/incentives?status=rejected&q=${encodeURIComponent(member.email)}`);
  await expect(desk.getByRole('row').filter({ hasText: `csv-${run}-1` })).toContainText('Rejected');
  await desk.context().close();
});
