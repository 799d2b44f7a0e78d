// The Engines page in the real window: the local engine listed as reachable with the version the engine itself
// reports; a second, private engine (a dockerd of the test's own on loopback with TLS verification) added from
// the page's form, saved as a Docker context the docker CLI reaches too; the project switched to it in the header
// and the dashboard's engine following it without a restart, then back; the engine removed from the page. Every
// context is written to the harness's throwaway DOCKER_CONFIG, never ~/.docker.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chooseProjectEngine, launch, find, setValue, textIn, until as waitUntil } from '../lib/app.mjs';
import { demoFiles, docker } from '../lib/stack.mjs';
import { startTlsEngine } from '../lib/tls-engine.mjs';

const NAME = `e2e-tls-${process.pid}`;
let dir;
let engine;
let browser;

/** The shared `until`, with a screenshot named after what was awaited. */
const until = (what, timeout, check) =>
  waitUntil(what, timeout, check, { browser, shot: `engines-${what.replace(/\W+/g, '-')}` });

before(async () => {
  assert.ok(process.env.DOCKER_CONFIG, 'the harness sets a throwaway DOCKER_CONFIG (tests/e2e/run.sh)');
  assert.notEqual(path.resolve(process.env.DOCKER_CONFIG), path.resolve(process.env.HOME ?? '/', '.docker'));
  engine = await startTlsEngine();
  dir = demoFiles('dockmaster-e2e-engines-');
  browser = await launch(dir);
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

test('the Engines page lists the local engine as reachable with its version', async () => {
  const local = docker(['version', '--format', '{{.Server.Version}}']);
  await (await find(browser, 'a[href="#view-engines"]')).click();
  await find(browser, '[data-testid="engine-row-default"]');
  await until('the local engine to be reachable', 20_000, async () => {
    const text = await textIn(browser, '[data-testid="engine-state-default"]');
    return text === `Reachable, Docker ${local}` || text;
  });
  assert.match(await textIn(browser, '[data-testid="engine-host-default"]'), /^unix:\/\//);
  assert.equal(await textIn(browser, '[data-testid="engine-here-default"]'), 'this project');
});

test('a TLS engine is added from the page, tested first, and saved as a Docker context', async () => {
  await (await find(browser, '[data-testid="engines-add"]')).click();
  await (await find(browser, '[data-testid="engine-form-kind-tls"]')).click();
  await setValue(browser, 'engine-form-name', NAME);
  await setValue(browser, 'engine-form-address', engine.address);
  await setValue(browser, 'engine-form-ca', engine.ca);
  await setValue(browser, 'engine-form-cert', engine.cert);
  await setValue(browser, 'engine-form-key', engine.key);
  await (await find(browser, '[data-testid="engine-form-submit"]')).click();
  await until('the engine to be added', 30_000, async () => {
    const added = await textIn(browser, '[data-testid="engine-added"]');
    if (added) return added.includes(`Docker ${engine.version}`) || added;
    return (await textIn(browser, '[data-testid="engine-add-error"]')) ?? 'no answer yet';
  });
  await until('its row to be reachable', 20_000, async () => {
    const text = await textIn(browser, `[data-testid="engine-state-${NAME}"]`);
    return text === `Reachable, Docker ${engine.version}` || text;
  });
  assert.equal(await textIn(browser, `[data-testid="engine-host-${NAME}"]`), `tcp://${engine.address}`);
  // The docker CLI reaches the same engine through the context the page wrote (in the throwaway config only).
  assert.equal(docker(['--context', NAME, 'version', '--format', '{{.Server.Version}}']), engine.version);
  assert.ok(readdirSync(path.join(process.env.DOCKER_CONFIG, 'contexts/meta')).length > 0);
  const home = path.join(process.env.HOME ?? '/nonexistent', '.docker/contexts/meta');
  const homeNames = existsSync(home) ? docker(['context', 'ls', '--format', '{{.Name}}'], { env: { ...process.env, DOCKER_CONFIG: path.dirname(path.dirname(home)) } }) : '';
  assert.ok(!homeNames.split('\n').includes(NAME), 'nothing written to ~/.docker');
});

test('switching the project to it in the header makes the dashboard follow that engine, and back', async () => {
  await chooseProjectEngine(browser, NAME);
  await until('the banner to show the TLS engine', 30_000, async () => {
    const text = await textIn(browser, '[data-testid="engine-status"]');
    return (text?.includes('Connected') && text.includes(`tcp://${engine.address}`) && text.includes(`Docker ${engine.version}`)) || text;
  });
  await until('the page to mark it as this project\'s', 10_000, async () =>
    (await textIn(browser, `[data-testid="engine-here-${NAME}"]`)) === 'this project');
  await chooseProjectEngine(browser, 'default');
  await until('the banner to show the local engine again', 30_000, async () => {
    const text = await textIn(browser, '[data-testid="engine-status"]');
    return (text?.includes('Connected') && text.includes('unix://')) || text;
  });
});

test('the engine is removed from the page after confirming', async () => {
  await (await find(browser, `[data-testid="engine-remove-${NAME}"]`)).click();
  await (await find(browser, '[data-testid="engine-remove-confirm"]')).click();
  await until('its row to go', 10_000, async () => !(await (await browser.$(`[data-testid="engine-row-${NAME}"]`)).isExisting()));
  const names = docker(['context', 'ls', '--format', '{{.Name}}']).split('\n');
  assert.ok(!names.includes(NAME), `the context is gone: ${names}`);
});
