// Shared by the browser tests and the GUI benchmark: start Debian's Chromium
// through playwright-core with a fresh profile and no network chatter.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.JV_CHROMIUM || '/usr/bin/chromium';

// playwright itself gives every launch a fresh --user-data-dir (a temp
// profile it deletes on close); it refuses the flag in args.
export async function launch() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  const close = async () => {
    await browser.close();
  };
  return { browser, close };
}

// Fails the page on any console error or uncaught exception.
export function watchErrors(page, errors) {
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push('console: ' + m.text());
  });
}

export function check(cond, msg) {
  if (!cond) throw new Error('check failed: ' + msg);
}
