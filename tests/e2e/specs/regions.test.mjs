// The real app's Regions page on a copy of the demo project, with the real engine and keychain: the wizard
// checks each step, the review first reports the missing stack networks (preflight) and then, once the test
// has created them (what `up --profile multi-regional` would create first), shows the plan; applying creates
// the region with live progress, the done step gives the server's URL (which answers), the Regions page shows
// it healthy, and removing it with its volumes (confirmed in the dialog) leaves nothing behind. The copy runs
// under a project name of its own; everything the test created is removed by label at the end, keychain
// items included.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launch, find, screenshot } from '../lib/app.mjs';
import { clearSecrets, keychainService, lookupSecret } from '../lib/keychain.mjs';
import { COMPOSE_LABEL, demoFiles, docker, dockerIds as ids, freeSubnets, labelled, removeLabelled } from '../lib/stack.mjs';

const project = `dme2e-region-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
const REGION = 'orion';
/** The label the app puts on everything of a region (with the project's name). */
const REGION_LABEL = 'dev.dockmaster.project';
let dir;
let browser;
let serverUrl;

/** Everything carrying the region label of this project: `kind id` lines. */
function regionObjects() {
  const { containers, networks, volumes } = labelled(project, REGION_LABEL);
  return [
    ...containers.map((id) => `container ${id}`),
    ...networks.map((id) => `network ${id}`),
    ...volumes.map((id) => `volume ${id}`),
  ];
}

/** What `docker compose --profile multi-regional up` creates first: the two networks the template joins. */
function stackNetworksUp() {
  const [nexus, regional] = freeSubnets();
  for (const [key, subnet] of [['nexus-network', nexus], ['regional-network', regional]]) {
    docker([
      'network', 'create',
      '--label', `${COMPOSE_LABEL}=${project}`,
      '--label', `com.docker.compose.network=${key}`,
      '--label', 'dockmaster.test=1',
      '--subnet', subnet,
      `${project}_${key}`,
    ]);
  }
}

/** The keychain service the region's password lives under (`region/secret.rs`). */
function passwordService() {
  return keychainService(path.join(dir, '.dockmaster', 'regions', project, REGION));
}

function storedPassword() {
  const stored = lookupSecret(passwordService(), 'REGION_DB_PASSWORD');
  return stored === '' ? null : stored;
}

async function text(testId) {
  return (await (await find(browser, `[data-testid="${testId}"]`)).getProperty('textContent')).replace(/\s+/g, ' ').trim();
}

/** The texts of a row's data cells. */
async function cells(testId) {
  const out = [];
  for (const td of await browser.$$(`[data-testid="${testId}"] td`)) out.push((await td.getProperty('textContent')).replace(/\s+/g, ' ').trim());
  return out;
}

async function waitText(testId, pattern, timeout, what) {
  let last = '';
  try {
    await browser.waitUntil(
      async () => {
        const el = await browser.$(`[data-testid="${testId}"]`);
        last = (await el.isExisting()) ? (await el.getProperty('textContent')).replace(/\s+/g, ' ').trim() : '';
        return pattern.test(last);
      },
      { timeout, interval: 250 },
    );
  } catch {
    await screenshot(browser, 'regions-failure');
    throw new Error(`${what}: "${testId}" never matched ${pattern} (last: "${last}")`);
  }
}

/** Scrolls the content pane (not the page: WebKit would scroll the whole window) to the top. */
async function scrollTop() {
  await browser.execute(() => {
    document.querySelector('main.content').scrollTop = 0;
  });
}

async function setField(id, value) {
  const input = await find(browser, `#region-${id}`);
  await input.clearValue();
  await input.setValue(value);
}

async function currentStep() {
  return (await (await find(browser, '[aria-current="step"]')).getProperty('textContent')).trim();
}

async function waitStep(label) {
  await browser.waitUntil(async () => (await currentStep()).endsWith(label), { timeout: 15000, timeoutMsg: `wizard step ${label}` });
}

before(async () => {
  // A name and prefix of its own; the stack's networks come from the test (stackNetworksUp).
  dir = demoFiles('dockmaster-e2e-regions-');
  writeFileSync(path.join(dir, '.env'), `COMPOSE_PROJECT_NAME=${project}\nDEMO_CONTAINER_PREFIX=${project}\n`);
  browser = await launch(dir);
  const name = await find(browser, '[data-testid="project-name"]');
  await browser.waitUntil(async () => (await name.getText()).includes(project), { timeout: 15000, timeoutMsg: 'project opened' });
  await (await find(browser, 'a[href="#view-regions"]')).click();
});

after(async () => {
  await browser?.deleteSession();
  // Everything the test (or the app, for it) created, by label: the region's objects, then the stack networks.
  removeLabelled(project, [REGION_LABEL, COMPOSE_LABEL]);
  if (dir) {
    clearSecrets(passwordService(), 'REGION_DB_PASSWORD');
    assert.equal(storedPassword(), null, 'the test left no keychain item behind');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the wizard checks each step; the review says to start the stack first, then shows the plan', async () => {
  await find(browser, '[data-testid="regions-empty"]', 20000);
  await (await find(browser, '[data-testid="new-region"]')).click();
  await find(browser, '[data-testid="region-wizard"]');

  // Details: nothing typed yet → both required fields are named, focus on the first.
  await (await find(browser, '[data-testid="wizard-next"]')).click();
  await waitText('field-error-name', /Must be 3–50 characters/, 5000, 'the name rule');
  assert.match(await text('field-error-ownerId'), /Must be a UUID/);
  assert.equal(await browser.execute(() => document.activeElement?.id), 'region-name');
  await setField('name', 'admin');
  await waitText('field-error-name', /reserved name/, 5000, 'a reserved name');
  await screenshot(browser, 'regions-wizard-details-invalid');

  await setField('name', REGION);
  await (await find(browser, '[data-testid="generate-owner"]')).click();
  const owner = await (await find(browser, '#region-ownerId')).getValue();
  assert.match(owner, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  await (await find(browser, '[data-testid="wizard-next"]')).click();
  await waitStep('Resources');

  // Resources: out of range is refused; then 1 core, 2 GB.
  await setField('memoryGb', '32');
  await (await find(browser, '[data-testid="wizard-next"]')).click();
  await waitText('field-error-memoryGb', /between 2 and 16/, 5000, 'the memory range');
  await setField('cpuCores', '1');
  await setField('memoryGb', '2');
  await screenshot(browser, 'regions-wizard-resources');
  await (await find(browser, '[data-testid="wizard-next"]')).click();
  await waitStep('Game settings');

  // Game settings.
  await setField('maxPlayers', '200');
  await (await find(browser, 'input[name="governance"][value="democracy"]')).click();
  await (await find(browser, '#region-economy')).selectByAttribute('value', 'commerce');
  await setField('startingCredits', '2500');
  await screenshot(browser, 'regions-wizard-game');
  await (await find(browser, '[data-testid="wizard-next"]')).click();
  await waitStep('Where');

  // Where: the project's engine (the only one known here), chosen, saying what applies there.
  await find(browser, '[data-testid="place-default"]', 15000);
  assert.equal(await (await find(browser, '[data-testid="place-default"] input')).isSelected(), true);
  assert.match(await text('place-note-default'), /stack's networks are not there/);
  await screenshot(browser, 'regions-wizard-where');
  await (await find(browser, '[data-testid="wizard-next"]')).click();
  await waitStep('Review plan');

  // The stack is not up: the review names the missing networks and what to start.
  await waitText('error-panel', /not running/, 30000, 'the preflight problem');
  const problem = await text('error-panel');
  assert.match(problem, new RegExp(`${project}_nexus-network`));
  assert.match(problem, /dockmaster up --profile multi-regional/);
  assert.equal(await (await find(browser, '[data-testid="error-panel"]')).getAttribute('data-code'), 'REGION_PREFLIGHT');
  assert.equal(await (await find(browser, '[data-testid="wizard-create"]')).isEnabled(), false);
  await scrollTop();
  await screenshot(browser, 'regions-review-preflight');

  // Start "the stack" (its networks), then check again: the plan.
  stackNetworksUp();
  const again = await (await find(browser, '[data-testid="error-panel"]')).$('button*=Check again');
  await again.click();
  await find(browser, '[data-testid="region-plan"]', 30000);
  const created = await browser.$$('[data-testid="plan-network-create"]');
  const joined = await browser.$$('[data-testid="plan-network-join"]');
  assert.equal(created.length, 1, 'one network is created for the region');
  assert.equal(joined.length, 2, 'the two stack networks are joined');
  assert.match(await created[0].getProperty('textContent'), new RegExp(`${project}-region-${REGION}-network`));
  assert.match(await text('plan-container-db'), /dockmaster\/demo-busybox:latest/);
  assert.deepEqual((await cells('plan-container-server')).slice(3, 5), ['1', '2 GB'], 'the server gets the limits asked for');
  assert.deepEqual(await cells('plan-env-db-POSTGRES_PASSWORD'), ['••••••'], 'the password is masked');
  assert.match(await text('plan-env-server-MAX_PLAYERS'), /200/);
  assert.match(await text('plan-env-server-GOVERNANCE_TYPE'), /democracy/);
  serverUrl = await text('plan-server-url');
  assert.match(serverUrl, /^http:\/\/localhost:\d+$/);
  assert.deepEqual(regionObjects(), [], 'planning created nothing');
  await scrollTop();
  await screenshot(browser, 'regions-review-plan');
});

test('applying shows live progress, then the server URL, which answers', async () => {
  await (await find(browser, '[data-testid="wizard-create"]')).click();
  await find(browser, '[data-testid="apply-steps"]');
  // Mid-way: the database is being waited for (its healthcheck takes a few seconds).
  await browser.waitUntil(
    async () => {
      const el = await browser.$('[data-testid^="step-waitDbHealthy"]');
      return (await el.isExisting()) && ['running', 'done'].includes(await el.getAttribute('data-status'));
    },
    { timeout: 60000, timeoutMsg: 'the database is being waited for' },
  );
  await screenshot(browser, 'regions-apply-progress');
  await find(browser, '[data-testid="wizard-done"]', 150000);
  const statuses = await browser.$$('[data-testid="apply-steps"] li');
  assert.equal(statuses.length, 0, 'the done step replaces the progress');
  const url = await text('region-server-url');
  assert.equal(url, serverUrl, 'the URL the plan promised');
  const answer = await fetch(url).then((r) => r.text(), (e) => assert.fail(`${url} does not answer: ${e.cause ?? e}`));
  assert.match(answer, /regional-server-template/);
  await screenshot(browser, 'regions-done');

  // On the engine: two healthy containers with the region's labels; the password only in the keychain.
  const containers = ids(['ps', '-q', '--filter', `label=dev.dockmaster.project=${project}`, '--filter', `label=dev.dockmaster.region=${REGION}`]);
  assert.equal(containers.length, 2);
  for (const id of containers) assert.equal(docker(['inspect', '-f', '{{.State.Health.Status}}', id]), 'healthy');
  const password = storedPassword();
  assert.equal(password?.length, 32, 'a generated password in the keychain');
  assert.ok(!(await browser.getPageSource()).includes(password), 'the window never got the password');
});

test('the Regions page lists the region healthy, with its plan one click away', async () => {
  await (await find(browser, '[data-testid="wizard-finish"]')).click();
  await find(browser, `[data-testid="region-row-${REGION}"]`);
  await waitText(`region-state-${REGION}`, /^running · healthy$/, 20000, 'the region is healthy');
  assert.equal(await (await find(browser, `[data-testid="region-state-${REGION}"]`)).getAttribute('data-tone'), 'ok');
  assert.equal(await text(`region-url-${REGION}`), serverUrl.replace('http://', ''));
  assert.match(await text(`region-row-${REGION}`), /1 CPU core · 2 GB\s*200 players · democracy · commerce economy/);
  await screenshot(browser, 'regions-page-healthy');

  await (await find(browser, `[data-testid="region-show-${REGION}"]`)).click();
  await find(browser, '[data-testid="shown-plan"] [data-testid="region-plan"]', 20000);
  assert.deepEqual(await cells('plan-env-db-POSTGRES_PASSWORD'), ['••••••']);
  await screenshot(browser, 'regions-page-plan');
});

test('removing the region with its volumes (confirmed by name) leaves nothing behind', async () => {
  await scrollTop();
  const volumes = ids(['volume', 'ls', '-q', '--filter', `label=dev.dockmaster.project=${project}`]);
  assert.ok(volumes.length > 0, 'the region has volumes');
  await (await find(browser, `[data-testid="region-remove-${REGION}"]`)).click();
  const dialog = await find(browser, '[data-testid="remove-dialog"]');
  const named = [];
  for (const el of await browser.$$('[data-testid="remove-volume-name"]')) named.push((await el.getProperty('textContent')).trim());
  assert.deepEqual(named.sort(), volumes.sort(), 'the dialog names exactly the region volumes');
  await (await find(browser, '[data-testid="remove-volumes"]')).click();
  assert.match(await dialog.getProperty('textContent'), /database password is removed from the OS keychain too/);
  await screenshot(browser, 'regions-remove-dialog');
  await (await find(browser, '[data-testid="remove-confirm"]')).click();
  await find(browser, '[data-testid="regions-empty"]', 60000);
  await waitText('regions-notice', /Removed region orion: 2 containers, 1 network, 1 volume, and its database password/, 5000, 'the removal notice');
  assert.deepEqual(regionObjects(), [], 'no container, network or volume of the region is left');
  assert.equal(storedPassword(), null, 'its password left the keychain');
  // The stack's networks are not the region's: they stay.
  assert.equal(ids(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`]).length, 2);
  await screenshot(browser, 'regions-removed');
});

test('cancelling an apply rolls back what it created, shown step by step', async () => {
  const name = 'vega';
  await (await find(browser, '[data-testid="new-region"]')).click();
  await setField('name', name);
  await (await find(browser, '[data-testid="generate-owner"]')).click();
  for (const step of ['Resources', 'Game settings', 'Where', 'Review plan']) {
    // The Where step's Next waits for the engines to be asked.
    if (step === 'Review plan') await find(browser, '[data-testid="place-default"]', 15000);
    await (await find(browser, '[data-testid="wizard-next"]')).click();
    await waitStep(step);
  }
  await find(browser, '[data-testid="region-plan"]', 30000);
  await (await find(browser, '[data-testid="wizard-create"]')).click();
  // Cancel while the database is being waited for: by then a network, a volume, a container and the
  // password exist.
  await browser.waitUntil(
    async () => {
      const el = await browser.$('[data-testid^="step-waitDbHealthy"]');
      return (await el.isExisting()) && (await el.getAttribute('data-status')) === 'running';
    },
    { timeout: 60000, interval: 100, timeoutMsg: 'the database is being waited for' },
  );
  await (await find(browser, '[data-testid="wizard-cancel"]')).click();
  await waitText('apply-rollback', /^Rolled back/, 60000, 'the rollback');
  const removed = await browser.$$('[data-testid="apply-rollback"] li[data-status="done"]');
  assert.ok(removed.length >= 4, `container, network, volume and password removed (got ${removed.length})`);
  assert.equal(await (await find(browser, '[data-testid="error-panel"]')).getAttribute('data-code'), 'REGION_APPLY_CANCELLED');
  const left = ids(['ps', '-aq', '--filter', `label=dev.dockmaster.region=${name}`, '--filter', `label=dev.dockmaster.project=${project}`]);
  assert.deepEqual(left, [], 'no container of the cancelled apply remains');
  assert.deepEqual(regionObjects(), [], 'nothing of the cancelled apply remains');
  await browser.execute(() => {
    const main = document.querySelector('main.content');
    main.scrollTop = main.scrollHeight;
  });
  await screenshot(browser, 'regions-apply-cancelled');
  await (await find(browser, '[data-testid="wizard-close"]')).click();
  await find(browser, '[data-testid="regions-empty"]');
});
