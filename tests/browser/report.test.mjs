// Opens a performance report written by report_driver in chromium: it must render its task
// stream and tables from the file alone, with no console errors and no requests that fail.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { artifactsDir, deadline, expectPresent, fail, launchBrowser, parseArgs, watch }
  from './browser.mjs';

deadline(120, 'report browser test');
const args = parseArgs(process.argv.slice(2), ['driver', 'artifacts']);
const dir = artifactsDir(args.artifacts);
const report = path.join(dir, 'report.html');
execFileSync(args.driver, [report], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 60_000 });

const browser = await launchBrowser();
console.log(`chromium ${browser.version}`);
const page = await browser.context.newPage();
const watcher = watch(page);
await page.goto(pathToFileURL(report).href, { waitUntil: 'load', timeout: 30_000 });
const bars = await expectPresent(page, '#task-stream .task-bar', 10_000, 'report');
for (const table of ['#workers-table tbody tr', '#groups-table tbody tr', '#runs-table tbody tr'])
  await expectPresent(page, table, 5_000, 'report');
if (bars < 26) fail(`report: ${bars} task bars, expected one per task (at least 26)`);
const shot = path.join(dir, 'report.png');
await page.screenshot({ path: shot, fullPage: true });
console.log(`screenshot: ${shot}`);
// Requests other than the file itself would mean the page is not self-contained.
const outside = watcher.requests().filter((url) => !url.startsWith('file:') && !url.startsWith('data:'));
watcher.stop();
await browser.close();
const problems = watcher.problems();
if (outside.length) problems.push(...outside.map((url) => `network request: ${url}`));
if (problems.length) fail(`report page:\n  ${problems.join('\n  ')}`);
console.log('PASS: report opens in chromium without errors');
