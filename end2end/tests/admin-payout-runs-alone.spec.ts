import { expect, test } from './fixtures';
import { credit, newMember, seriousViolations, signInAdmin, signUp, visit } from './helpers';

// Runs in the "alone" projects (see playwright.config.ts): a payout run
// looks at every member, so nothing else may make or move requests
// meanwhile. The threshold is far above what other tests credit, so the
// run pays exactly this test's member (the other project's run left its
// member above the threshold too, with an open request: skipped).
test('an admin previews a payout run, confirms it, and the member sees the request made for them', async ({ page, browser }) => {
  const member = newMember();
  await signUp(page, member);
  credit(member.email, 'USD', '543210');
  await visit(page, '/account/payout-details');
  const paypal = page.getByRole('region', { name: 'PayPal' });
  await paypal.getByLabel('PayPal email').fill(member.email);
  await paypal.getByRole('button', { name: 'Save PayPal details' }).click();
  await expect(paypal.getByText('Default', { exact: true })).toBeVisible();

  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, '/admin/payouts/runs');
  await expect(desk.getByRole('heading', { name: 'Payout runs', level: 1 })).toBeVisible();
  await expect(desk.locator('body[data-hydrated]')).toHaveCount(1);
  expect(await seriousViolations(desk)).toEqual([]);
  // The sidebar's live badge of requests waiting (folded away on a phone,
  // but there).
  const badge = desk.locator('#admin-sidebar a[href="/admin/payouts"] .badge.count');
  const before = Number(/(\d+)/.exec((await badge.textContent()) ?? '')?.[1]);
  expect(Number.isInteger(before)).toBe(true);

  const form = desk.getByRole('form', { name: 'Payout run' });
  await form.getByLabel('Asset').selectOption('USD');
  // A bad threshold is refused with the field named.
  await form.getByLabel('Threshold (balance at or above)').fill('lots');
  await form.getByRole('button', { name: 'Preview run' }).click();
  await expect(desk.getByRole('alert')).toContainText('Threshold:');
  await form.getByLabel('Threshold (balance at or above)').fill('500000');
  await form.getByLabel('Maximum per member (optional)').fill('25');
  await form.getByRole('button', { name: 'Preview run' }).click();

  const preview = desk.getByRole('region', { name: 'Preview' });
  await expect(preview.getByRole('status').first()).toHaveText(/^1 member will get a request; \d+ skipped\.$/);
  const line = preview.getByRole('row').filter({ hasText: member.email });
  await expect(line).toContainText('PayPal');
  await expect(line).toContainText('25.00 USD');
  expect(await seriousViolations(desk)).toEqual([]);

  await preview.getByRole('button', { name: 'Confirm: create 1 request' }).click();
  await expect(preview.getByRole('status').filter({ hasText: 'done' })).toContainText(/Run #\d+ done: 1 request created, \d+ skipped\./);
  const runId = /Run #(\d+)/.exec((await preview.getByRole('status').filter({ hasText: 'done' }).textContent()) ?? '')?.[1];
  await expect(badge).toContainText(`${before + 1} waiting`);

  // The history records it; the payouts table lists the request.
  await expect(desk.getByRole('region', { name: 'Runs history' }).getByRole('row').filter({ hasText: `#${runId}` })).toContainText(/(^|\D)1 created, \d+ skipped/);
  await visit(desk, `/admin/payouts?q=${encodeURIComponent(member.email)}`);
  const row = desk.getByRole('row').filter({ hasText: member.email });
  await expect(row).toContainText('25.00 USD');
  await expect(row).toContainText('Requested');

  // The member sees the request made on their behalf.
  await visit(page, '/account/withdrawals');
  const mine = page.getByRole('region', { name: 'Your requests' }).getByRole('row').filter({ hasText: '25.00 USD' });
  await expect(mine).toContainText('Made for you by an administrator');
  await expect(mine).toContainText(`Payout run #${runId}`);
  await desk.context().close();
});

test('an admin saves a run as a weekly schedule, sees when it runs next, and stops it', async ({ page, browser }) => {
  const desk = await signInAdmin(browser, page.viewportSize());
  await visit(desk, '/admin/payouts/runs');
  await expect(desk.locator('body[data-hydrated]')).toHaveCount(1);
  const form = desk.getByRole('form', { name: 'Payout run' });
  await form.getByLabel('Asset').selectOption('USD');
  await form.getByLabel('Threshold (balance at or above)').fill('900000');

  // A weekday three days from today, so it cannot fall due while the
  // suite runs (the schedule is stopped at the end anyway).
  const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
  const today = (new Date().getUTCDay() + 6) % 7;
  const weekday = weekdays[(today + 3) % 7];
  const schedule = desk.getByRole('form', { name: 'Save as schedule' });
  await schedule.getByLabel('How often').selectOption('weekly');
  await schedule.getByLabel('Weekday').selectOption({ label: weekday });
  await schedule.getByLabel('Hour (UTC)').selectOption({ label: '03:00' });
  await schedule.getByRole('button', { name: 'Save schedule' }).click();
  const saved = schedule.getByRole('status');
  await expect(saved).toContainText(new RegExp(`Schedule #\\d+ saved: Weekly on ${weekday} at 03:00 UTC; next run \\d{4}-\\d\\d-\\d\\d 03:00 UTC\\.`));
  const id = /Schedule #(\d+)/.exec((await saved.textContent()) ?? '')?.[1];
  expect(await seriousViolations(desk)).toEqual([]);

  const schedules = desk.getByRole('region', { name: 'Schedules' });
  const row = schedules.getByRole('row').filter({ hasText: `#${id}` });
  await expect(row).toContainText(`Weekly on ${weekday} at 03:00 UTC`);
  await expect(row).toContainText('900,000.00 USD or more');
  await row.getByRole('button', { name: `Stop schedule #${id}` }).click();
  await expect(row).toContainText('Stopped');
  await expect(row.getByRole('button')).toHaveCount(0);
  await desk.context().close();
});
