// The Engines page in the real window: the local engine listed as reachable with the version the engine itself
// reports; a second, private engine (a dockerd of the test's own on loopback with TLS verification) added from
// the page's form, saved as a Docker context the docker CLI reaches too; the project switched to it in the header
// and the dashboard's engine following it without a restart, then back; a region created on that engine from the
// region wizard (its Where step picks the private engine while the project stays on the local one): its containers
// on the private engine and none on the shared one, listed on the Regions page with that engine, then removed with
// its volumes and password; then, the stack's networks gone from it, a standalone region there (a network of its
// own, joining none of the stack's), created and removed the same way; the engine removed from the page. Every
// context is written to the harness's throwaway DOCKER_CONFIG, never ~/.docker; the demo copy has a project name of
// its own.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chooseProjectEngine, launch, find, screenshot, setValue, textIn, until as waitUntil } from '../lib/app.mjs';
import { clearSecrets, keychainService, lookupSecret } from '../lib/keychain.mjs';
import { demoFiles, docker, dockerIds, freeSubnets, labelled } from '../lib/stack.mjs';
import { REGION_LABEL, chooseWhere, regionContainers, regionObjects, regionRowHealthy, removeRegion, reviewAndCreate, rowKey, wizardToWhere } from '../lib/regions.mjs';
import { startTlsEngine } from '../lib/tls-engine.mjs';

const NAME = `e2e-tls-${process.pid}`;
const project = `dme2e-engines-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
const REGION = 'lyra';
const SOLO = 'vela';
const IMAGE = 'dockmaster/demo-busybox:latest';
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
  writeFileSync(path.join(dir, '.env'), `COMPOSE_PROJECT_NAME=${project}\nDEMO_CONTAINER_PREFIX=${project}\n`);
  browser = await launch(dir);
});

after(async () => {
  await browser?.deleteSession();
  try {
    docker(['context', 'rm', '-f', NAME]);
  } catch {
    // removed by the test already
  }
  // The region's objects live on the private engine, which goes with its folder; its password is ours to clear.
  if (dir) for (const region of [REGION, SOLO]) clearSecrets(regionPasswordService(region), 'REGION_DB_PASSWORD');
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

/** `docker ARGS` against the private engine (its own socket). */
function onPrivate(args) {
  return docker(['-H', engine.sock, ...args]);
}

/** The keychain service of the region's password: the private engine's namespace (`region/secret.rs`). */
function regionPasswordService(region = REGION) {
  return keychainService(path.join(dir, '.dockmaster', 'engines', NAME, 'regions', project, region));
}

function storedPassword(region = REGION) {
  const stored = lookupSecret(regionPasswordService(region), 'REGION_DB_PASSWORD');
  return stored === '' || stored === null ? null : stored;
}

/** The region's containers, networks and volumes on the private engine: `kind id` lines. */
function regionOnPrivate() {
  return regionObjects(engine.sock, project);
}

test('a region is created on the TLS engine from the wizard\'s Where step, listed with it, and removed', async () => {
  // The private engine gets what a region needs there: the demo image (copied from the shared engine) and the
  // stack's two networks (what `up --profile multi-regional` would create first there).
  execFileSync('sh', ['-c', `docker save "$0" | docker -H "$1" load -q`, IMAGE, engine.sock], { stdio: ['ignore', 'ignore', 'pipe'] });
  const [nexus, regional] = freeSubnets();
  for (const [key, subnet] of [['nexus-network', nexus], ['regional-network', regional]]) {
    onPrivate(['network', 'create', '--label', `com.docker.compose.project=${project}`, '--label', `com.docker.compose.network=${key}`,
      '--label', 'dockmaster.test=1', '--subnet', subnet, `${project}_${key}`]);
  }

  await (await find(browser, 'a[href="#view-regions"]')).click();
  await find(browser, '[data-testid="regions-empty"]', 20_000);
  await wizardToWhere(until, browser, REGION);

  // Where: the project's (local) engine lacks the stack's networks; the private one has them. Pick it.
  await chooseWhere(browser, NAME);
  assert.match(await textIn(browser, '[data-testid="place-note-default"]'), /stack's networks are not there/);
  assert.match(await textIn(browser, `[data-testid="place-note-${NAME}"]`), /stack's networks are there/);
  assert.match(await textIn(browser, `[data-testid="place-${NAME}"]`), new RegExp(`tcp://${engine.address}`));
  await reviewAndCreate(until, browser, {
    joins: 2, // the private engine's stack networks
    planned: () => assert.deepEqual(regionOnPrivate(), [], 'planning created nothing'),
  });

  // The region's containers are on the private engine, healthy; none on the shared one; the password in the
  // private engine's keychain namespace.
  const onEngine = regionContainers(engine.sock, project, REGION);
  assert.equal(onEngine.length, 2, 'the database and the server on the private engine');
  for (const id of onEngine) assert.equal(onPrivate(['inspect', '-f', '{{.State.Health.Status}}', id]), 'healthy');
  assert.deepEqual(labelled(project, REGION_LABEL), { containers: [], networks: [], volumes: [] }, 'nothing of the region on the shared engine');
  assert.equal(storedPassword()?.length, 32, 'its password in the private engine\'s namespace');

  // The Regions page lists it with that engine, healthy.
  await regionRowHealthy(until, browser, rowKey(REGION, NAME, { home: false }), NAME);
  await screenshot(browser, 'engines-region-on-tls-engine');

  // Removed with its volumes (confirmed in the dialog): nothing of it left on the private engine, nor its password.
  await removeRegion(browser, rowKey(REGION, NAME, { home: false }));
  assert.deepEqual(regionOnPrivate(), [], 'no container, network or volume of the region is left there');
  assert.equal(storedPassword(), null, 'its password left the keychain');
  // The stack's networks are not the region's: they stay (they go with the private engine).
  assert.equal(dockerIds(['-H', engine.sock, 'network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]).length, 2);
});

test('without the stack there, a standalone region goes on the TLS engine with a network of its own', async () => {
  // The stack's networks gone from the private engine (the test made them).
  for (const key of ['nexus-network', 'regional-network']) onPrivate(['network', 'rm', `${project}_${key}`]);
  await wizardToWhere(until, browser, SOLO);
  await chooseWhere(browser, NAME, { standalone: true });
  assert.match(await textIn(browser, `[data-testid="place-note-${NAME}"]`), /standalone region/);
  await screenshot(browser, 'engines-region-standalone-where');
  await reviewAndCreate(until, browser, {
    joins: 0, // none of the stack's
    creates: 1, // a network of its own
    planned: async () => assert.match(await browser.getPageSource(), /standalone: the region joins none of the stack's networks/),
  });

  const server = `${project}-region-${SOLO}-server`;
  assert.equal(onPrivate(['inspect', '-f', '{{.State.Health.Status}}', server]), 'healthy');
  assert.equal(onPrivate(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', server]), `${project}-region-${SOLO}-network`);
  assert.deepEqual(labelled(project, REGION_LABEL), { containers: [], networks: [], volumes: [] }, 'nothing on the shared engine');

  await regionRowHealthy(until, browser, rowKey(SOLO, NAME, { home: false }), NAME);
  await removeRegion(browser, rowKey(SOLO, NAME, { home: false }));
  assert.deepEqual(regionOnPrivate(), [], 'its containers, network and volumes are gone');
  assert.equal(storedPassword(SOLO), null, 'its password left the keychain');
  await (await find(browser, 'a[href="#view-engines"]')).click();
});

test('the engine is removed from the page after confirming', async () => {
  await (await find(browser, `[data-testid="engine-remove-${NAME}"]`)).click();
  await (await find(browser, '[data-testid="engine-remove-confirm"]')).click();
  await until('its row to go', 10_000, async () => !(await (await browser.$(`[data-testid="engine-row-${NAME}"]`)).isExisting()));
  const names = docker(['context', 'ls', '--format', '{{.Name}}']).split('\n');
  assert.ok(!names.includes(NAME), `the context is gone: ${names}`);
});
