// Debian's Chromium for the browser tests, launched the one way that works
// on these machines: as root it needs --no-sandbox, and without the
// background-networking flags it keeps dialling hosts the closed network
// refuses. Browser downloads (npx playwright install) are not possible here.
import { chromium } from 'playwright-core';

/** The Chromium binary (`CHROMIUM_PATH` overrides). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launch arguments. */
export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--headless=new',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/** Launches headless Chromium with playwright-core. */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true, timeout: 30_000 });
}
