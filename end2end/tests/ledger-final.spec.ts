import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@playwright/test';

// Runs after every other project: whatever the suite did through the
// browser, `paydesk verify` finds the ledger whole (balances match their
// transfers, every asset sums to zero, holds and settlements exact, no
// PayPal report left contradicting a settled request).
test('paydesk verify passes after the whole suite', () => {
  const root = path.resolve(__dirname, '..', '..');
  const database = path.resolve(__dirname, '..', '.e2e', 'e2e.db');
  const output = execFileSync(
    process.env.PAYDESK_BIN ?? path.join(root, 'target', 'release', 'paydesk'),
    ['verify'],
    {
      env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL ?? `sqlite://${database}?mode=rwc`, RUST_LOG: 'warn' },
      encoding: 'utf8',
    },
  );
  expect(output).toContain('Ledger OK');
});
