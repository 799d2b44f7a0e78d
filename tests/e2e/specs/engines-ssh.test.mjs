// An SSH engine in the real window (issue 11): a private SSH host of the test's own (sshd on loopback whose one
// authorized key reaches a private dockerd, tests/e2e/lib/ssh-engine.mjs) added from the Engines page with a key
// file, the app running with NO SSH agent (its Compose reaches the engine through its own relay socket with that key); the unknown host key shown with the fingerprint `ssh-keygen -lf` prints for it and recorded only after
// "Accept this key and add"; the engine listed reachable with its version and reachable by `docker --context NAME`;
// the project switched to it in the header and the dashboard's engine banner following it; the demo image copied to
// it with the preflight's "Copy to engine" and the development profile started there from the window until every
// card is healthy (the containers on the private engine, none on the shared one); a region created there from the
// region wizard (development made the stack's networks there, so it joins them), healthy on the private engine and
// none on the shared one, its password in that engine's keychain namespace, listed on the Regions page with that
// engine, then removed with its volumes and password; then the project switched back and the engine removed. `after` removes the stack (compose down -v on the private engine), the
// context, the keychain items, stops sshd, the agent and the private dockerd by PID and deletes the folders. The
// app runs in a private mount namespace where root's home is the test's folder, so the known_hosts it
// writes is the test's, never ~/.ssh; contexts go to the harness's throwaway DOCKER_CONFIG, never ~/.docker.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chooseProjectEngine, launch, find, screenshot, setValue, textIn, until as waitUntil } from '../lib/app.mjs';
import { clearSecrets, keychainService, lookupSecret } from '../lib/keychain.mjs';
import { DEV, demoCopy, docker, labelled, removeLabelled } from '../lib/stack.mjs';
import { REGION_LABEL, chooseWhere, regionContainers, regionObjects, regionRowHealthy, removeRegion, reviewAndCreate, rowKey, wizardToWhere } from '../lib/regions.mjs';
import { engineDocker, fingerprint, sshDocker, startSshEngine } from '../lib/ssh-engine.mjs';

const NAME = `e2e-ssh-${process.pid}`;
const project = `dme2e-ssh-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
const SECRETS = ['JWT_SECRET', 'SECRET_KEY', 'ADMIN_PASSWORD'];
const REGION = 'orion';
const IMAGE = 'dockmaster/demo-busybox:latest';
let keychain;
let dir;
let engine;
let browser;
const homeKnownHosts = path.join(process.env.HOME ?? '/nonexistent', '.ssh/known_hosts');
const homeKnownBefore = existsSync(homeKnownHosts) ? readFileSync(homeKnownHosts, 'utf8') : null;

/** The shared `until`, with a screenshot named after what was awaited. */
const until = (what, timeout, check) =>
  waitUntil(what, timeout, check, { browser, shot: `engines-ssh-${what.replace(/\W+/g, '-')}`, detail: () => engine?.log() ?? '' });

before(async () => {
  assert.ok(process.env.DOCKER_CONFIG, 'the harness sets a throwaway DOCKER_CONFIG (tests/e2e/run.sh)');
  assert.notEqual(path.resolve(process.env.DOCKER_CONFIG), path.resolve(process.env.HOME ?? '/', '.docker'));
  engine = await startSshEngine();
  ({ dir } = await demoCopy('dockmaster-e2e-engines-ssh-', project));
  // The admin name is no secret: in the copy's .env; the secrets are generated into the keychain from the window.
  appendFileSync(path.join(dir, '.env'), 'ADMIN_USERNAME=e2e-admin\n');
  keychain = keychainService(dir);
  browser = await launch(dir, { application: engine.app });
});

after(async () => {
  await browser?.deleteSession();
  try {
    docker(['context', 'rm', '-f', NAME]);
  } catch {
    // removed by the test already
  }
  if (engine) {
    try {
      engineDocker(engine, ['compose', '-p', project, 'down', '-v', '--remove-orphans', '--timeout', '5']);
    } catch (e) {
      console.error(`compose down on the private engine: ${e.stderr ?? e.message}`);
    }
    await engine.stop();
  }
  if (dir) {
    clearSecrets(keychain);
    // The region's objects go with the private engine; its password (if a failed test left it) is ours to clear.
    clearSecrets(regionPasswordService(), 'REGION_DB_PASSWORD');
    rmSync(dir, { recursive: true, force: true });
    // Nothing of the project on the shared engine (it ran on the private one only).
    const left = labelled(project);
    removeLabelled(project);
    assert.deepEqual(left, { containers: [], networks: [], volumes: [] }, 'nothing of the project reached the shared engine');
    for (const name of SECRETS) assert.equal(lookupSecret(keychain, name), null, `the test left no ${name} in the keychain`);
  }
});

async function click(testId, timeout = 15000) {
  const el = await find(browser, `[data-testid="${testId}"]`, timeout);
  await el.waitForEnabled({ timeout });
  await el.click();
}

/** Development selected on the overview (the chip pressed). */
async function selectDevelopment() {
  const chip = await find(browser, '[data-testid="profile-chip-development"]');
  if ((await chip.getAttribute('aria-pressed')) !== 'true') await chip.click();
  await until('development to be selected', 5000, async () => (await chip.getAttribute('aria-pressed')) === 'true');
}

test('an SSH engine is added from the page with a key file, after accepting its host key by fingerprint', async () => {
  await (await find(browser, 'a[href="#view-engines"]')).click();
  await (await find(browser, '[data-testid="engines-add"]')).click();
  await (await find(browser, '[data-testid="engine-form-kind-ssh"]')).click();
  await setValue(browser, 'engine-form-name', NAME);
  await setValue(browser, 'engine-form-destination', `${engine.user}@127.0.0.1:${engine.port}`);
  await setValue(browser, 'engine-form-keyfile', engine.clientKey);
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
    // The note: Dockmaster's own starts use the key file; a terminal's docker CLI only through the agent or ~/.ssh/config.
    if (added) {
      return (added.includes(`Docker ${engine.version}`) && added.includes(expected) && added.includes("Dockmaster's own starts (Compose too) use") &&
        added.includes(`\`docker --context ${NAME}\` runs ssh itself`) && added.includes(`ssh-add ${engine.clientKey}`)) || added;
    }
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

test('switching the project to the SSH engine in the header makes the dashboard follow it', async () => {
  await chooseProjectEngine(browser, NAME);
  await until('the banner to show the SSH engine', 30_000, async () => {
    const text = await textIn(browser, '[data-testid="engine-status"]');
    return (text?.includes('Connected') && text.includes(`ssh://${engine.user}@127.0.0.1:${engine.port}`) &&
      text.includes(`Docker ${engine.version}`)) || text;
  });
  await until('the page to mark it as this project\'s', 10_000, async () =>
    (await textIn(browser, `[data-testid="engine-here-${NAME}"]`)) === 'this project');
});

test('the demo image is copied to the SSH engine from the preflight and development starts there, healthy', async () => {
  // The secrets, generated into the keychain from the Environment view.
  await (await find(browser, 'a[href="#view-environment"]')).click();
  for (const name of SECRETS) {
    await click(`env-generate-${name}`);
    await until(`${name} to be set`, 10_000, async () => (await textIn(browser, `[data-testid="env-status-${name}"]`)) === 'Set');
    assert.ok(lookupSecret(keychain, name), `secret-tool finds ${name}`);
  }
  assert.throws(() => engineDocker(engine, ['image', 'inspect', IMAGE]), 'the private engine lacks the demo image at first');

  await (await find(browser, 'a[href="#view-overview"]')).click();
  await selectDevelopment();
  await click('lifecycle-start');
  // The preflight blocks on the image missing on the SSH engine; "Copy to engine" copies it (never pulled).
  await until('the copy button for the demo image', 60_000, async () => {
    const b = await browser.$('[data-testid="preflight-copy-image"]');
    if (await b.isExisting()) return (await b.getAttribute('data-image')) === IMAGE || (await b.getAttribute('data-image'));
    return (await textIn(browser, '[data-testid="lifecycle-panel"]')) ?? 'no panel yet';
  });
  await screenshot(browser, 'engines-ssh-01-image-missing');
  await click('preflight-copy-image');
  // Copied, the preflight checks again and the start runs.
  await until('"Started development" on the SSH engine', 240_000, async () => {
    const err = await textIn(browser, '[data-testid="preflight-copy-image-error"]');
    if (err) return `copy failed: ${err}`;
    const el = await browser.$('[data-testid="lifecycle-summary"]');
    if (!(await el.isExisting())) return (await textIn(browser, '[data-testid="lifecycle-panel"]')) ?? 'no panel yet';
    const outcome = await el.getAttribute('data-outcome');
    if (outcome === 'running') return 'running';
    return (outcome === 'succeeded' && (await textIn(browser, '[data-testid="lifecycle-summary"]')) === 'Started development') ||
      `${outcome}: ${await textIn(browser, '[data-testid="lifecycle-panel"]')}`;
  });
  assert.ok(engineDocker(engine, ['image', 'inspect', '--format', '{{.Id}}', IMAGE]).startsWith('sha256:'), 'the image is on the SSH engine now');
  for (const svc of DEV) {
    await until(`${svc} healthy on its card`, 60_000, async () =>
      (await textIn(browser, `[data-testid="live-state-${svc}"]`)) === 'running · healthy' ||
      (await textIn(browser, `[data-testid="live-state-${svc}"]`)));
  }
  await screenshot(browser, 'engines-ssh-02-healthy');
  // From outside: every development container runs healthy on the private engine, none on the shared one.
  const ps = engineDocker(engine, ['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`,
    '--format', '{{.Label "com.docker.compose.service"}} {{.State}} {{.Status}}']).split('\n').filter(Boolean);
  for (const svc of DEV) {
    const line = ps.find((l) => l.startsWith(`${svc} `));
    assert.ok(line && / running /.test(line) && /\(healthy\)/.test(line), `${svc} on the private engine: ${ps.join('; ')}`);
  }
  assert.deepEqual(labelled(project).containers, [], 'no container of the project on the shared engine');
  // The secret went through the container's environment.
  const env = JSON.parse(engineDocker(engine, ['inspect', '-f', '{{json .Config.Env}}', `${project}-gameserver`]));
  assert.ok(env.includes(`JWT_SECRET=${lookupSecret(keychain, 'JWT_SECRET')}`), 'the gameserver got the keychain\'s JWT_SECRET');
});

/** The keychain service of the region's password: the SSH engine's namespace (`region/secret.rs`). */
function regionPasswordService() {
  return keychainService(path.join(dir, '.dockmaster', 'engines', NAME, 'regions', project, REGION));
}

function storedRegionPassword() {
  const stored = lookupSecret(regionPasswordService(), 'REGION_DB_PASSWORD');
  return stored === '' || stored === null ? null : stored;
}

test('a region is created on the SSH engine from the wizard, joining the stack there, listed with it, and removed', async () => {
  // The regional template joins nexus-network and regional-network; development made both on the SSH engine
  // (redis-cache and nginx-gateway join them), so the region joins the running stack there, not standalone.
  const stackNetworks = [`${project}_nexus-network`, `${project}_regional-network`];
  for (const net of stackNetworks) engineDocker(engine, ['network', 'inspect', '--format', '{{.Id}}', net]);
  await (await find(browser, 'a[href="#view-regions"]')).click();
  await find(browser, '[data-testid="regions-empty"]', 20_000);
  await wizardToWhere(until, browser, REGION);
  // Where: the SSH engine is this project's engine and has the stack's networks; the local one has not.
  await chooseWhere(browser, NAME);
  assert.match(await textIn(browser, `[data-testid="place-${NAME}"]`), /this project's engine/);
  assert.match(await textIn(browser, `[data-testid="place-${NAME}"]`), new RegExp(`ssh://${engine.user}@127\\.0\\.0\\.1:${engine.port}`));
  assert.match(await textIn(browser, `[data-testid="place-note-${NAME}"]`), /stack's networks are there/);
  assert.match(await textIn(browser, '[data-testid="place-note-default"]'), /stack's networks are not there/);
  assert.equal(await (await browser.$('[data-testid="place-standalone"]')).isExisting(), false, 'no Standalone box where the stack runs');
  await reviewAndCreate(until, browser, {
    joins: 2, // the SSH engine's stack networks
    planned: () => assert.deepEqual(regionObjects(engine.sock, project), [], 'planning created nothing'),
  });

  // Its database and server run healthy on the SSH engine's dockerd, joined to the stack's networks there; nothing
  // of it on the shared engine; its password in the SSH engine's keychain namespace.
  const onEngine = regionContainers(engine.sock, project, REGION);
  assert.equal(onEngine.length, 2, 'the database and the server on the SSH engine');
  for (const id of onEngine) assert.equal(engineDocker(engine, ['inspect', '-f', '{{.State.Health.Status}}', id]), 'healthy');
  const joined = engineDocker(engine, ['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', `${project}-region-${REGION}-server`]);
  for (const net of stackNetworks) assert.ok(joined.split(' ').includes(net), `the server joins ${net}: ${joined}`);
  assert.deepEqual(labelled(project, REGION_LABEL), { containers: [], networks: [], volumes: [] }, 'nothing of the region on the shared engine');
  assert.equal(storedRegionPassword()?.length, 32, 'its password in the SSH engine\'s namespace');

  // The project's own engine: the row is keyed by the region's name alone, its engine column names the SSH engine.
  const key = rowKey(REGION, NAME, { home: true });
  await regionRowHealthy(until, browser, key, NAME);
  await screenshot(browser, 'engines-ssh-03-region');

  // Removed with its volumes (confirmed): nothing of it left there, nor its password; the stack keeps running
  // with its networks.
  await removeRegion(browser, key);
  assert.deepEqual(regionObjects(engine.sock, project), [], 'no container, network or volume of the region is left there');
  assert.equal(storedRegionPassword(), null, 'its password left the keychain');
  for (const net of stackNetworks) engineDocker(engine, ['network', 'inspect', '--format', '{{.Id}}', net]);
  const running = engineDocker(engine, ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`]).split('\n').filter(Boolean);
  assert.equal(running.length, DEV.length, 'the development stack is untouched');
});

test('back on the local engine, the SSH engine is removed from the page after confirming', async () => {
  await chooseProjectEngine(browser, 'default');
  await until('the banner to show the local engine again', 30_000, async () => {
    const text = await textIn(browser, '[data-testid="engine-status"]');
    return (text?.includes('Connected') && text.includes('unix://')) || text;
  });
  await (await find(browser, 'a[href="#view-engines"]')).click();

  await (await find(browser, `[data-testid="engine-remove-${NAME}"]`)).click();
  await (await find(browser, '[data-testid="engine-remove-confirm"]')).click();
  await until('its row to go', 10_000, async () => !(await (await browser.$(`[data-testid="engine-row-${NAME}"]`)).isExisting()));
  const names = docker(['context', 'ls', '--format', '{{.Name}}']).split('\n');
  assert.ok(!names.includes(NAME), `the context is gone: ${names}`);
});
