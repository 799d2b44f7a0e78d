// The INSTALLED app (/usr/bin/dockmaster-app from the .deb, started by tests/package/run.sh with a throwaway HOME
// and XDG folders): with no project it shows the welcome screen; "Try the demo" copies the demo into the app's data
// folder and opens it, showing the demo's profiles. Needs no source tree: nothing here points the app at one.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { launch, find, testIds, screenshot } from '../e2e/lib/app.mjs';

const dataDir = process.env.DOCKMASTER_PACKAGE_DEMO_DIR;
let browser;

before(async () => {
  assert.ok(dataDir, 'run through tests/package/run.sh (it sets DOCKMASTER_PACKAGE_DEMO_DIR)');
  assert.ok(!existsSync(dataDir), `${dataDir} must not exist before the test`);
  browser = await launch(null);
});

after(async () => {
  await browser?.deleteSession();
});

test('the welcome screen offers Open, the recent projects and Try the demo', async () => {
  const open = await find(browser, '[data-testid="open-project"]');
  assert.match(await open.getText(), /Open project folder/);
  const recent = await find(browser, '#recent-title');
  assert.equal(await recent.getText(), 'Recent projects');
  const demo = await find(browser, '[data-testid="try-demo"]');
  assert.equal((await demo.getText()).trim(), 'Try the demo');
  await screenshot(browser, 'package-welcome');
});

test('Try the demo copies the demo into the data folder and opens it with its profiles', async () => {
  await (await find(browser, '[data-testid="try-demo"]')).click();
  const name = await find(browser, '[data-testid="project-name"]', 60000);
  await browser.waitUntil(async () => (await name.getText()).trim() === 'demo', {
    timeout: 60000,
    timeoutMsg: 'the demo did not open',
  });
  await find(browser, '[data-testid="profile-chip-development"]', 30000);
  const chips = (await testIds(browser, 'profile-chip-')).sort();
  for (const profile of ['development', 'monitoring', 'multi-regional', 'production']) {
    assert.ok(chips.includes(profile), `profile ${profile} missing from ${chips.join(', ')}`);
  }
  assert.ok(existsSync(path.join(dataDir, 'docker-compose.yml')), `no demo copy in ${dataDir}`);
  assert.ok(existsSync(path.join(dataDir, 'services/gameserver/Dockerfile')));
  // The selection's services are listed (the report was built from the copy).
  await browser.waitUntil(async () => (await testIds(browser, 'service-row-')).includes('gameserver'), {
    timeout: 15000,
    timeoutMsg: 'the demo\'s services were not shown',
  });
  await screenshot(browser, 'package-demo-opened');
});
