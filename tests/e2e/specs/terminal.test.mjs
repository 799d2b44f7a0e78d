// The real app's terminal into a running demo service: the row's Terminal button opens a tab on the container's
// shell (through the engine's exec API, with a TTY), typed text reaches it and its answer is read back from the
// screen xterm.js draws in the DOM; a window resize reaches the container's terminal (`stty size`); stopping the
// service closes the tab with the reason. The database's row opens its client (the demo's psql stand-in) with the
// credentials in the exec's environment: it says they arrived, and their value is nowhere in the window. In a
// shell of the database, colours 16-255 of the 256-colour palette are painted (the spans' computed colours); then
// copy and paste through the desktop's clipboard (the X CLIPBOARD selection, read and owned with xclip as another
// application would): a word double-clicked on the screen is in the clipboard only after Ctrl+Shift+C, Ctrl+Shift+V
// pastes it into the shell once, and text another application copied pastes too; the context menu (the webview's
// own, opened with a real right-click) copies a selected word and pastes. The stack runs under a project name, container prefix, host ports and
// subnets of its own (a temporary copy of the demo) and is removed at the end.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { launch, find, screenshot, until } from '../lib/app.mjs';
import { composeIn, demoCopy, removeCopy, states } from '../lib/stack.mjs';

const COMPOSE_FILES = ['-f', 'docker-compose.yml', '-f', 'docker-compose.dev.yml'];

const project = `dme2e-term-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
let dir;
let browser;

function compose(args) {
  return composeIn(dir, COMPOSE_FILES, args);
}

/** The rows the terminal `key` shows, each row's text with trailing blanks cut. */
async function screenRows(key) {
  return browser.execute((k) => {
    const rows = document.querySelectorAll(`[data-testid="terminal-screen-${k}"] .xterm-rows > div`);
    return Array.from(rows, (r) => (r.textContent ?? '').replace(/\s+$/, ''));
  }, key);
}

/** The terminal's size as the window fitted it: [rows, cols]. */
async function fittedSize(key) {
  const screen = await find(browser, `[data-testid="terminal-screen-${key}"]`);
  return [Number(await screen.getAttribute('data-rows')), Number(await screen.getAttribute('data-cols'))];
}

/** Types `text` and Enter (unless `enter` is false) into terminal `key` (its keyboard input is xterm's helper
 * textarea). */
async function type(key, text, { enter = true } = {}) {
  const input = await find(browser, `[data-testid="terminal-screen-${key}"] .xterm-helper-textarea`);
  await input.click();
  // One key at a time: WebKitWebDriver merges a repeated character sent in one action ("((" arrives as "(").
  for (const key of [...text, ...(enter ? ['\uE007'] : [])]) await browser.keys(key);
}

/** The viewport point at the middle of the first word of terminal `key`'s row whose text is `text`; null when no
 * row shows it. */
async function wordSpot(key, text) {
  return browser.execute((k, t) => {
    const row = Array.from(document.querySelectorAll(`[data-testid="terminal-screen-${k}"] .xterm-rows > div`)).find(
      (r) => (r.textContent ?? '').trim() === t,
    );
    const box = row?.getBoundingClientRect();
    return box ? { x: Math.round(box.left + 12), y: Math.round(box.top + box.height / 2) } : null;
  }, key, text);
}

/** Double-clicks (real pointer actions through WebDriver) at `spot`: xterm selects the word there. */
async function doubleClick(spot) {
  await browser.action('pointer').move({ x: spot.x, y: spot.y, origin: 'viewport' }).down().up().pause(40).down().up().perform();
  await browser.pause(300);
}

/** Opens the webview's own context menu at the viewport point `spot` with a real right-click (xdotool, on the X
 * server: WebDriver's synthesized one opens none), then picks its `downs`-th enabled item with the keyboard, as a
 * user would (GTK skips the greyed-out ones). The window has no decorations (no window manager): viewport = window. */
async function contextMenu(spot, downs) {
  const rect = await browser.getWindowRect();
  execFileSync('xdotool', ['mousemove', String(rect.x + spot.x), String(rect.y + spot.y), 'click', '3']);
  await browser.pause(700); // the menu mapped
  execFileSync('xdotool', ['key', '--delay', '80', ...Array(downs).fill('Down'), 'Return']);
  await browser.pause(300);
}

/** The desktop's clipboard (the X CLIPBOARD selection of the test's display), as another application reads it;
 * null while nobody holds it. */
function desktopClipboard() {
  try {
    return execFileSync('xclip', ['-selection', 'clipboard', '-o'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
  } catch {
    return null;
  }
}

/** Waits until a row of terminal `key` matches `pattern`; returns the match. */
async function waitRow(key, pattern, what, timeout = 15000) {
  let found = null;
  await until(what, timeout, async () => {
    const rows = await screenRows(key);
    found = rows.map((r) => r.match(pattern)).find(Boolean) ?? null;
    return found !== null || rows.filter(Boolean).slice(-6);
  }, { browser, shot: 'terminal-failure' });
  return found;
}

before(async () => {
  ({ dir } = await demoCopy('dockmaster-e2e-terminal-', project));
  compose(['--profile', 'development', 'up', '-d', 'gameserver', 'database']);
  await until('the gameserver and the database to run healthy', 120_000, () => {
    const s = states(project);
    return (s.gameserver === 'running/healthy' && s.database === 'running/healthy') || s;
  });
  browser = await launch(dir);
});

after(async () => {
  await browser?.deleteSession();
  if (dir) removeCopy(dir, project, compose, 'development');
});

test("a running service's terminal runs what is typed, follows the window's size and closes when the service stops", async () => {
  const button = await find(browser, '[data-testid="service-terminal-gameserver"]', 30000).catch(async (e) => {
    await screenshot(browser, 'terminal-failure');
    throw e;
  });
  await browser.waitUntil(async () => await button.isEnabled(), { timeout: 30000, timeoutMsg: 'the Terminal button enabled (gameserver running)' });
  await button.click();
  const tab = await find(browser, '[data-testid="terminal-tab-1"]');
  await browser.waitUntil(async () => (await tab.getAttribute('data-state')) === 'open', { timeout: 15000, timeoutMsg: 'the tab open' });
  assert.match(await tab.getAttribute('title'), new RegExp(`^(/bin/)?sh in ${project}-gameserver$`));

  // The shell's answer, read back from the screen.
  await waitRow(1, /[#$] ?$/, 'the shell prompt');
  await type(1, 'echo $((6*7))');
  await waitRow(1, /^42$/, 'the answer 42 on a row of its own');
  await screenshot(browser, 'terminal-42');

  // The container's terminal has the size the window fitted.
  const [rows, cols] = await fittedSize(1);
  assert.ok(rows > 2 && cols > 20, `a fitted terminal (${rows}x${cols})`);
  await type(1, 'echo "size=$(stty size)"');
  await waitRow(1, new RegExp(`^size=${rows} ${cols}$`), `stty size = ${rows} ${cols}`);

  // A smaller window: the panel refits, the new size reaches the container.
  const rect = await browser.getWindowRect();
  await browser.setWindowRect(null, null, rect.width - 240, rect.height - 160);
  let resized = [rows, cols];
  await until('the terminal refitted to the smaller window', 15000, async () => {
    resized = await fittedSize(1);
    return (resized[0] !== rows && resized[1] !== cols) || resized;
  }, { browser, shot: 'terminal-failure' });
  await type(1, 'echo "resized=$(stty size)"');
  await waitRow(1, new RegExp(`^resized=${resized[0]} ${resized[1]}$`), `stty size = ${resized.join(' ')} after the resize`);
  await screenshot(browser, 'terminal-resized');

  // The service stops: the tab says so, and typing is no longer possible there.
  compose(['stop', 'gameserver']);
  await browser.waitUntil(async () => (await tab.getAttribute('data-state')) === 'closed', { timeout: 20000, timeoutMsg: 'the tab closed' });
  const closed = await find(browser, '[data-testid="terminal-closed-1"]');
  assert.equal((await closed.getProperty('textContent')).trim(), 'closed: gameserver stopped');
  await screenshot(browser, 'terminal-closed');

  // Its Close button takes the tab (and the panel) away.
  await (await find(browser, '[data-testid="terminal-close-1"]')).click();
  await browser.waitUntil(async () => !(await (await browser.$('[data-testid="terminal-panel"]')).isExisting()), {
    timeout: 5000,
    timeoutMsg: 'the terminal panel gone with its last tab',
  });
});

test("the database's psql button opens its client with the credentials in its environment, never on screen", async () => {
  const button = await find(browser, '[data-testid="service-client-database"]', 30000);
  assert.equal((await button.getProperty('textContent')).trim(), 'psql');
  await browser.waitUntil(async () => await button.isEnabled(), { timeout: 30000, timeoutMsg: 'the psql button enabled (database running)' });
  await button.click();
  // The first test's tab is gone: this is the second tab the window opened.
  const tab = await find(browser, '[data-testid="terminal-tab-2"]');
  await browser.waitUntil(async () => (await tab.getAttribute('data-state')) === 'closed', { timeout: 20000, timeoutMsg: 'the stand-in ran and exited' });
  assert.equal((await (await find(browser, '[data-testid="terminal-closed-2"]')).getProperty('textContent')).trim(), 'closed: psql exited with status 0');
  await waitRow(2, /^psql stand-in: PGPASSWORD is set \(27 characters\)$/, 'the password in the client\'s environment');
  await waitRow(2, /^psql stand-in: PGPASSWORD matches the server's POSTGRES_PASSWORD$/, 'the server\'s own password');
  await waitRow(2, /^psql stand-in: user=postgres database=sectorwars_dev arguments=0$/, 'user and database, no argument');
  const page = await browser.execute(() => document.documentElement.outerHTML);
  assert.ok(!page.includes('dev_only_not_for_production'), 'the password is not in the window');
  await screenshot(browser, 'terminal-psql');
});

test('colours 16-255 of the 256-colour palette are painted in the terminal (the CSP refuses xterm\'s own styles)', async () => {
  const button = await find(browser, '[data-testid="service-terminal-database"]', 30000);
  await browser.waitUntil(async () => await button.isEnabled(), { timeout: 30000, timeoutMsg: 'the Terminal button enabled (database running)' });
  await button.click();
  // After the gameserver's and psql's tabs: the third the window opened.
  const tab = await find(browser, '[data-testid="terminal-tab-3"]');
  await browser.waitUntil(async () => (await tab.getAttribute('data-state')) === 'open', { timeout: 15000, timeoutMsg: 'the tab open' });
  await waitRow(3, /[#$] ?$/, 'the shell prompt');
  // terminal-256.css: a foreground 196 paints red, a background 21 blue, as computed by the page.
  await type(3, "printf '\\033[38;5;196mRED256\\033[0m \\033[48;5;21mBLUEBG\\033[0m\\n'");
  await waitRow(3, /^RED256 BLUEBG$/, 'the coloured words');
  const painted = await browser.execute(() => {
    const spans = Array.from(document.querySelectorAll('[data-testid="terminal-screen-3"] .xterm-rows span'));
    const style = (word) => {
      const span = spans.find((s) => s.textContent === word);
      if (!span) return null;
      const computed = getComputedStyle(span);
      return { classes: span.className, color: computed.color, background: computed.backgroundColor };
    };
    return { red: style('RED256'), blue: style('BLUEBG') };
  });
  assert.ok(painted.red && painted.blue, `both words in spans of their own: ${JSON.stringify(painted)}`);
  assert.match(painted.red.classes, /\bxterm-fg-196\b/);
  assert.equal(painted.red.color, 'rgb(255, 0, 0)', 'colour 196 is red');
  assert.match(painted.blue.classes, /\bxterm-bg-21\b/);
  assert.equal(painted.blue.background, 'rgb(0, 0, 255)', 'background colour 21 is blue');
  await screenshot(browser, 'terminal-256-colours');
});

test("copy and paste go through the desktop's clipboard: Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes it, and another application's text", async () => {
  execFileSync('xclip', ['-version'], { stdio: 'ignore' }); // the outside reader and owner (scripts/setup.sh installs it)
  // The third tab (the database's shell) is still open.
  const tab = await find(browser, '[data-testid="terminal-tab-3"]');
  assert.equal(await tab.getAttribute('data-state'), 'open');
  const marker = `dm-copy-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  await type(3, `echo ${marker}`);
  await waitRow(3, new RegExp(`^${marker}$`), 'the marker on a row of its own');

  // Double-clicked (real pointer actions on the row's first word): selected in the terminal, not yet copied.
  const spot = await wordSpot(3, marker);
  assert.ok(spot, `the row "${marker}" is on screen`);
  await doubleClick(spot);
  assert.notEqual(desktopClipboard(), marker, 'a selection alone does not write the clipboard');

  // Ctrl+Shift+C: the desktop's clipboard holds the word, as another application reads it.
  await browser.keys(['Control', 'Shift', 'c']);
  await until('the marker in the desktop\'s clipboard', 5000, () => desktopClipboard() === marker || desktopClipboard(), { browser, shot: 'terminal-failure' });

  // Ctrl+Shift+V after `echo pasted:`: the shell got the word once (a second paste would double it).
  await type(3, 'echo pasted:', { enter: false });
  await browser.keys(['Control', 'Shift', 'v']);
  await browser.keys('\uE007');
  await waitRow(3, new RegExp(`^pasted:${marker}$`), 'the copied word pasted once and echoed');

  // Text another application copied (xclip holds the clipboard now): Ctrl+Shift+V pastes it too.
  const other = `dm-other-${Math.floor(Math.random() * 1e6)}`;
  const owner = spawn('xclip', ['-selection', 'clipboard', '-i', '-quiet'], { stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    owner.stdin.end(other);
    await until('xclip to hold the clipboard', 5000, () => desktopClipboard() === other || desktopClipboard());
    await type(3, 'echo other:', { enter: false });
    await browser.keys(['Control', 'Shift', 'v']);
    await browser.keys('\uE007');
    await waitRow(3, new RegExp(`^other:${other}$`), "the other application's text pasted and echoed");
  } finally {
    owner.kill();
  }
  assert.equal(await (await browser.$('[data-testid="terminal-clipboard-3"]')).isExisting(), false, 'no clipboard failure shown');
  await screenshot(browser, 'terminal-clipboard');
});

test("the terminal's context menu copies the selection and pastes", async () => {
  const marker = `dm-menu-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  await type(3, `echo ${marker}`);
  await waitRow(3, new RegExp(`^${marker}$`), 'the marker on a row of its own');
  const spot = await wordSpot(3, marker);
  assert.ok(spot, `the row "${marker}" is on screen`);
  await doubleClick(spot);
  assert.notEqual(desktopClipboard(), marker, 'a selection alone does not write the clipboard');
  // With the word selected, the menu's enabled items start Cut, Copy: Copy is the second.
  await contextMenu(spot, 2);
  await until('the marker in the desktop\'s clipboard after the menu\'s Copy', 5000, () => desktopClipboard() === marker || desktopClipboard(), { browser, shot: 'terminal-failure' });
  // Nothing selected (the typing cleared it), Paste is the menu's first enabled item.
  await type(3, 'echo menu:', { enter: false });
  await contextMenu(spot, 1);
  await browser.keys('\uE007');
  await waitRow(3, new RegExp(`^menu:${marker}$`), "the menu's paste echoed");
  await screenshot(browser, 'terminal-context-menu');
});
