// The window follows the project's files on disk without a click: a port moved in `.env` shows in the port
// table, a service added to docker-compose.yml appears in the list, a docker-compose.yml broken mid-edit shows
// what is wrong (and loses nothing), and fixing it brings the project back. Nothing is started on the engine.
// Screenshots go to tests/e2e/artifacts/filewatch-*.png.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launch, find, screenshot, textIn } from '../lib/app.mjs';
import { demoCopy, freePort } from '../lib/stack.mjs';

const project = `dme2e-watch-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
let dir;
let env;
let browser;

const textOf = (selector) => textIn(browser, selector);

async function waitFor(what, check, timeout = 15000) {
  try {
    await browser.waitUntil(check, { timeout, interval: 200 });
  } catch {
    await screenshot(browser, 'filewatch-failure');
    throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
  }
}

/** Writes `text` to `file` the way editors do: a new file renamed over the old one. */
function save(file, text) {
  const tmp = `${file}.e2e-tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

before(async () => {
  ({ dir, env } = await demoCopy('dockmaster-e2e-watch-', project));
  browser = await launch(dir);
  await waitFor('the project open', async () => (await textOf('[data-testid="services-count"]')) === '7');
});

after(async () => {
  await browser?.deleteSession();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a port moved in .env shows in the port table without a click', async () => {
  const before = env.GAMESERVER_PORT;
  assert.match(await textOf('table.ports'), new RegExp(`\\b${before}\\b`));
  const moved = String(await freePort());
  const envFile = path.join(dir, '.env');
  writeFileSync(envFile, readFileSync(envFile, 'utf8').replace(`GAMESERVER_PORT=${before}`, `GAMESERVER_PORT=${moved}`));
  await waitFor(`port ${moved} in the port table`, async () => new RegExp(`\\b${moved}\\b`).test(await textOf('table.ports')));
  assert.doesNotMatch(await textOf('table.ports'), new RegExp(`\\b${before}\\b`));
  await screenshot(browser, 'filewatch-01-port-moved');
});

test('a service added to docker-compose.yml appears; a broken file says why; fixed, it is back', async () => {
  const composeFile = path.join(dir, 'docker-compose.yml');
  const original = readFileSync(composeFile, 'utf8');
  const added = original.replace(/^services:\n/m, 'services:\n  e2e-notes:\n    image: dockmaster/demo-busybox:latest\n    command: ["sleep", "60"]\n');
  assert.notEqual(added, original, 'the demo compose file has a services: line');
  save(composeFile, added);
  await waitFor('the added service in the list', async () => (await textOf('[data-testid="services-count"]')) === '8');
  await find(browser, '[data-testid="service-row-e2e-notes"]');
  await screenshot(browser, 'filewatch-02-service-added');

  // Half-way through an edit the file is not YAML: the window says so and keeps the file as it is.
  const broken = added.replace('  e2e-notes:\n', '  e2e-notes: [unclosed\n');
  writeFileSync(composeFile, broken);
  await waitFor('the error about the broken file', async () => (await browser.$('[data-testid="error-panel"]')).isExisting());
  const panel = await browser.$('[data-testid="error-panel"]');
  assert.equal(await panel.getAttribute('data-code'), 'COMPOSE_INVALID', await textOf('[data-testid="error-panel"]'));
  assert.match(await textOf('[data-testid="error-panel"]'), /docker-compose\.yml/);
  assert.equal(readFileSync(composeFile, 'utf8'), broken, 'the app did not touch the file');
  await screenshot(browser, 'filewatch-03-broken');

  writeFileSync(composeFile, original);
  await waitFor('the project back as it was', async () => (await textOf('[data-testid="services-count"]')) === '7');
  await waitFor('the error gone', async () => !(await (await browser.$('[data-testid="error-panel"]')).isExisting()));
  assert.equal(await (await browser.$('[data-testid="service-row-e2e-notes"]')).isExisting(), false);
  await screenshot(browser, 'filewatch-04-fixed');
});
