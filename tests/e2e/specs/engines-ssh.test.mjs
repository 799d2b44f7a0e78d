// An SSH engine in the real window (issue 11): a private SSH host of the test's own (sshd on loopback whose one
// authorized key reaches a private dockerd, tests/e2e/lib/ssh-engine.mjs) added from the Engines page with a key
// file; the unknown host key shown with the fingerprint `ssh-keygen -lf` prints for it and recorded only after
// "Accept this key and add"; the engine listed reachable with its version and reachable by `docker --context NAME`;
// the project switched to it in the header and the dashboard's engine banner following it; then removed from the
// page. The app runs in a private mount namespace where root's home is the test's folder, so the known_hosts it
// writes is the test's, never ~/.ssh; contexts go to the harness's throwaway DOCKER_CONFIG, never ~/.docker.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { launch, find, screenshot, textIn } from '../lib/app.mjs';
import { demoCopy, docker } from '../lib/stack.mjs';
import { fingerprint, sshDocker, startSshEngine } from '../lib/ssh-engine.mjs';

const NAME = `e2e-ssh-${process.pid}`;
let dir;
let engine;
let browser;
const homeKnownHosts = path.join(process.env.HOME ?? '/nonexistent', '.ssh/known_hosts');
const homeKnownBefore = existsSync(homeKnownHosts) ? readFileSync(homeKnownHosts, 'utf8') : null;

/** Waits until `check` (async, returns true or the last value seen) holds; screenshot and the last value on failure. */
async function until(what, timeout, check) {
  let last;
  try {
    await browser.waitUntil(async () => (last = await check()) === true, { timeout, interval: 250 });
  } catch {
    await screenshot(browser, `engines-ssh-${what.replace(/\W+/g, '-')}`);
    throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})\n${engine?.log() ?? ''}`);
  }
}

async function setInput(testid, value) {
  const el = await find(browser, `[data-testid="${testid}"]`);
  await el.setValue(value);
}

async function chooseEngine(name) {
  await find(browser, '[data-testid="project-engine-select"]');
  await browser.execute((value) => {
    const select = document.querySelector('[data-testid="project-engine-select"]');
    select.value = value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }, name);
}

before(async () => {
  assert.ok(process.env.DOCKER_CONFIG, 'the harness sets a throwaway DOCKER_CONFIG (tests/e2e/run.sh)');
  assert.notEqual(path.resolve(process.env.DOCKER_CONFIG), path.resolve(process.env.HOME ?? '/', '.docker'));
  engine = await startSshEngine();
  ({ dir } = await demoCopy('dockmaster-e2e-engines-ssh-', `e2essh${process.pid}`));
  browser = await launch(dir, { application: engine.app });
});

after(async () => {
  await browser?.deleteSession();
  try {
    docker(['context', 'rm', '-f', NAME]);
  } catch {
    // removed by the test already
  }
  await engine?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('an SSH engine is added from the page with a key file, after accepting its host key by fingerprint', async () => {
  await (await find(browser, 'a[href="#view-engines"]')).click();
  await (await find(browser, '[data-testid="engines-add"]')).click();
  await (await find(browser, '[data-testid="engine-form-kind-ssh"]')).click();
  await setInput('engine-form-name', NAME);
  await setInput('engine-form-destination', `${engine.user}@127.0.0.1:${engine.port}`);
  await setInput('engine-form-keyfile', engine.clientKey);
  await (await find(browser, '[data-testid="engine-form-submit"]')).click();

  // The unknown host key: its fingerprint shown, nothing recorded yet.
  const expected = fingerprint(engine.hostKey);
  assert.match(expected, /^SHA256:/);
  await until('the host key question', 30_000, async () => {
    const shown = await textIn(browser, '[data-testid="engine-hostkey-fingerprint"]');
    return shown === expected || shown || (await textIn(browser, '[data-testid="engine-add-error"]')) || 'no answer yet';
  });
  assert.ok(!existsSync(engine.knownHosts) || !readFileSync(engine.knownHosts, 'utf8').trim(), 'nothing recorded before accepting');

  await (await find(browser, '[data-testid="engine-hostkey-accept"]')).click();
  await until('the engine to be added', 30_000, async () => {
    const added = await textIn(browser, '[data-testid="engine-added"]');
    if (added) return (added.includes(`Docker ${engine.version}`) && added.includes(expected)) || added;
    return (await textIn(browser, '[data-testid="engine-add-error"]')) ?? 'no answer yet';
  });
  // The accepted key is recorded in the known_hosts the app's ssh reads (the test's folder), under [127.0.0.1]:PORT.
  const known = readFileSync(engine.knownHosts, 'utf8');
  assert.ok(known.includes(`[127.0.0.1]:${engine.port}`), `known_hosts names the host: ${known}`);
  assert.ok(known.includes(readFileSync(engine.hostKey, 'utf8').split(' ')[1]), 'known_hosts holds the accepted key');

  await until('its row to be reachable', 30_000, async () => {
    const text = await textIn(browser, `[data-testid="engine-state-${NAME}"]`);
    return text === `Reachable, Docker ${engine.version}` || text;
  });
  assert.equal(await textIn(browser, `[data-testid="engine-host-${NAME}"]`), `ssh://${engine.user}@127.0.0.1:${engine.port}`);
  // The docker CLI reaches the same engine through the context the page wrote (the known host, the agent's key).
  assert.equal(sshDocker(engine, ['--context', NAME, 'version', '--format', '{{.Server.Version}}']), engine.version);
  // The user's own ~/.ssh was not written.
  assert.equal(existsSync(homeKnownHosts) ? readFileSync(homeKnownHosts, 'utf8') : null, homeKnownBefore);
});

test('switching the project to the SSH engine in the header makes the dashboard follow it, and back', async () => {
  await chooseEngine(NAME);
  await until('the banner to show the SSH engine', 30_000, async () => {
    const text = await textIn(browser, '[data-testid="engine-status"]');
    return (text?.includes('Connected') && text.includes(`ssh://${engine.user}@127.0.0.1:${engine.port}`) &&
      text.includes(`Docker ${engine.version}`)) || text;
  });
  await until('the page to mark it as this project\'s', 10_000, async () =>
    (await textIn(browser, `[data-testid="engine-here-${NAME}"]`)) === 'this project');
  await chooseEngine('default');
  await until('the banner to show the local engine again', 30_000, async () => {
    const text = await textIn(browser, '[data-testid="engine-status"]');
    return (text?.includes('Connected') && text.includes('unix://')) || text;
  });
});

test('the SSH engine is removed from the page after confirming', async () => {
  await (await find(browser, `[data-testid="engine-remove-${NAME}"]`)).click();
  await (await find(browser, '[data-testid="engine-remove-confirm"]')).click();
  await until('its row to go', 10_000, async () => !(await (await browser.$(`[data-testid="engine-row-${NAME}"]`)).isExisting()));
  const names = docker(['context', 'ls', '--format', '{{.Name}}']).split('\n');
  assert.ok(!names.includes(NAME), `the context is gone: ${names}`);
});
