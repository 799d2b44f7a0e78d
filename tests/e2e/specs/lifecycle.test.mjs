// The real app starts, stops and removes a private copy of the demo stack through Compose, with a real keychain:
// toggle development, press Start — the preflight blocks on the variables a fresh copy lacks, each one click
// from its field in the Environment view; generate the secrets (checked with `secret-tool`) and set the admin
// name; Start again and watch the service cards turn healthy. From outside: the gameserver container has the
// generated JWT_SECRET (`docker inspect` equals `secret-tool lookup`), and no secret value is in any file of the
// project, the app's config or cache, or any process's command line. Then one service's logs, Stop, and Remove
// with its volumes (typed confirmation). Everything carrying the project's label and every keychain item is
// removed at the end. Screenshots of each step go to tests/e2e/artifacts/lifecycle-*.png.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { launch, find, screenshot, textIn } from '../lib/app.mjs';
import { clearSecrets, keychainService, lookupSecret } from '../lib/keychain.mjs';
import { DEV, demoCopy, docker, labelled, removeLabelled, states } from '../lib/stack.mjs';

const project = `dme2e-life-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
const SECRETS = ['JWT_SECRET', 'SECRET_KEY', 'ADMIN_PASSWORD'];
let dir;
let keychain;
let browser;

/** The value stored for `name`, as any other Secret Service client sees it; null when there is none. */
function lookup(name) {
  return lookupSecret(keychain, name);
}

/** Every regular file under `root` (symbolic links not followed). */
function files(root) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(root);
  return out;
}

/** Files under `roots` and processes whose command line contain `value`. */
function leaks(value, roots) {
  const found = [];
  for (const root of roots) {
    for (const f of files(root)) {
      try {
        if (statSync(f).size < 64 * 1024 * 1024 && readFileSync(f).includes(value)) found.push(f);
      } catch {
        // vanished or unreadable (a socket, a file being rewritten): nothing to read
      }
    }
  }
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`).includes(value)) found.push(`/proc/${pid}/cmdline`);
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

const textOf = (selector) => textIn(browser, selector);

async function waitFor(what, timeout, check) {
  try {
    await browser.waitUntil(check, { timeout, interval: 250 });
  } catch {
    await screenshot(browser, 'lifecycle-failure');
    throw new Error(`timed out after ${timeout} ms waiting for ${what} (panel: ${await textOf('[data-testid="lifecycle-panel"]')})`);
  }
}

async function click(testId) {
  const el = await find(browser, `[data-testid="${testId}"]`);
  await el.waitForEnabled({ timeout: 15000 });
  await el.click();
}

async function go(view) {
  await (await find(browser, `a[href="#view-${view}"]`)).click();
}

/** The outcome the panel shows for the last operation, once it has ended. */
async function waitOutcome(summary, timeout) {
  await waitFor(`"${summary}"`, timeout, async () => {
    const el = await browser.$('[data-testid="lifecycle-summary"]');
    return (await el.isExisting()) && (await el.getAttribute('data-outcome')) !== 'running';
  });
  const el = await browser.$('[data-testid="lifecycle-summary"]');
  assert.equal(await el.getAttribute('data-outcome'), 'succeeded', await textOf('[data-testid="lifecycle-panel"]'));
  assert.equal(await textOf('[data-testid="lifecycle-summary"]'), summary);
}

before(async () => {
  ({ dir } = await demoCopy('dockmaster-e2e-lifecycle-', project));
  keychain = keychainService(dir);
  browser = await launch(dir);
});

after(async () => {
  await browser?.deleteSession();
  if (dir) {
    removeLabelled(project);
    clearSecrets(keychain);
    rmSync(dir, { recursive: true, force: true });
    const left = labelled(project);
    assert.deepEqual(left, { containers: [], networks: [], volumes: [] }, 'the test left nothing of its project behind');
    for (const name of SECRETS) assert.equal(lookup(name), null, `the test left no ${name} in the keychain`);
  }
});

test('Start is blocked until the required variables are set; each problem leads to its field', async () => {
  await browser.waitUntil(async () => (await textOf('[data-testid="project-name"]')) === project, {
    timeout: 15000,
    timeoutMsg: `the app should name the project ${project} (from the copy's .env)`,
  });
  await browser.waitUntil(async () => /^Connected/.test((await textOf('[data-testid="engine-status"]')) ?? ''), {
    timeout: 15000,
    timeoutMsg: 'engine connected',
  });

  // Toggle development: off (the selection starts nothing of it), then on again.
  const chip = await find(browser, '[data-testid="profile-chip-development"]');
  if ((await chip.getAttribute('aria-pressed')) === 'true') {
    await chip.click();
    await browser.waitUntil(async () => (await chip.getAttribute('aria-pressed')) === 'false', { timeout: 5000 });
    await browser.waitUntil(async () => !(await (await browser.$('[data-testid="service-row-gameserver"]')).isExisting()), {
      timeout: 10000,
      timeoutMsg: 'without development the gameserver is not in the selection',
    });
  }
  await chip.click();
  await browser.waitUntil(async () => (await chip.getAttribute('aria-pressed')) === 'true', { timeout: 5000 });
  await find(browser, '[data-testid="service-row-gameserver"]');
  for (const svc of DEV) await find(browser, `[data-testid="service-row-${svc}"]`);
  await screenshot(browser, 'lifecycle-01-development-selected');

  await click('lifecycle-start');
  const panel = await find(browser, '[data-testid="preflight-panel"]', 60000);
  const variables = [];
  for (const p of await browser.$$('[data-testid="preflight-problem"]')) variables.push(await p.getAttribute('data-variable'));
  assert.deepEqual(variables.sort(), ['ADMIN_PASSWORD', 'ADMIN_USERNAME', 'JWT_SECRET', 'SECRET_KEY']);
  assert.match(await panel.getText(), /JWT_SECRET is required but not set/);
  assert.deepEqual(labelled(project).containers, [], 'nothing was started');
  await screenshot(browser, 'lifecycle-02-preflight-blocked');

  await click('preflight-fix-JWT_SECRET');
  const row = await find(browser, '[data-testid="env-var-JWT_SECRET"]');
  await browser.waitUntil(async () => /focus-flash/.test(await row.getAttribute('class')), { timeout: 5000, timeoutMsg: 'the row is highlighted' });
  assert.equal(await browser.execute(() => document.activeElement?.closest('[data-testid^="env-var-"]')?.dataset.testid), 'env-var-JWT_SECRET');
  await screenshot(browser, 'lifecycle-03-environment-focused');
});

test('the secrets are generated into the keychain and the admin name written to .env', async () => {
  for (const name of SECRETS) {
    await click(`env-generate-${name}`);
    await browser.waitUntil(async () => (await textOf(`[data-testid="env-status-${name}"]`)) === 'Set', {
      timeout: 10000,
      timeoutMsg: `${name} becomes set`,
    });
    assert.equal(await textOf(`[data-testid="env-source-${name}"]`), 'keychain');
    assert.ok(lookup(name), `secret-tool finds ${name}`);
  }
  assert.equal(lookup('JWT_SECRET').length, 48);

  await click('env-edit-ADMIN_USERNAME');
  await (await find(browser, '[data-testid="env-input-ADMIN_USERNAME"]')).setValue('e2e-admin');
  await browser.keys('Enter');
  await browser.waitUntil(async () => (await textOf('[data-testid="env-source-ADMIN_USERNAME"]')) === '.env', {
    timeout: 10000,
    timeoutMsg: 'ADMIN_USERNAME comes from .env',
  });
  assert.match(readFileSync(path.join(dir, '.env'), 'utf8'), /^ADMIN_USERNAME=e2e-admin$/m);
  await screenshot(browser, 'lifecycle-04-variables-set');
});

test('Start brings development up: progress per service, then every card healthy', async () => {
  await go('overview');
  await click('lifecycle-start');
  // The preflight passes now; Compose runs and the per-service progress fills in.
  await waitFor('the progress of the start', 60000, async () => (await browser.$('[data-testid="progress-panel"]')).isExisting());
  assert.equal(await (await browser.$('[data-testid="preflight-panel"]')).isExisting(), false);
  await waitFor('a service on its way up', 60000, async () => {
    const phases = await browser.$$('[data-testid^="progress-phase-"]');
    for (const p of phases) if (!/pending/.test(await p.getText())) return true;
    return false;
  });
  assert.equal(await (await browser.$('[data-testid="lifecycle-start"]')).isEnabled(), false, 'Start is disabled while it runs');
  await screenshot(browser, 'lifecycle-05-starting');

  await waitOutcome('Started development', 200_000);
  // tests/e2e/run.sh runs this spec a second time with the app forced to Compose v1.
  const flavour = process.env.DOCKMASTER_COMPOSE ?? 'v2';
  assert.match(await textOf('[data-testid="lifecycle-panel"]'), new RegExp(`Compose ${flavour} \\d`), 'the Compose that ran');
  for (const svc of DEV) {
    await waitFor(`${svc} healthy on its card`, 30000, async () => (await textOf(`[data-testid="live-state-${svc}"]`)) === 'running · healthy');
  }
  await screenshot(browser, 'lifecycle-06-healthy');
  // The end of an operation moves nothing under the pointer: the details stay open until folded on request.
  assert.equal(await (await browser.$('[data-testid="progress-panel"]')).isExisting(), true);
  const timeline = await textOf('[data-testid="progress-timeline-gameserver"]');
  assert.match(timeline, /healthy \d/, `the gameserver's timeline ends healthy: ${timeline}`);
  assert.match(timeline, /waiting for (database|redis-cache)|created/, `the gameserver's timeline: ${timeline}`);
  const s = states(project);
  for (const svc of DEV) assert.equal(s[svc], 'running/healthy', `${svc}: ${JSON.stringify(s)}`);
  await screenshot(browser, 'lifecycle-06-healthy-timeline');
  await click('panel-toggle');
  assert.equal(await (await browser.$('[data-testid="progress-panel"]')).isExisting(), false, 'the details fold on request');

  // The service cards with their actions, scrolled to inside the content pane.
  await browser.execute(() => {
    const main = document.querySelector('main.content');
    const top = document.getElementById('section-services').getBoundingClientRect().top;
    main.scrollTop += top - main.getBoundingClientRect().top - 8;
  });
  assert.equal(await (await browser.$('[data-testid="service-start-gameserver"]')).isEnabled(), false, 'a running service cannot be started');
  assert.equal(await (await browser.$('[data-testid="service-stop-gameserver"]')).isEnabled(), true);
  await screenshot(browser, 'lifecycle-06-service-rows');
});

test('the gameserver got the generated JWT_SECRET through its environment only', async () => {
  const stored = lookup('JWT_SECRET');
  const env = JSON.parse(docker(['inspect', '-f', '{{json .Config.Env}}', `${project}-gameserver`]));
  const jwt = env.find((e) => e.startsWith('JWT_SECRET='))?.slice('JWT_SECRET='.length);
  assert.equal(jwt, stored, 'docker inspect shows the keychain value');
  assert.ok(env.includes('ADMIN_USERNAME=e2e-admin'));

  const roots = [dir, process.env.XDG_CONFIG_HOME, process.env.XDG_CACHE_HOME].filter(Boolean);
  // The scan finds what is there: the project's name is in its .env, its folder in the app's command line.
  const inFiles = leaks(project, roots);
  assert.ok(inFiles.includes(path.join(dir, '.env')), `the scan reads the project's files: ${inFiles}`);
  const inCommandLines = leaks(dir, []);
  assert.ok(inCommandLines.some((f) => f.startsWith('/proc/')), `the scan reads command lines: ${inCommandLines}`);
  for (const name of SECRETS) {
    const value = lookup(name);
    assert.deepEqual(leaks(value, roots), [], `${name} is in no file of the project or the app and in no command line`);
  }
  // The page never shows a secret value that was not revealed.
  assert.ok(!(await (await find(browser, 'body')).getText()).includes(stored));
});

test("a service's logs open from its row", async () => {
  await click('service-logs-player-client');
  await find(browser, '[data-testid="service-picker"]');
  await browser.waitUntil(async () => /player-client/.test((await textOf('[data-testid="service-picker"]')) ?? ''), {
    timeout: 10000,
    timeoutMsg: 'the picker shows the service',
  });
  await waitFor('the dev-tier line of player-client', 20000, async () => {
    const lines = await textOf('[role="region"][aria-label="Log lines"]');
    return lines !== null && lines.includes('[dev-tier] VITE_API_URL=""');
  });
  await screenshot(browser, 'lifecycle-07-logs');
});

test('Stop stops the selection; Remove with volumes needs the typed name and removes exactly the project', async () => {
  await go('overview');
  await click('lifecycle-stop');
  await waitOutcome('Stopped development', 60000);
  await waitFor('the cards show the services stopped (not failed)', 20000, async () => /^stopped/.test((await textOf('[data-testid="live-state-gameserver"]')) ?? ''));
  const stopped = states(project);
  for (const svc of DEV) assert.match(stopped[svc], /^exited\//, `${svc}: ${JSON.stringify(stopped)}`);
  await screenshot(browser, 'lifecycle-08-stopped');

  const named = labelled(project).volumes.map((id) => docker(['volume', 'inspect', '-f', '{{.Name}}', id])).sort();
  assert.ok(named.length > 0, 'the project has volumes to delete');
  // `down -v` also deletes the anonymous volumes of the stopped containers (the dev override's `/app/node_modules`):
  // the dialog lists those too.
  const mounted = labelled(project).containers.flatMap((id) =>
    docker(['inspect', '-f', '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}', id]).split(/\s+/).filter(Boolean));
  const anonymous = [...new Set(mounted)].filter((v) => !named.includes(v)).sort();
  assert.ok(anonymous.length > 0, 'the dev override gives containers anonymous volumes');
  const volumes = [...named, ...anonymous].sort();
  await click('lifecycle-remove');
  const dialog = await find(browser, '[data-testid="remove-dialog"]');
  await (await find(browser, '[data-testid="remove-volumes"]')).click();
  const list = await find(browser, '[data-testid="remove-volume-list"]');
  await browser.waitUntil(async () => (await list.getText()).includes(volumes[0]), {
    timeout: 15000,
    timeoutMsg: 'the dialog lists the volumes',
  });
  const listed = await list.getText();
  for (const v of volumes) assert.ok(listed.includes(v), `${v} is listed`);
  assert.ok(!listed.includes('NOT created'), 'Compose created every volume of this project');
  const confirm = await find(browser, '[data-testid="remove-confirm"]');
  assert.equal(await confirm.isEnabled(), false, 'not armed before the name is typed');
  await (await find(browser, '[data-testid="remove-confirm-input"]')).setValue(project);
  await browser.waitUntil(() => confirm.isEnabled(), { timeout: 5000, timeoutMsg: 'armed once the name is typed' });
  assert.match(await dialog.getText(), new RegExp(`Remove and delete ${volumes.length} volumes`));
  await screenshot(browser, 'lifecycle-09-remove-confirm');
  await confirm.click();

  await waitOutcome(`Removed the project and its ${volumes.length} volumes`, 60000);
  assert.deepEqual(labelled(project), { containers: [], networks: [], volumes: [] }, 'containers, networks and volumes are gone');
  for (const v of anonymous) assert.throws(() => docker(['volume', 'inspect', v]), `the anonymous volume ${v} is gone`);
  await waitFor('the cards show nothing running', 20000, async () => (await textOf('[data-testid="live-state-gameserver"]')) === 'not running');
  await screenshot(browser, 'lifecycle-10-removed');
});
