// The real app creates its tray icon under Xvfb (libayatana-appindicator3 in the test's D-Bus session) and the
// Settings view says so; saving a setting from the window writes the app's preferences file (in the harness's
// throwaway XDG_CONFIG_HOME) and the window reads it back after a reload.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch, find, repoRoot } from '../lib/app.mjs';

const demo = path.join(repoRoot, 'demo');
let browser;

before(async () => {
  browser = await launch(demo);
});

after(async () => {
  await browser?.deleteSession();
});

async function openSettings() {
  await (await find(browser, 'a[href="#view-settings"]')).click();
  return find(browser, '[data-testid="tray-line"]');
}

test('the tray icon is created, and the Settings view says what closing the window does', async () => {
  const line = await openSettings();
  const text = (await line.getProperty('textContent')).trim();
  const current = await (await find(browser, 'a[aria-current="page"]')).getProperty('textContent');
  assert.match(current, /Settings/, 'the Settings view is the one shown');
  console.log(`tray line: ${text}`);
  // "No tray icon: <why>" is what a failed creation shows; Xvfb has no tray host, so the window closes as before.
  assert.doesNotMatch(text, /No tray icon/, `the tray icon was not created: ${text}`);
  assert.match(text, /shows no tray right now, so closing the window quits|Tray icon: /);
});

test('a notification switch turned off is saved and read back after a reload', async () => {
  const box = 'label*=became unhealthy';
  const unhealthy = async () => (await find(browser, box)).$('input');
  await openSettings();
  const input = await unhealthy();
  assert.equal(await input.isSelected(), true, 'every notification is on by default');
  await input.click();
  await browser.waitUntil(async () => !(await (await unhealthy()).isSelected()), { timeout: 5000 });
  await browser.waitUntil(async () => (await (await unhealthy()).isEnabled()), { timeout: 5000 });
  await browser.refresh();
  await openSettings();
  assert.equal(await (await unhealthy()).isSelected(), false, 'the switch stays off after a reload');
  // Put it back (the preferences file lives in the harness's throwaway config folder, removed at the end).
  await (await unhealthy()).click();
  await browser.waitUntil(async () => (await (await unhealthy()).isSelected()), { timeout: 5000 });
});
