// First run in a few clicks: the real app on a fresh copy of the demo (the harness opens it with `--project`, the
// folder choice), an empty keychain. Start is blocked by the variables a fresh copy lacks; one primary button,
// "Fix and start", lists what it will do (generate the three secrets, write ADMIN_USERNAME=admin), does it, says
// what it did, and starts: every development service healthy, no typing, at most 4 clicks in all. From outside:
// the secrets are in the keychain (`secret-tool`), the gameserver got them, `.env` kept every byte it had and
// gained only ADMIN_USERNAME=admin, and no secret value is in `.env`. Everything carrying the project's label and
// every keychain item is removed at the end. Screenshots go to tests/e2e/artifacts/firstrun-*.png.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { launch, find, screenshot, textIn } from '../lib/app.mjs';
import { clearSecrets, keychainService, lookupSecret } from '../lib/keychain.mjs';
import { DEV, demoCopy, docker, labelled, removeLabelled, states } from '../lib/stack.mjs';

const project = `dme2e-first-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
const SECRETS = ['ADMIN_PASSWORD', 'JWT_SECRET', 'SECRET_KEY'];
let dir;
let keychain;
let browser;
let envBefore;
let clicks = 0;

const textOf = (selector) => textIn(browser, selector);

async function waitFor(what, timeout, check) {
  try {
    await browser.waitUntil(check, { timeout, interval: 250 });
  } catch {
    await screenshot(browser, 'firstrun-failure');
    throw new Error(`timed out after ${timeout} ms waiting for ${what} (panel: ${await textOf('[data-testid="lifecycle-panel"]')})`);
  }
}

/** A user's click: counted. */
async function click(testId) {
  const el = await find(browser, `[data-testid="${testId}"]`);
  await el.waitForEnabled({ timeout: 15000 });
  await el.click();
  clicks++;
}

before(async () => {
  ({ dir } = await demoCopy('dockmaster-e2e-firstrun-', project));
  envBefore = readFileSync(path.join(dir, '.env'), 'utf8');
  keychain = keychainService(dir);
  for (const name of SECRETS) assert.equal(lookupSecret(keychain, name), null, `the keychain starts without ${name}`);
  browser = await launch(dir);
});

after(async () => {
  await browser?.deleteSession();
  if (dir) {
    removeLabelled(project);
    clearSecrets(keychain);
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(labelled(project), { containers: [], networks: [], volumes: [] }, 'the test left nothing of its project behind');
    for (const name of SECRETS) assert.equal(lookupSecret(keychain, name), null, `the test left no ${name} in the keychain`);
  }
});

test('Start, Fix and start: a fresh demo copy reaches a healthy development stack without typing', async () => {
  await browser.waitUntil(async () => (await textOf('[data-testid="project-name"]')) === project, {
    timeout: 15000,
    timeoutMsg: `the app should name the project ${project}`,
  });
  await browser.waitUntil(async () => /^Connected/.test((await textOf('[data-testid="engine-status"]')) ?? ''), {
    timeout: 15000,
    timeoutMsg: 'engine connected',
  });
  // The development profile: selected (one click when it is not).
  const chip = await find(browser, '[data-testid="profile-chip-development"]');
  if ((await chip.getAttribute('aria-pressed')) !== 'true') await click('profile-chip-development');
  await browser.waitUntil(async () => (await chip.getAttribute('aria-pressed')) === 'true', { timeout: 5000 });
  for (const svc of DEV) await find(browser, `[data-testid="service-row-${svc}"]`);
  await screenshot(browser, 'firstrun-01-opened');

  await click('lifecycle-start');
  const panel = await find(browser, '[data-testid="preflight-panel"]', 60000);
  const plan = [];
  for (const li of await browser.$$('[data-testid="preflight-fix-step"]')) plan.push(await li.getAttribute('data-variable'));
  assert.deepEqual(plan.sort(), ['ADMIN_PASSWORD', 'ADMIN_USERNAME', 'JWT_SECRET', 'SECRET_KEY']);
  const said = await panel.getText();
  assert.match(said, /Generate JWT_SECRET into the OS keychain/);
  assert.match(said, /Write ADMIN_USERNAME=admin to \.env/);
  assert.doesNotMatch(said, /dockmaster (secret|up|keychain)/, 'the window speaks of buttons, not commands');
  assert.deepEqual(labelled(project).containers, [], 'nothing was started');
  await screenshot(browser, 'firstrun-02-fix-plan');

  await click('preflight-fix-and-start');
  await waitFor('what Fix and start did', 60000, async () => (await browser.$('[data-testid="lifecycle-fixed"]')).isExisting());
  const fixed = await textOf('[data-testid="lifecycle-fixed"]');
  for (const name of SECRETS) assert.match(fixed, new RegExp(name), fixed);
  assert.match(fixed, /wrote ADMIN_USERNAME to \.env/, fixed);
  await screenshot(browser, 'firstrun-03-fixed-starting');

  await waitFor('the start to end', 200_000, async () => {
    const el = await browser.$('[data-testid="lifecycle-summary"]');
    return (await el.isExisting()) && (await el.getAttribute('data-outcome')) !== 'running';
  });
  const summary = await browser.$('[data-testid="lifecycle-summary"]');
  assert.equal(await summary.getAttribute('data-outcome'), 'succeeded', await textOf('[data-testid="lifecycle-panel"]'));
  for (const svc of DEV) {
    await waitFor(`${svc} healthy on its card`, 30000, async () => (await textOf(`[data-testid="live-state-${svc}"]`)) === 'running · healthy');
  }
  const s = states(project);
  for (const svc of DEV) assert.equal(s[svc], 'running/healthy', `${svc}: ${JSON.stringify(s)}`);
  await screenshot(browser, 'firstrun-04-healthy');
  assert.ok(clicks <= 4, `${clicks} clicks`);
});

test('the secrets are in the keychain only; .env kept every byte and gained ADMIN_USERNAME=admin', async () => {
  const envAfter = readFileSync(path.join(dir, '.env'), 'utf8');
  assert.equal(envAfter, `${envBefore}ADMIN_USERNAME=admin\n`);
  const env = JSON.parse(docker(['inspect', '-f', '{{json .Config.Env}}', `${project}-gameserver`]));
  for (const name of SECRETS) {
    const value = lookupSecret(keychain, name);
    assert.ok(value && value.length >= 16, `secret-tool finds a generated ${name}`);
    assert.ok(!envAfter.includes(value), `${name}'s value is not in .env`);
    assert.ok(env.includes(`${name}=${value}`), `the gameserver got ${name} from the keychain`);
  }
  assert.ok(env.includes('ADMIN_USERNAME=admin'));
});
