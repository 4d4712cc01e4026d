// What the browser tests share: Debian's chromium through playwright-core, the problems a page
// reports (console errors, uncaught exceptions, failed or 4xx/5xx requests), bounded waits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';

// Flags for a root user in a container with no GPU and no network beyond loopback: no sandbox,
// no background traffic that could show up as failed requests.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Ends the test run: prints why and exits 1 (ctest reads the exit code). */
export function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

/** Kills the whole test if it runs past `seconds`, so ctest never waits on a hung browser. */
export function deadline(seconds, what) {
  const timer = setTimeout(() => fail(`${what} did not finish within ${seconds} s`), seconds * 1000);
  timer.unref();
}

/** Parses --name value pairs. */
export function parseArgs(argv, required) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) fail(`bad argument '${argv[i]}'`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  for (const name of required) if (!(name in args)) fail(`missing --${name}`);
  return args;
}

/** Starts chromium with a fresh profile; missing pieces fail with what to run, never a skip. */
export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM))
    fail(`${CHROMIUM} is missing: run scripts/setup (it installs Debian's chromium)`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (error) {
    fail('playwright-core is missing from tests/browser/node_modules: run scripts/setup ' +
         `(it runs npm ci --prefix tests/browser)\n${error.message}`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
    timeout: 60_000,
  });
  return {
    context,
    version: context.browser()?.version() ?? 'unknown',
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Records what goes wrong on `page` until stop(); problems() lists it. */
export function watch(page) {
  const problems = [];
  const requests = [];
  let active = true;
  const note = (text) => { if (active) problems.push(text); };
  page.on('console', (m) => { if (m.type() === 'error') note(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => note(`uncaught exception: ${e.message}`));
  page.on('request', (r) => { if (active) requests.push(r.url()); });
  page.on('requestfailed', (r) =>
    note(`request failed: ${r.url()} (${r.failure()?.errorText ?? 'unknown'})`));
  page.on('response', (r) => { if (r.status() >= 400) note(`HTTP ${r.status()}: ${r.url()}`); });
  return {
    problems: () => [...problems],
    requests: () => [...requests],
    // Closing a page aborts live streams (SSE, WebSocket); those aborts are not the page's fault.
    stop: () => { active = false; },
  };
}

/** Number of elements matching `selector` now. */
export function count(page, selector) {
  return page.locator(selector).count();
}

/** Waits until `selector` matches at least one element; fails naming it after `ms`. */
export async function expectPresent(page, selector, ms, where) {
  try {
    await page.waitForSelector(selector, { state: 'attached', timeout: ms });
  } catch {
    fail(`${where}: no '${selector}' within ${ms / 1000} s`);
  }
  const n = await count(page, selector);
  console.log(`${where}: ${n} × ${selector}`);
  return n;
}

/** The test-artifacts directory, created. */
export function artifactsDir(dir) {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
