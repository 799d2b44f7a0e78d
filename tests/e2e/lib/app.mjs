// Starts a WebDriver session on the real Dockmaster window (through tauri-driver) and offers small helpers.
import { remote } from 'webdriverio';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const artifacts = path.join(repoRoot, 'tests/e2e/artifacts');

/** The app binary: `cargo build -p dockmaster-app`'s, or the one DOCKMASTER_APP names (the test command's release build). */
export const appBinary = process.env.DOCKMASTER_APP ?? path.join(repoRoot, 'target/debug/dockmaster-app');
/** The CLI built beside that app (same profile, same folder). */
export const cliBinary = path.join(path.dirname(appBinary), 'dockmaster');

/** The D-Bus name the running app holds (tauri-plugin-single-instance: the identifier + `.SingleInstance`). */
const INSTANCE_NAME = 'dev.dockmaster.app.SingleInstance';

function instanceRunning() {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) return false;
  const reply = execFileSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
    'org.freedesktop.DBus.NameHasOwner', `string:${INSTANCE_NAME}`], { encoding: 'utf8' });
  return /boolean true/.test(reply);
}

/** Waits until no Dockmaster runs on the test's session bus: a launch while the previous window is still
 * exiting would hand its arguments to that one and exit (one instance per session). */
export async function waitForNoInstance(timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (instanceRunning()) {
    if (Date.now() > deadline) throw new Error(`a Dockmaster still holds ${INSTANCE_NAME} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens the app on `project` (none: the welcome screen, or the most recent project) and waits for the page to
 * load. `application`: the program tauri-driver starts instead of the app binary (a wrapper that execs it). */
export async function launch(project, { application = appBinary } = {}) {
  await waitForNoInstance();
  const browser = await remote({
    hostname: '127.0.0.1',
    port: Number(process.env.TAURI_DRIVER_PORT ?? 4444),
    logLevel: 'warn',
    capabilities: {
      browserName: 'wry',
      'wdio:enforceWebDriverClassic': true,
      'tauri:options': { application, args: project ? ['--project', project] : [] },
    },
  });
  return browser;
}

/** Waits until `selector` exists and returns it. */
/** The element's text, whitespace collapsed; null when it is not there. textContent, not getText(): the element may
 * be scrolled out of view. */
export async function textIn(browser, selector) {
  const el = await browser.$(selector);
  return (await el.isExisting()) ? (await el.getProperty('textContent')).replace(/\s+/g, ' ').trim() : null;
}

export async function find(browser, selector, timeout = 15000) {
  const el = await browser.$(selector);
  await el.waitForExist({ timeout });
  return el;
}

/** Text of every element matching a `data-testid` prefix, as the testid suffixes. */
export async function testIds(browser, prefix) {
  const els = await browser.$$(`[data-testid^="${prefix}"]`);
  const ids = [];
  for (const el of els) ids.push((await el.getAttribute('data-testid')).slice(prefix.length));
  return ids;
}

/** Polls `check` every 250 ms until it returns true; after `timeoutMs` throws with what it waited for and the
 * last value `check` returned, after saving a screenshot of `browser` named `shot` when both are given. */
export async function until(what, timeoutMs, check, { browser = null, shot = null, detail = null } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await check();
    if (last === true) return;
    if (Date.now() > deadline) {
      if (browser && shot) await screenshot(browser, shot).catch(() => {});
      const more = detail ? `\n${detail()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})${more}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Types `value` into the field with data-testid `testid`. */
export async function setValue(browser, testid, value) {
  const el = await find(browser, `[data-testid="${testid}"]`);
  await el.setValue(value);
}

/** Chooses the engine `name` in the project header's engine select (as a change event, as a user's choice). */
export async function chooseProjectEngine(browser, name) {
  await find(browser, '[data-testid="project-engine-select"]');
  await browser.execute((value) => {
    const select = document.querySelector('[data-testid="project-engine-select"]');
    select.value = value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }, name);
}

export async function screenshot(browser, name) {
  mkdirSync(artifacts, { recursive: true });
  await browser.pause(300); // WebKit can hand back a stale frame right after a change
  const file = path.join(artifacts, `${name}.png`);
  // WebKitGTK painting without GL compositing (the app's mode, src-tauri/src/rendering.rs) answers WebDriver's
  // screenshot only after its next repaint, which a page at rest (the welcome screen) never makes: one invisible
  // pixel keeps changing until the screenshot is taken, then goes.
  await browser.execute(() => {
    const pixel = document.createElement('div');
    pixel.id = 'e2e-repaint';
    pixel.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;opacity:0.01';
    document.body.append(pixel);
    window.__e2eRepaint = setInterval(() => (pixel.style.opacity = pixel.style.opacity === '0.01' ? '0.02' : '0.01'), 50);
  });
  try {
    await browser.saveScreenshot(file);
  } finally {
    await browser.execute(() => {
      clearInterval(window.__e2eRepaint);
      document.getElementById('e2e-repaint')?.remove();
    });
  }
  return file;
}
