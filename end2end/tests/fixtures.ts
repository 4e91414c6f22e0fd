import { expect, test as base } from '@playwright/test';

/**
 * Every test fails if the page panics or logs an error: a hydration
 * mismatch panics the wasm bundle and leaves a page that looks right but
 * no longer reacts, which the assertions alone may only catch by luck.
 */
export const test = base.extend<{ pageErrors: void }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // A failed request (a 4xx the test provoked) is reported by the
        // browser as a console error too; those are expected answers.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
          errors.push(`console error: ${message.text().slice(0, 400)}`);
        }
      });
      await use();
      expect(errors, 'the page raised errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
