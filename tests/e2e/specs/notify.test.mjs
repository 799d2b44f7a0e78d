// Notifications against a real notification daemon: the harness runs Debian's dunst in the test's D-Bus session
// (tests/e2e/run.sh), and what the app sent is read back from dunst's history (lib/notifications.mjs). A private
// copy of the demo runs its database and redis-cache (started with Compose from outside, so no operation of the app
// holds the notices back); the real window is opened on it, and a service is made unhealthy from outside (its
// healthcheck fetches /www/index.html, removed with `docker exec`):
//   - while the window has the X input focus: no notification (redis-cache);
//   - while another X window has it: exactly one, naming the service (database).
// The focus is real: the test moves the X input focus between the app's window and an xmessage window of its own
// with xdotool (no window manager), and checks the page sees each change (document.hasFocus() follows the GTK
// window's focus, moved by the same X FocusIn/FocusOut as the focus-in/out-event behind the app's `Focus` state;
// the two cases together fail when that state is stuck either way). Cases run on different services:
// a notice sent starts a quiet period for its service, which would make a second case on it pass for nothing.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { launch, find, screenshot, textIn, until as poll } from '../lib/app.mjs';
import { composeIn, demoCopy, docker, removeCopy, states, stopChild } from '../lib/stack.mjs';
import { received, requireDunst } from '../lib/notifications.mjs';
import { appWindow, xdotool } from '../lib/x11.mjs';

const project = `dme2e-notify-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
const SERVICES = ['database', 'redis-cache'];
/** NotifyPolicy::settle (attention/notices.rs): a first problem is announced this long after it is seen. */
const SETTLE_MS = 5000;
const OTHER_TITLE = `dockmaster-e2e-other-window-${process.pid}`;

let dir;
let browser;
let other;
/** The ids of the notifications the daemon had before the app's window opened. */
let earlier = new Set();

function compose(args) {
  return composeIn(dir, ['-f', 'docker-compose.yml'], args);
}

const until = (what, timeoutMs, check) => poll(what, timeoutMs, check, { browser, shot: 'notify-failure' });

/** The app's notifications the daemon received since the window opened. */
function fromApp() {
  return received().filter((n) => !earlier.has(n.id));
}

const pageFocused = () => browser.execute(() => document.hasFocus());

/** Gives the X input focus to `xWindow` and waits until the page says it has (or has not) the focus. */
async function focus(xWindow, appHasIt) {
  xdotool(['windowfocus', xWindow]);
  await until(`the page to report ${appHasIt ? 'the focus' : 'no focus'} (X focus on ${xWindow})`, 10000, async () =>
    (await pageFocused()) === appHasIt || { hasFocus: !appHasIt, xFocus: xdotool(['getwindowfocus']) });
}

/** Makes `service`'s healthcheck fail and waits until the engine and then the window say it is unhealthy. */
async function makeUnhealthy(service) {
  docker(['exec', `${project}-${service}`, 'rm', '/www/index.html']);
  // interval 2 s × retries 10: the engine declares it unhealthy after ~20 s.
  await until(`${service} unhealthy on the engine`, 60000, () => states(project)[service] === 'running/unhealthy' || states(project)[service]);
  await until(`${service} unhealthy on its card`, 15000, async () => {
    const text = await textIn(browser, `[data-testid="live-state-${service}"]`);
    return /unhealthy/.test(text ?? '') || text;
  });
}

before(async () => {
  requireDunst();
  ({ dir } = await demoCopy('dockmaster-e2e-notify-', project));
  compose(['--profile', 'development', 'up', '-d', ...SERVICES]);
  await until('the database and redis-cache to run healthy', 120_000, () => {
    const s = states(project);
    return SERVICES.every((svc) => s[svc] === 'running/healthy') || s;
  });
  earlier = new Set(received().map((n) => n.id));
  browser = await launch(dir);
  // Another X client's window to hand the focus to (no window manager: it maps at once).
  other = spawn('xmessage', ['-title', OTHER_TITLE, 'the window that has the focus while Dockmaster has not'], {
    stdio: 'ignore',
    env: process.env,
  });
});

after(async () => {
  await browser?.deleteSession();
  if (other) await stopChild(other);
  if (dir) {
    removeCopy(dir, project, compose, 'development');
  }
});

test('the window shows the running services', async () => {
  await until(`the project ${project}`, 20000, async () => (await textIn(browser, '[data-testid="project-name"]')) === project);
  for (const svc of SERVICES) {
    await find(browser, `[data-testid="live-state-${svc}"]`, 20000);
    await until(`${svc} healthy on its card`, 30000, async () => {
      const text = await textIn(browser, `[data-testid="live-state-${svc}"]`);
      return text === 'running · healthy' || text;
    });
  }
});

test('a service turning unhealthy while the window has the focus is not notified', async () => {
  await focus(appWindow(), true);
  await makeUnhealthy('redis-cache');
  // The notice would be due SETTLE_MS after the app saw the change (about when the card changed); wait past it.
  await new Promise((r) => setTimeout(r, SETTLE_MS + 5000));
  assert.equal(await pageFocused(), true, 'the window kept the focus throughout');
  assert.deepEqual(fromApp(), [], 'no notification while the window has the focus');
  await screenshot(browser, 'notify-focused-unhealthy');
});

test('a service turning unhealthy while another window has the focus is notified exactly once', async () => {
  const otherWindow = xdotool(['search', '--sync', '--name', `^${OTHER_TITLE}$`]).split('\n')[0];
  await focus(otherWindow, false);
  await makeUnhealthy('database');
  await until('a notification naming the database', SETTLE_MS + 20000, () => {
    const got = fromApp();
    return got.some((n) => /database/.test(n.summary)) || got;
  });
  // Anything else (a repeat, the earlier redis-cache change) would come within the settle time: wait past it.
  await new Promise((r) => setTimeout(r, SETTLE_MS + 5000));
  const got = fromApp();
  console.log(`notifications read back from dunst: ${JSON.stringify(got)}`);
  assert.equal(got.length, 1, `exactly one notification: ${JSON.stringify(got)}`);
  assert.equal(got[0].summary, 'database is unhealthy');
  assert.equal(got[0].body, `${project}: its healthcheck fails.`);
  assert.equal(await pageFocused(), false, 'the window stayed without the focus');
});
