// The monitoring panel with monitoring running: a private copy of the demo runs its prometheus and grafana
// (started with Compose from outside), a marker value for GRAFANA_PASSWORD is stored in the test's keychain with
// the CLI, and the real window, with the monitoring profile chosen, shows both as links to this machine with their
// live state, Grafana's admin user, and the password only after Reveal. Screenshot (password hidden): artifacts/monitoring-panel.png.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cliBinary as cli, launch, find, screenshot, textIn, until as poll } from '../lib/app.mjs';
import { composeIn, demoCopy, docker, removeCopy, states } from '../lib/stack.mjs';
import { clearSecrets, keychainService } from '../lib/keychain.mjs';

const project = `dme2e-monitoring-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
const MARKER = `grafana-marker-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
const SERVICES = ['prometheus', 'grafana'];

let dir;
let env;
let browser;

function compose(args) {
  return composeIn(dir, ['-f', 'docker-compose.yml'], args);
}

const until = (what, timeoutMs, check) => poll(what, timeoutMs, check, { browser, shot: 'monitoring-failure' });

before(async () => {
  ({ dir, env } = await demoCopy('dockmaster-e2e-monitoring-', project));
  execFileSync(cli, ['--project', dir, 'secret', 'set', 'GRAFANA_PASSWORD'], { input: MARKER, stdio: ['pipe', 'ignore', 'inherit'] });
  compose(['--profile', 'monitoring', 'up', '-d', ...SERVICES]);
  await until('prometheus and grafana to run healthy', 120_000, () => {
    const s = states(project);
    return SERVICES.every((svc) => s[svc] === 'running/healthy') || s;
  });
  browser = await launch(dir);
});

after(async () => {
  await browser?.deleteSession();
  if (dir) {
    removeCopy(dir, project, compose, 'monitoring');
    clearSecrets(keychainService(dir));
  }
});

test('the monitoring panel links to Prometheus and Grafana, live, and reveals Grafana\'s password only on request', async () => {
  await until(`the project ${project}`, 20000, async () => (await textIn(browser, '[data-testid="project-name"]')) === project);
  const chip = await find(browser, '[data-testid="profile-chip-monitoring"]');
  if ((await chip.getAttribute('aria-pressed')) !== 'true') await chip.click();
  await find(browser, '[data-testid="monitoring-panel"]', 15000);
  for (const svc of SERVICES) {
    await until(`${svc} healthy in the panel`, 30000, async () => {
      const text = await textIn(browser, `[data-testid="live-state-monitoring-${svc}"]`);
      return text === 'running · healthy' || text;
    });
  }
  assert.equal(await textIn(browser, '[data-testid="monitoring-link-prometheus"]'), `http://localhost:${env.PROMETHEUS_PORT}`);
  assert.equal(await textIn(browser, '[data-testid="monitoring-link-grafana"]'), `http://localhost:${env.GRAFANA_PORT}`);
  assert.equal(await textIn(browser, '[data-testid="monitoring-user"]'), 'admin');
  const page = () => browser.execute(() => document.body.textContent);
  assert.ok(!(await page()).includes(MARKER), 'the password is not on the page before Reveal');
  await (await find(browser, '[data-testid="monitoring-reveal"]')).click();
  await until('the revealed password', 10000, async () => (await textIn(browser, '[data-testid="monitoring-password"]')) === MARKER || 'not yet');
  const card = await find(browser, '[data-testid="monitoring-grafana"]');
  await (await card.$('button=Hide')).click();
  await until('the password hidden again', 5000, async () => !(await page()).includes(MARKER) || 'still shown');
  // The picture is taken with the password hidden: not even a marker value goes to a file.
  await (await find(browser, '#section-monitoring')).scrollIntoView();
  await screenshot(browser, 'monitoring-panel');
});
