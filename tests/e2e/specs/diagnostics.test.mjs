// The diagnostics bundle and Dockmaster's own log from the real window: on a copy of the demo (not started) whose
// `.env` holds a marker secret, the Doctor page's "Diagnostics bundle" gathers the bundle and lists its files
// before anything is saved (the native save dialog behind "Save…" cannot be driven under WebDriver: saving is
// covered by the core's and the CLI's tests); the Settings view names the log folder (tests/e2e/run.sh points
// DOCKMASTER_LOG_DIR aside), whose files hold the window's records and no form of the marker.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { find, launch, screenshot, textIn } from '../lib/app.mjs';
import { demoFiles } from '../lib/stack.mjs';

const name = `dme2e-diag-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
const dir = demoFiles('dockmaster-e2e-diag-');
/** Has `/`, `+` and `=`, so its URL-encoded and base64 forms differ from it. */
const MARKER = `E2e/Diag+Marker=${process.pid}x`;
writeFileSync(path.join(dir, '.env'), `COMPOSE_PROJECT_NAME=${name}\nJWT_SECRET=${MARKER}\n`);
let browser;

before(async () => {
  browser = await launch(dir);
  const el = await find(browser, '[data-testid="project-name"]');
  await browser.waitUntil(async () => (await el.getText()).includes(name), { timeout: 15000 });
});

after(async () => {
  await browser?.deleteSession();
  rmSync(dir, { recursive: true, force: true });
});

test('the Doctor page gathers the diagnostics bundle and lists its files before saving', async () => {
  await (await find(browser, 'a[href="#view-doctor"]')).click();
  await (await find(browser, '[data-testid="diagnostics-build"]')).click();
  const rows = await find(browser, '[data-testid="diagnostics-entries"]', 60000);
  await rows.waitForExist({ timeout: 60000 });
  const names = [];
  for (const row of await browser.$$('[data-testid="diagnostics-entry"]')) names.push(await row.getAttribute('data-name'));
  for (const want of ['versions.txt', 'doctor.json', 'configuration.json', 'dockmaster.log']) {
    assert.ok(names.includes(want), `${want} in the bundle's list: ${names}`);
  }
  const masked = await textIn(browser, '[data-testid="diagnostics-masked"]');
  assert.match(masked, /\d+ files \(with README\.txt\); [1-9]\d* secret values? masked/, masked);
  const listed = await textIn(browser, '[data-testid="diagnostics"]');
  assert.ok(!listed.includes(MARKER), 'the list shows no secret');
  await find(browser, '[data-testid="diagnostics-save"]');
  // Scrolled to inside the pane that scrolls (scrollIntoView would scroll the whole page in WebKit).
  await browser.execute(() => {
    const panel = document.querySelector('[data-testid="diagnostics"]');
    let pane = panel.parentElement;
    while (pane && !(pane.scrollHeight > pane.clientHeight && /auto|scroll/.test(getComputedStyle(pane).overflowY))) {
      pane = pane.parentElement;
    }
    if (pane) pane.scrollTop += panel.getBoundingClientRect().top - pane.getBoundingClientRect().top - 12;
  });
  await screenshot(browser, 'doctor-diagnostics-list');
});

test('the own log holds the window records and no form of the marker secret', async () => {
  await (await find(browser, 'a[href="#view-settings"]')).click();
  await find(browser, '[data-testid="log-folder"]');
  const line = await textIn(browser, '[data-testid="log-folder"]');
  const folder = line.match(/Written to (.+) \(two files/)?.[1];
  assert.equal(folder, process.env.DOCKMASTER_LOG_DIR, `the Settings view names the folder run.sh chose: ${line}`);
  let text = '';
  for (const file of readdirSync(folder)) text += readFileSync(path.join(folder, file), 'utf8');
  for (const record of ['[app ', 'dockmaster started', 'diagnostics bundle built', name]) {
    assert.ok(text.includes(record), `the own log holds ${record}:\n${text}`);
  }
  const forms = [MARKER, encodeURIComponent(MARKER), Buffer.from(MARKER).toString('base64').slice(0, 16)];
  for (const form of forms) assert.ok(!text.includes(form), `the own log holds ${form}`);
});
