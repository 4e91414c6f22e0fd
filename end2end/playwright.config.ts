import { defineConfig, devices } from '@playwright/test';

// The release server on a scratch database, started by start-server.sh.
const port = Number(process.env.E2E_PORT ?? 3210);
const baseURL = `http://127.0.0.1:${port}`;
// The mail catcher the server sends through (see start-server.sh).
const smtpPort = Number(process.env.E2E_SMTP_PORT ?? 3225);
const mailPort = Number(process.env.E2E_MAIL_PORT ?? 3226);
// The PayPal-speaking server Paydesk sends payouts to.
const paypalPort = Number(process.env.E2E_PAYPAL_PORT ?? 3227);

// Debian's Chromium: Playwright's own browser download cannot work here, and
// the network flags keep Chromium from reaching for Google's services.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

const phone = {
  viewport: { width: 375, height: 740 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
};

export default defineConfig({
  testDir: './tests',
  // Two cores run both workers' Chromium, the server and its database:
  // the longest stories take 25-35 s when the machine is busy. Tests
  // assert behaviour, not speed (benchmarks measure that).
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
  },
  webServer: {
    command: 'bash ./start-server.sh',
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      E2E_PORT: String(port),
      E2E_SMTP_PORT: String(smtpPort),
      E2E_MAIL_PORT: String(mailPort),
      E2E_PAYPAL_PORT: String(paypalPort),
    },
  },
  projects: [
    {
      name: 'desktop',
      testIgnore: [/no-js/, /alone/, /solo/, /last/, /final/],
      use: { ...devices['Desktop Chrome'], launchOptions },
    },
    {
      name: 'mobile',
      testIgnore: [/no-js/, /alone/, /solo/, /last/, /final/],
      use: { browserName: 'chromium', ...phone, launchOptions },
    },
    {
      name: 'no-js',
      testMatch: /no-js/,
      testIgnore: /final/,
      use: { ...devices['Desktop Chrome'], javaScriptEnabled: false, launchOptions },
    },
    // Tests that count something global (e.g. requests waiting) run after
    // everything else and one at a time, so no other test moves the count.
    {
      name: 'alone-desktop',
      testMatch: /alone/,
      dependencies: ['desktop', 'mobile', 'no-js'],
      use: { ...devices['Desktop Chrome'], launchOptions },
    },
    {
      name: 'alone-mobile',
      testMatch: /alone/,
      dependencies: ['alone-desktop'],
      use: { browserName: 'chromium', ...phone, launchOptions },
    },
    // Tests that change a desk-wide rule every other story would trip
    // over (the approval limit) run on their own, one worker each.
    {
      name: 'solo-desktop',
      testMatch: /solo/,
      dependencies: ['alone-mobile'],
      use: { ...devices['Desktop Chrome'], launchOptions },
    },
    {
      name: 'solo-mobile',
      testMatch: /solo/,
      dependencies: ['solo-desktop'],
      use: { browserName: 'chromium', ...phone, launchOptions },
    },
    // Tests that change what every member's form asks for run after all
    // the others, one file at a time.
    {
      name: 'last-desktop',
      testMatch: /last/,
      dependencies: ['solo-mobile'],
      use: { ...devices['Desktop Chrome'], launchOptions },
    },
    {
      name: 'last-mobile',
      testMatch: /last/,
      dependencies: ['last-desktop'],
      use: { browserName: 'chromium', ...phone, launchOptions },
    },
    // Last of all: the ledger the whole suite wrote verifies clean.
    {
      name: 'final',
      testMatch: /final/,
      dependencies: ['last-mobile'],
    },
  ],
});
