// The real app on a running copy of the demo stack: the engine banner and the live service rows come from the
// real engine; a healthcheck made to fail by the test shows as unhealthy without a reload, its probe output is
// one click away, and restoring it shows healthy again. The stack runs under a project name, container prefix,
// host ports and subnets of its own (in a `.env` of a temporary copy, read by Compose and by the app alike)
// and is removed at the end.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { launch, find, screenshot, until } from '../lib/app.mjs';
import { composeIn, demoCopy, DEV, docker, removeCopy, states } from '../lib/stack.mjs';

const COMPOSE_FILES = ['-f', 'docker-compose.yml', '-f', 'docker-compose.dev.yml'];

const project = `dme2e-dash-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
let dir;
let env;
let browser;

function compose(args) {
  return composeIn(dir, COMPOSE_FILES, args);
}

function container(service) {
  return `${project}-${service}`;
}

async function liveText(service) {
  const el = await browser.$(`[data-testid="live-state-${service}"]`);
  // textContent, not getText(): the row may be scrolled out of view.
  return (await el.isExisting()) ? (await el.getProperty('textContent')).trim() : null;
}

/** Waits in the window (no reload, no click) until `service` shows `text`. */
async function waitLive(service, text, timeout) {
  try {
    await browser.waitUntil(async () => (await liveText(service)) === text, { timeout, interval: 250 });
  } catch {
    await screenshot(browser, 'dashboard-failure');
    throw new Error(`${service} never showed "${text}" (last: "${await liveText(service)}")`);
  }
}

before(async () => {
  ({ dir, env } = await demoCopy('dockmaster-e2e-dashboard-', project));

  compose(['--profile', 'development', 'up', '-d']);
  await until('the development services to run healthy', 120_000, () => {
    const s = states(project);
    return DEV.every((svc) => s[svc] === 'running/healthy') || s;
  });
  browser = await launch(dir);
});

after(async () => {
  await browser?.deleteSession();
  if (dir) {
    removeCopy(dir, project, compose, 'development');
  }
});

test('the dashboard shows the running stack live: engine, states, ports, usage', async () => {
  const name = await find(browser, '[data-testid="project-name"]');
  await browser.waitUntil(async () => (await name.getText()).includes(project), {
    timeout: 15000,
    timeoutMsg: `the app should name the project ${project} (from the copy's .env)`,
  });
  const status = await find(browser, '[data-testid="engine-status"]');
  await browser.waitUntil(async () => /^Connected/.test(await status.getText()), { timeout: 15000, timeoutMsg: 'engine connected' });
  const serverVersion = docker(['version', '--format', '{{.Server.Version}}']);
  assert.match(await status.getText(), new RegExp(`Docker ${serverVersion.replace(/[.+]/g, '\\$&')}`));

  for (const svc of DEV) await waitLive(svc, 'running · healthy', 15000);
  const uptime = await (await find(browser, '[data-testid="uptime-database"]')).getText();
  assert.match(uptime, /^up \d+(s|m)\b/);

  // The port map links the port the engine published (GAMESERVER_PORT of this copy).
  const link = await find(browser, `[data-testid="port-link-gameserver-${env.GAMESERVER_PORT}"]`);
  assert.equal(new URL(await link.getAttribute('href')).href, `http://localhost:${env.GAMESERVER_PORT}/`);
  assert.equal((await link.getProperty('textContent')).trim(), `http://localhost:${env.GAMESERVER_PORT}`);

  // The window may not call the opener plugin at all; links go through Dockmaster's `open_link`, which opens
  // loopback http(s) URLs only.
  const invoke = (cmd, args) =>
    browser.executeAsync(
      (cmd, args, done) =>
        window.__TAURI_INTERNALS__.invoke(cmd, args).then(
          () => done('opened'),
          (e) => done(typeof e === 'string' ? e : JSON.stringify(e)),
        ),
      cmd,
      args,
    );
  assert.match(await invoke('plugin:opener|open_url', { url: 'https://example.com/' }), /open_url not allowed/);
  const refused = JSON.parse(await invoke('open_link', { url: 'https://example.com/' }));
  assert.equal(refused.code, 'LINK_REFUSED');
  assert.match(refused.message, /example\.com.*neither this machine nor one of your engines' hosts/);

  // Usage: the host at once, the services on screen within a few engine samples.
  await find(browser, '[data-testid="host-usage"]', 10000);
  // CPU needs two engine samples (about a second apart); memory comes with the first.
  const usage = await find(browser, '[data-testid="usage-database"]', 20000);
  await browser.waitUntil(async () => /\d% CPU · [\d.]+ (B|KiB|MiB)/.test(await usage.getProperty('textContent')), {
    timeout: 20000,
    timeoutMsg: 'CPU and memory of the database',
  });
  await find(browser, '[data-testid="usage-profile-development"]', 20000);
  await screenshot(browser, 'dashboard-healthy');

  // The port map, scrolled to inside the content pane (scrollIntoView would scroll the whole page in WebKit).
  const scrollTo = (id) =>
    browser.execute((target) => {
      const main = document.querySelector('main.content');
      const top = target ? document.getElementById(target).getBoundingClientRect().top : 0;
      main.scrollTop = target ? main.scrollTop + top - main.getBoundingClientRect().top - 12 : 0;
    }, id);
  await scrollTo('section-ports');
  const row = await find(browser, `[data-testid="port-row-gameserver-${env.GAMESERVER_PORT}"]`);
  assert.match(await row.getText(), /live/);
  await screenshot(browser, 'dashboard-port-map');
  await scrollTo(null);
});

test('a failing healthcheck turns the service unhealthy without a reload; its probes are one click away', async () => {
  // A marker in the page: a reload would lose it.
  await browser.execute(() => {
    window.__dockmasterE2eMarker = 'still here';
  });
  // The database's probe is `wget http://127.0.0.1:5432/`: without an index page busybox httpd answers 404.
  docker(['exec', container('database'), 'rm', '/www/index.html']);
  // 10 retries at a 2 s interval: about 20 s until the engine calls it unhealthy.
  await waitLive('database', 'running · unhealthy', 60000);
  assert.equal(await browser.execute(() => window.__dockmasterE2eMarker), 'still here', 'the page was not reloaded');
  assert.equal(await (await browser.$('[data-testid="live-state-database"]')).getAttribute('data-tone'), 'bad');

  const toggle = await find(browser, '[data-testid="probe-toggle-database"]');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const probes = await find(browser, '[data-testid="probe-log-database"]');
  await browser.waitUntil(async () => /exit 1 · failed/.test(await probes.getText()), { timeout: 5000, timeoutMsg: 'a failed probe in the log' });
  assert.match(await probes.getText(), /failing in a row/);
  assert.match(await probes.getText(), /404|Not Found|server returned error/i);
  await screenshot(browser, 'dashboard-unhealthy-probes');

  // Restore the page: the next probe passes and the service is healthy again, still without a reload.
  docker(['exec', container('database'), 'sh', '-c', "echo 'dockmaster demo / database' >/www/index.html"]);
  await waitLive('database', 'running · healthy', 30000);
  await browser.waitUntil(async () => /exit 0 · passed/.test((await probes.getText()).split('\n').slice(0, 4).join('\n')), {
    timeout: 5000,
    timeoutMsg: 'the newest probe passed',
  });
  assert.equal(await browser.execute(() => window.__dockmasterE2eMarker), 'still here', 'the page was not reloaded');
  await screenshot(browser, 'dashboard-healthy-again');
});
