// The dashboard at rest, on a running copy of the demo stack: live numbers change at most once a second and only
// as the numbers' own text; a minimized window streams no stats (the backend's `engine_activity` says none is
// open), changes nothing in the page, still follows the engine's events, and streams again when shown. Minimizing
// needs a window manager: the test runs openbox on the test's display for its duration (and stops it by PID).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { launch, find, screenshot, until } from '../lib/app.mjs';
import { composeIn, demoCopy, DEV, docker, removeCopy, states, stopChild } from '../lib/stack.mjs';
import { appWindow, xdotool } from '../lib/x11.mjs';

const COMPOSE_FILES = ['-f', 'docker-compose.yml', '-f', 'docker-compose.dev.yml'];
const project = `dme2e-idle-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
/** The elements whose text shows live numbers (usage, host usage, uptimes): the only ones that may change at rest. */
const LIVE_NUMBERS = /^(usage-|host-usage|uptime-)/;

let dir;
let browser;
let wm;

function compose(args) {
  return composeIn(dir, COMPOSE_FILES, args);
}

/** What the backend streams to the window now. */
function activity() {
  return browser.executeAsync((done) => {
    window.__TAURI_INTERNALS__.invoke('engine_activity').then(done, (e) => done({ error: String(e) }));
  });
}

/** Records every change of the page from now on (`takeMutations` returns them and stops). */
function recordMutations() {
  return browser.execute(() => {
    const label = (node) => {
      const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
      const owner = el?.closest('[data-testid]');
      return owner ? owner.getAttribute('data-testid') : `${el?.tagName ?? '?'}.${el?.className ?? ''}`;
    };
    window.__e2eMutations = [];
    window.__e2eObserver = new MutationObserver((records) => {
      const at = performance.now();
      for (const r of records) {
        window.__e2eMutations.push({
          at,
          type: r.type,
          owner: label(r.target),
          attribute: r.attributeName,
          old: r.oldValue,
          now: r.type === 'characterData' ? r.target.data : r.type === 'attributes' ? r.target.getAttribute(r.attributeName) : null,
        });
      }
    });
    window.__e2eObserver.observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      characterDataOldValue: true,
      attributes: true,
      attributeOldValue: true,
    });
  });
}

function takeMutations() {
  return browser.execute(() => {
    window.__e2eObserver.disconnect();
    return window.__e2eMutations;
  });
}

before(async () => {
  ({ dir } = await demoCopy('dockmaster-e2e-idle-', project));
  compose(['--profile', 'development', 'up', '-d']);
  await until('the development services to run healthy', 120_000, () => {
    const s = states(project);
    return DEV.every((svc) => s[svc] === 'running/healthy') || s;
  });
  wm = spawn('openbox', ['--config-file', '/dev/null'], { stdio: 'ignore', env: process.env });
  browser = await launch(dir);
});

after(async () => {
  await browser?.deleteSession();
  if (wm) await stopChild(wm);
  if (dir) {
    removeCopy(dir, project, compose, 'development');
  }
});

test('at rest the live numbers change at most once a second, and only their own text', async () => {
  const usage = await find(browser, '[data-testid="usage-database"]', 20000);
  await browser.waitUntil(async () => /\d% CPU · [\d.]+ (B|KiB|MiB)/.test(await usage.getProperty('textContent')), {
    timeout: 20000,
    timeoutMsg: 'CPU and memory of the database',
  });
  await find(browser, '[data-testid="host-usage"]');
  await recordMutations();
  await browser.pause(10_000);
  const mutations = await takeMutations();

  assert.ok(mutations.length > 0, 'the host CPU at least changes within 10 s');
  const strays = mutations.filter((m) => !LIVE_NUMBERS.test(m.owner));
  assert.deepEqual(strays, [], 'nothing but live numbers changes at rest');
  const unchanged = mutations.filter((m) => m.type !== 'childList' && m.old === m.now);
  assert.deepEqual(unchanged, [], 'a text or attribute is only written when its value changes');
  const batches = [...new Set(mutations.map((m) => m.at))].sort((a, b) => a - b);
  const gaps = batches.slice(1).map((t, i) => Math.round(t - batches[i]));
  assert.ok(
    gaps.every((g) => g >= 900),
    `the numbers change together, at most once a second (gaps between changes, ms: ${gaps.join(', ')})`,
  );
});

test('a minimized window streams no stats and changes nothing, yet follows the engine; shown again it streams', async () => {
  await until('stats streams open for the services on screen', 15000, async () => {
    const a = await activity();
    return (a?.statsWatching === true && a.statsStreams >= 1) || a;
  });
  const window = appWindow();

  xdotool(['windowminimize', '--sync', window]);
  await until('the page to see itself hidden', 10000, async () => (await browser.execute(() => document.visibilityState)) === 'hidden');
  await until('every stats stream to close', 10000, async () => {
    const a = await activity();
    return (a?.statsWatching === false && a.statsStreams === 0 && a.following === true) || a;
  });
  assert.equal(await browser.execute(() => document.documentElement.hasAttribute('data-window-hidden')), true);

  // No timer, no sample: the page does not change while nobody sees it.
  await recordMutations();
  await browser.pause(5000);
  assert.deepEqual(await takeMutations(), [], 'no change in a minimized window at rest');
  assert.equal((await activity()).statsStreams, 0, 'nothing started a stream again');

  // The engine's events still arrive: a service stopped meanwhile shows stopped.
  docker(['stop', '--time', '1', `${project}-player-client`]);
  await until('player-client to show stopped while minimized', 20000, async () => {
    const text = await browser.execute(() => document.querySelector('[data-testid="live-state-player-client"]')?.textContent?.trim());
    return /^(stopped|exited)/.test(text ?? '') || text;
  });

  xdotool(['windowactivate', '--sync', window]);
  await until('the page to see itself shown', 10000, async () => (await browser.execute(() => document.visibilityState)) === 'visible');
  await until('stats streams to open again', 15000, async () => {
    const a = await activity();
    return (a?.statsWatching === true && a.statsStreams >= 1) || a;
  });
  const usage = await find(browser, '[data-testid="usage-database"]');
  await browser.waitUntil(async () => /\d% CPU · [\d.]+ (B|KiB|MiB)/.test(await usage.getProperty('textContent')), {
    timeout: 20000,
    timeoutMsg: 'usage of the database again',
  });
  await screenshot(browser, 'idle-shown-again');
});
