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
import { startTlsEngine } from '../lib/tls-engine.mjs';

const NAME = `e2e-tls-${process.pid}`;
const project = `dme2e-engines-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
const REGION = 'lyra';
const SOLO = 'vela';
/** The label the app puts on everything of a region (with the project's name). */
const REGION_LABEL = 'dev.dockmaster.project';
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
  const filter = `label=${REGION_LABEL}=${project}`;
  return [
    ...dockerIds(['-H', engine.sock, 'ps', '-aq', '--filter', filter]).map((id) => `container ${id}`),
    ...dockerIds(['-H', engine.sock, 'network', 'ls', '-q', '--filter', filter]).map((id) => `network ${id}`),
    ...dockerIds(['-H', engine.sock, 'volume', 'ls', '-q', '--filter', filter]).map((id) => `volume ${id}`),
  ];
}

async function setField(id, value) {
  const input = await find(browser, `#region-${id}`);
  await input.clearValue();
  await input.setValue(value);
}

async function waitStep(label) {
  await until(`wizard step ${label}`, 15_000, async () =>
    (await textIn(browser, '[aria-current="step"]'))?.endsWith(label) || (await textIn(browser, '[aria-current="step"]')));
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
  await (await find(browser, '[data-testid="new-region"]')).click();
  await find(browser, '[data-testid="region-wizard"]');
  await setField('name', REGION);
  await (await find(browser, '[data-testid="generate-owner"]')).click();
  await (await find(browser, '[data-testid="wizard-next"]')).click();
  await waitStep('Resources');
  await setField('cpuCores', '1');
  await setField('memoryGb', '2');
  await (await find(browser, '[data-testid="wizard-next"]')).click();
  await waitStep('Game settings');
  await (await find(browser, '[data-testid="wizard-next"]')).click();
  await waitStep('Where');

  // Where: the project's (local) engine lacks the stack's networks; the private one has them. Pick it.
  await find(browser, `[data-testid="place-${NAME}"]`, 20_000);
  assert.match(await textIn(browser, '[data-testid="place-note-default"]'), /stack's networks are not there/);
  assert.match(await textIn(browser, `[data-testid="place-note-${NAME}"]`), /stack's networks are there/);
  assert.match(await textIn(browser, `[data-testid="place-${NAME}"]`), new RegExp(`tcp://${engine.address}`));
  await (await find(browser, `[data-testid="place-${NAME}"]`)).click();
  assert.equal(await (await find(browser, `[data-testid="place-${NAME}"] input`)).isSelected(), true);
  await (await find(browser, '[data-testid="wizard-next"]')).click();
  await waitStep('Review plan');
  await find(browser, '[data-testid="region-plan"]', 30_000);
  assert.equal((await browser.$$('[data-testid="plan-network-join"]')).length, 2, 'the private engine\'s stack networks are joined');
  assert.deepEqual(regionOnPrivate(), [], 'planning created nothing');

  await (await find(browser, '[data-testid="wizard-create"]')).click();
  await find(browser, '[data-testid="wizard-done"]', 150_000);

  // The region's containers are on the private engine, healthy; none on the shared one; the password in the
  // private engine's keychain namespace.
  const onEngine = dockerIds(['-H', engine.sock, 'ps', '-q', '--filter', `label=${REGION_LABEL}=${project}`, '--filter', `label=dev.dockmaster.region=${REGION}`]);
  assert.equal(onEngine.length, 2, 'the database and the server on the private engine');
  for (const id of onEngine) assert.equal(onPrivate(['inspect', '-f', '{{.State.Health.Status}}', id]), 'healthy');
  assert.deepEqual(labelled(project, REGION_LABEL), { containers: [], networks: [], volumes: [] }, 'nothing of the region on the shared engine');
  assert.equal(storedPassword()?.length, 32, 'its password in the private engine\'s namespace');

  // The Regions page lists it with that engine, healthy.
  await (await find(browser, '[data-testid="wizard-finish"]')).click();
  const key = `${NAME}/${REGION}`;
  await find(browser, `[data-testid="region-row-${key}"]`, 20_000);
  assert.equal(await textIn(browser, `[data-testid="region-engine-${key}"]`), NAME);
  await until('the remote region to be healthy', 30_000, async () => {
    const state = await textIn(browser, `[data-testid="region-state-${key}"]`);
    return state === 'running · healthy' || state;
  });
  await screenshot(browser, 'engines-region-on-tls-engine');

  // Removed with its volumes (confirmed in the dialog): nothing of it left on the private engine, nor its password.
  await (await find(browser, `[data-testid="region-remove-${key}"]`)).click();
  await find(browser, '[data-testid="remove-dialog"]');
  await (await find(browser, '[data-testid="remove-volumes"]')).click();
  await (await find(browser, '[data-testid="remove-confirm"]')).click();
  await find(browser, '[data-testid="regions-empty"]', 60_000);
  assert.deepEqual(regionOnPrivate(), [], 'no container, network or volume of the region is left there');
  assert.equal(storedPassword(), null, 'its password left the keychain');
  // The stack's networks are not the region's: they stay (they go with the private engine).
  assert.equal(dockerIds(['-H', engine.sock, 'network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]).length, 2);
});

test('without the stack there, a standalone region goes on the TLS engine with a network of its own', async () => {
  // The stack's networks gone from the private engine (the test made them).
  for (const key of ['nexus-network', 'regional-network']) onPrivate(['network', 'rm', `${project}_${key}`]);
  await (await find(browser, '[data-testid="new-region"]')).click();
  await setField('name', SOLO);
  await (await find(browser, '[data-testid="generate-owner"]')).click();
  for (const step of ['Resources', 'Game settings', 'Where']) {
    if (step === 'Game settings') {
      await setField('cpuCores', '1');
      await setField('memoryGb', '2');
    }
    await (await find(browser, '[data-testid="wizard-next"]')).click();
    await waitStep(step);
  }
  await find(browser, `[data-testid="place-${NAME}"]`, 20_000);
  assert.match(await textIn(browser, `[data-testid="place-note-${NAME}"]`), /standalone region/);
  await (await find(browser, `[data-testid="place-${NAME}"]`)).click();
  const standalone = await find(browser, '[data-testid="place-standalone"] input');
  await standalone.click();
  assert.equal(await standalone.isSelected(), true);
  await screenshot(browser, 'engines-region-standalone-where');
  await (await find(browser, '[data-testid="wizard-next"]')).click();
  await waitStep('Review plan');
  await find(browser, '[data-testid="region-plan"]', 30_000);
  assert.equal((await browser.$$('[data-testid="plan-network-join"]')).length, 0, 'it joins none of the stack\'s networks');
  assert.equal((await browser.$$('[data-testid="plan-network-create"]')).length, 1, 'a network of its own');
  assert.match(await browser.getPageSource(), /standalone: the region joins none of the stack's networks/);
  await (await find(browser, '[data-testid="wizard-create"]')).click();
  await find(browser, '[data-testid="wizard-done"]', 150_000);

  const server = `${project}-region-${SOLO}-server`;
  assert.equal(onPrivate(['inspect', '-f', '{{.State.Health.Status}}', server]), 'healthy');
  assert.equal(onPrivate(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', server]), `${project}-region-${SOLO}-network`);
  assert.deepEqual(labelled(project, REGION_LABEL), { containers: [], networks: [], volumes: [] }, 'nothing on the shared engine');

  await (await find(browser, '[data-testid="wizard-finish"]')).click();
  const key = `${NAME}/${SOLO}`;
  await until('the standalone region to be healthy', 30_000, async () => {
    const state = await textIn(browser, `[data-testid="region-state-${key}"]`);
    return state === 'running · healthy' || state;
  });
  await (await find(browser, `[data-testid="region-remove-${key}"]`)).click();
  await find(browser, '[data-testid="remove-dialog"]');
  await (await find(browser, '[data-testid="remove-volumes"]')).click();
  await (await find(browser, '[data-testid="remove-confirm"]')).click();
  await find(browser, '[data-testid="regions-empty"]', 60_000);
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
