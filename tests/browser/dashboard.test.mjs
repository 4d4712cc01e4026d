// Loads the live dashboard of a running cluster in chromium, directly and behind a path prefix:
// task bars, memory bars and progress bars must appear (task bars keep coming while the job
// runs), with no console errors and no failed requests. Saves screenshots as test artifacts.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { artifactsDir, count, deadline, expectPresent, fail, launchBrowser, parseArgs, watch }
  from './browser.mjs';
import { startPrefixProxy } from './prefix_proxy.mjs';

deadline(170, 'dashboard browser test');
const args = parseArgs(process.argv.slice(2), ['driver', 'artifacts']);
const dir = artifactsDir(args.artifacts);

/** Starts the driver and resolves with the dashboard link it prints first. */
function startDriver() {
  const driver = spawn(args.driver, ['150'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => driver.on('exit', (code, signal) => resolve({ code, signal })));
  let printed = false;
  const link = new Promise((resolve) => {
    const lines = readline.createInterface({ input: driver.stdout });
    lines.once('line', (line) => {
      printed = true;
      resolve(line.trim());
    });
    driver.on('exit', (code) => {
      if (!printed) fail(`dashboard_driver exited (${code}) before printing a link`);
    });
    setTimeout(() => {
      if (!printed) fail('dashboard_driver printed no link within 30 s');
    }, 30_000).unref();
  });
  return { driver, exited, link };
}

/** Bars that show the task stream moving: more of them, or different ones at the end. */
async function taskStreamAdvances(page, where) {
  const tail = () => page.evaluate(() =>
    [...document.querySelectorAll('#task-stream .task-bar')].slice(-8).map((e) => e.outerHTML).join(''));
  const before = await count(page, '#task-stream .task-bar');
  const first = await tail();
  for (let waited = 0; waited < 15_000; waited += 250) {
    await page.waitForTimeout(250);
    const now = await count(page, '#task-stream .task-bar');
    if (now > before || (await tail()) !== first) {
      console.log(`${where}: task stream advanced (${before} -> ${now} bars)`);
      return;
    }
  }
  fail(`${where}: the task stream stayed at ${before} bars for 15 s while the job ran`);
}

/** Opens `url`, checks the three panels and the page's health, saves a screenshot. */
async function checkDashboard(browser, url, where, screenshot) {
  const page = await browser.context.newPage();
  const watcher = watch(page);
  console.log(`${where}: ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30_000 });
  await expectPresent(page, '#task-stream .task-bar', 20_000, where);
  await taskStreamAdvances(page, where);
  await expectPresent(page, '#workers-memory .memory-bar', 10_000, where);
  await expectPresent(page, '#progress .progress-bar', 10_000, where);
  // The driver's persisted array is partly spilled: reading it back shows as disk-read bars.
  await expectPresent(page, '#task-stream .task-bar.disk', 15_000, where);
  const shot = path.join(dir, screenshot);
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`${where}: screenshot ${shot}`);
  watcher.stop();
  await page.close();

  // The graph page, by the same relative link the header uses, in a page of its own (leaving a
  // page aborts its live stream, which the watcher would count as a failed request): task groups
  // and the arrows between them (the driver's graphs always have dependencies).
  const graphPage = await browser.context.newPage();
  const graphWatcher = watch(graphPage);
  await graphPage.goto(new URL('graph', url).href, { waitUntil: 'domcontentloaded', timeout: 30_000 });
  await expectPresent(graphPage, '#graph .graph-node', 15_000, `${where} graph`);
  await expectPresent(graphPage, '#graph .graph-edge', 15_000, `${where} graph`);
  const graphShot = path.join(dir, screenshot.replace('.png', '-graph.png'));
  await graphPage.screenshot({ path: graphShot, fullPage: true });
  console.log(`${where}: graph screenshot ${graphShot}`);
  graphWatcher.stop();
  await graphPage.close();
  return {
    problems: () => [...watcher.problems(), ...graphWatcher.problems()],
    requests: () => [...watcher.requests(), ...graphWatcher.requests()],
  };
}

const { driver, exited, link } = startDriver();
const dashboard = await link;
if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(dashboard)) fail(`unexpected dashboard link '${dashboard}'`);
const browser = await launchBrowser();
console.log(`chromium ${browser.version}`);
const problems = [];

const direct = await checkDashboard(browser, dashboard, 'direct', 'dashboard.png');
problems.push(...direct.problems().map((p) => `direct: ${p}`));

const proxy = await startPrefixProxy(new URL(dashboard).origin);
const target = new URL(dashboard);
const prefixed = `${proxy.origin}${proxy.prefix}${target.pathname}${target.search}`;
const behind = await checkDashboard(browser, prefixed, 'prefix', 'dashboard-prefix.png');
problems.push(...behind.problems().map((p) => `prefix: ${p}`));
for (const url of behind.requests())
  if (/^https?:/.test(url) && !url.startsWith(`${proxy.origin}${proxy.prefix}/`))
    problems.push(`prefix: request outside the prefix: ${url}`);
for (const url of proxy.outside()) problems.push(`prefix: proxy saw a path outside the prefix: ${url}`);

await browser.close();
await proxy.close();
driver.stdin.end();  // the driver's signal to finish its round and exit
const timer = setTimeout(() => driver.kill('SIGKILL'), 30_000);
const { code, signal } = await exited;
clearTimeout(timer);
if (code !== 0) problems.push(`dashboard_driver ended with ${signal ?? `exit code ${code}`}`);
if (problems.length) fail(problems.join('\n  '));
console.log('PASS: dashboard loads, updates and works behind a path prefix');
