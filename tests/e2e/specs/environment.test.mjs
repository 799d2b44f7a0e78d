// The real app's Environment page on a copy of the demo project (the Sectorwars2102 descriptor applies, so
// JWT_SECRET must have 32 characters), with a real keychain: every stored value is checked from outside with
// `secret-tool`, and every item the test created is removed at the end.
// (Starting the stack with the generated secret is the lifecycle work's test, not this one.)
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launch, find, screenshot } from '../lib/app.mjs';
import { clearSecrets, keychainService, lookupSecret } from '../lib/keychain.mjs';
import { demoFiles } from '../lib/stack.mjs';

// The demo's files without any local .env: every variable starts unset.
const project = demoFiles('dockmaster-e2e-env-');
const service = keychainService(project);
const envFile = path.join(project, '.env');
let browser;

/** The value stored for `name`, as any other Secret Service client sees it; null when there is none. */
function lookup(name) {
  return lookupSecret(service, name);
}

before(async () => {
  browser = await launch(project);
  const nav = await find(browser, 'a[href="#view-environment"]');
  await nav.click();
  await find(browser, '[data-testid="env-var-JWT_SECRET"]');
});

after(async () => {
  await browser?.deleteSession();
  clearSecrets(service);
  assert.equal(lookup('JWT_SECRET'), null, 'the test left no keychain item behind');
  rmSync(project, { recursive: true, force: true });
});

async function text(testId) {
  return (await (await find(browser, `[data-testid="${testId}"]`)).getText()).trim();
}

async function waitText(testId, expected, timeoutMsg) {
  await browser.waitUntil(async () => (await text(testId)) === expected, { timeout: 10000, timeoutMsg });
}

test('the page lists the groups with each variable\'s status and source', async () => {
  assert.equal(await text('env-status-JWT_SECRET'), 'Missing');
  assert.equal(await text('env-source-JWT_SECRET'), 'unset');
  assert.equal(await text('env-status-GAMESERVER_PORT'), 'Default in use');
  for (const group of ['required', 'oauth', 'ports', 'other']) await find(browser, `#env-group-${group}`);
  assert.equal(lookup('JWT_SECRET'), null, 'nothing stored yet');
  await screenshot(browser, 'environment-page');

  // Problems only, then a filter: the list narrows to what matches.
  await (await find(browser, '[data-testid="env-problems-only"]')).click();
  await browser.waitUntil(async () => !(await (await browser.$('[data-testid="env-var-GAMESERVER_PORT"]')).isExisting()), {
    timeout: 5000,
    timeoutMsg: 'a valid variable is hidden under "Problems only"',
  });
  await find(browser, '[data-testid="env-var-ARIA_ENCRYPTION_KEY"]');
  await screenshot(browser, 'environment-problems-only');
  await (await find(browser, '[data-testid="env-problems-only"]')).click();
  await (await find(browser, '[data-testid="env-filter"]')).setValue('port');
  await find(browser, '[data-testid="env-var-GAMESERVER_PORT"]');
  await browser.waitUntil(async () => !(await (await browser.$('[data-testid="env-var-JWT_SECRET"]')).isExisting()), {
    timeout: 5000,
    timeoutMsg: 'the filter hides what does not match',
  });
  await screenshot(browser, 'environment-filtered');
  // Empty the box by typing, as a user does (WebDriver's "clear" fires no input event).
  await (await find(browser, '[data-testid="env-filter"]')).click();
  await browser.keys(['Control', 'a']);
  await browser.keys('Backspace');
  await find(browser, '[data-testid="env-var-JWT_SECRET"]');
});

test('a JWT secret that is too short is refused inline and never stored', async () => {
  await (await find(browser, '[data-testid="env-set-JWT_SECRET"]')).click();
  const input = await find(browser, '[data-testid="env-input-JWT_SECRET"]');
  assert.equal(await input.getAttribute('type'), 'password');
  assert.equal(await input.getValue(), '', 'a secret field is never pre-filled');
  await input.setValue('too-short-secret');
  await browser.waitUntil(
    async () => /at least 32 characters \(it has 16\)/.test(await text('env-problems-JWT_SECRET')),
    { timeout: 5000, timeoutMsg: 'the inline error names the rule' },
  );
  const save = await find(browser, '[data-testid="env-save-JWT_SECRET"]');
  assert.equal(await save.isEnabled(), false, 'Save is refused while the value is invalid');
  await screenshot(browser, 'environment-jwt-too-short');
  await browser.keys('Enter');
  await browser.pause(500);
  assert.equal(lookup('JWT_SECRET'), null, 'the short value did not reach the keychain');
  await (await find(browser, '[data-testid="env-cancel-JWT_SECRET"]')).click();
});

test('Generate stores a 48-character JWT secret in the keychain; Reveal shows that value', async () => {
  await (await find(browser, '[data-testid="env-generate-JWT_SECRET"]')).click();
  await waitText('env-status-JWT_SECRET', 'Set', 'JWT_SECRET becomes set');
  assert.equal(await text('env-source-JWT_SECRET'), 'keychain');
  const stored = lookup('JWT_SECRET');
  assert.ok(stored !== null, 'secret-tool finds JWT_SECRET');
  assert.equal(stored.length, 48);
  assert.match(stored, /^[A-Za-z0-9]{48}$/);
  assert.ok(!(await (await find(browser, 'body')).getText()).includes(stored), 'not shown until revealed');

  await (await find(browser, '[data-testid="env-reveal-JWT_SECRET"]')).click();
  await browser.waitUntil(async () => (await text('env-revealed-JWT_SECRET')) === stored, {
    timeout: 5000,
    timeoutMsg: 'the revealed value is the stored one',
  });
  await screenshot(browser, 'environment-jwt-generated-revealed');
  await (await find(browser, '[data-testid="env-reveal-JWT_SECRET"]')).click();
  await browser.waitUntil(async () => !(await (await find(browser, 'body')).getText()).includes(stored), {
    timeout: 5000,
    timeoutMsg: 'Hide hides it',
  });
});

test('Delete removes it from the keychain', async () => {
  await (await find(browser, '[data-testid="env-delete-JWT_SECRET"]')).click();
  await (await find(browser, '[data-testid="env-confirm-delete-JWT_SECRET"] .btn-danger')).click();
  await waitText('env-status-JWT_SECRET', 'Missing', 'JWT_SECRET is missing again');
  assert.equal(lookup('JWT_SECRET'), null);
});

test('a non-secret is written to .env; an edit on disk shows by itself and the next save keeps it', async () => {
  await (await find(browser, '[data-testid="env-edit-ADMIN_USERNAME"]')).click();
  const input = await find(browser, '[data-testid="env-input-ADMIN_USERNAME"]');
  await input.setValue('ana');
  await browser.keys('Enter');
  await waitText('env-source-ADMIN_USERNAME', '.env', 'ADMIN_USERNAME comes from .env');
  assert.equal(readFileSync(envFile, 'utf8'), 'ADMIN_USERNAME=ana\n');

  // Someone else edits .env: the page reads it again by itself (the session watches the file), no click.
  // (An edit that races such a change is refused with ENV_FILE_CONFLICT: covered by the core, parity and
  // component tests, where the race can be set up exactly.)
  const theirs = '# edited in another editor\nADMIN_USERNAME=carol\n';
  writeFileSync(envFile, theirs);
  const value = '[data-testid="env-var-ADMIN_USERNAME"] .value';
  await browser.waitUntil(async () => (await (await browser.$(value)).getText().catch(() => '')) === 'carol', {
    timeout: 10000,
    timeoutMsg: 'the value changed on disk shows without a reload',
  });
  await screenshot(browser, 'environment-env-changed-on-disk');

  // The next edit is made over what is on disk now: the other change (the comment) is kept.
  await (await find(browser, '[data-testid="env-edit-ADMIN_USERNAME"]')).click();
  await (await find(browser, '[data-testid="env-input-ADMIN_USERNAME"]')).setValue('bob');
  await browser.keys('Enter');
  await browser.waitUntil(async () => readFileSync(envFile, 'utf8') === '# edited in another editor\nADMIN_USERNAME=bob\n', {
    timeout: 5000,
    timeoutMsg: 'the edit lands over the file as changed on disk, keeping the other change',
  });
});
