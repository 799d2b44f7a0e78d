// The real app opens the demo project and shows what each profile selection starts, and draws a region on its
// engine (a labelled network and container made here, removed at the end) in the network picture: its own
// network a band with the subnet the engine gave it, its column opening the Regions page on it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch, find, testIds, screenshot, repoRoot } from '../lib/app.mjs';
import { docker } from '../lib/stack.mjs';

const demo = path.join(repoRoot, 'demo');
let browser;

before(async () => {
  browser = await launch(demo);
});

after(async () => {
  await browser?.deleteSession();
});

async function pressed(name) {
  const chip = await find(browser, `[data-testid="profile-chip-${name}"]`);
  return (await chip.getAttribute('aria-pressed')) === 'true';
}

async function setChip(name, on) {
  if ((await pressed(name)) !== on) {
    await (await find(browser, `[data-testid="profile-chip-${name}"]`)).click();
  }
  await browser.waitUntil(async () => (await pressed(name)) === on, { timeout: 5000 });
}

async function servicesShown(count) {
  await browser.waitUntil(
    async () => (await (await find(browser, '[data-testid="services-count"]')).getText()).trim() === String(count),
    { timeout: 10000, timeoutMsg: `expected ${count} services` },
  );
  return (await testIds(browser, 'service-row-')).sort();
}

test('opens the demo project with its profiles', async () => {
  const name = await find(browser, '[data-testid="project-name"]');
  await browser.waitUntil(async () => (await name.getText()).includes('demo'), { timeout: 15000 });
  for (const profile of ['development', 'multi-regional', 'production', 'monitoring']) {
    await find(browser, `[data-testid="profile-chip-${profile}"]`);
  }
});

test('development, then monitoring: services and ports follow the selection', async () => {
  for (const profile of ['multi-regional', 'production', 'monitoring']) await setChip(profile, false);
  await setChip('development', true);
  const dev = await servicesShown(7);
  assert.deepEqual(dev, [
    'admin-ui', 'database', 'gameserver', 'nginx-gateway', 'player-client', 'redis-cache', 'region-manager',
  ]);
  const devPorts = await testIds(browser, 'port-row-');
  for (const port of ['gameserver-8080', 'database-5433', 'player-client-3000', 'admin-ui-3001', 'region-manager-8081']) {
    assert.ok(devPorts.includes(port), `port row ${port} in ${devPorts}`);
  }
  const files = await find(browser, '[data-testid="compose-files"]');
  await browser.waitUntil(async () => /docker-compose\.dev\.yml/.test(await files.getProperty('textContent')), {
    timeout: 5000,
    timeoutMsg: 'the development selection merges docker-compose.dev.yml',
  });
  await screenshot(browser, 'topology-development');

  await setChip('monitoring', true);
  const withMonitoring = await servicesShown(9);
  assert.deepEqual(withMonitoring, [...dev, 'grafana', 'prometheus'].sort());
  const ports = await testIds(browser, 'port-row-');
  assert.ok(ports.includes('prometheus-9090'), `prometheus port in ${ports}`);
  assert.ok(ports.includes('grafana-3002'), `grafana port in ${ports}`);
  await screenshot(browser, 'topology-development-monitoring');
});

test('production alone warns about the dangling gameserver dependency', async () => {
  for (const profile of ['development', 'monitoring']) await setChip(profile, false);
  await setChip('production', true);
  await find(browser, '[data-testid="warning-DANGLING_DEPENDS_ON"]');
  await screenshot(browser, 'topology-production');
});

test('the network picture: nginx-gateway on all three bands in development, multi-regional and production', async () => {
  for (const only of ['development', 'multi-regional', 'production']) {
    for (const profile of ['development', 'multi-regional', 'production', 'monitoring']) {
      await setChip(profile, profile === only);
    }
    const gateway = await find(browser, '[data-testid="map-node-nginx-gateway"]');
    await browser.waitUntil(
      async () => (await gateway.getAttribute('data-joins')) === 'sectorwars-network nexus-network regional-network',
      { timeout: 10000, timeoutMsg: `${only}: nginx-gateway is not on the three networks in the picture` },
    );
    const bands = (await testIds(browser, 'map-band-')).sort();
    assert.deepEqual(bands, ['nexus-network', 'regional-network', 'sectorwars-network']);
    const nexus = await (await find(browser, '[data-testid="map-band-nexus-network"]')).getProperty('textContent');
    assert.match(nexus, /172\.20\.0\.0\/16/, 'the band shows its subnet');
    await (await find(browser, '#section-network-map')).scrollIntoView();
    await screenshot(browser, `network-picture-${only}`);
  }
  // A click on a service in the picture opens its row.
  await (await find(browser, '[data-testid="map-node-nginx-gateway"] .box')).click();
  const row = await find(browser, '[data-testid="service-row-nginx-gateway"]');
  await browser.waitUntil(async () => /\bexpanded\b/.test(await row.getAttribute('class')), {
    timeout: 5000,
    timeoutMsg: 'the click on the picture did not open the service row',
  });
});

test('a region on the project\'s engine joins the picture: its own network a band with its subnet, its container on it, a click opens it on the Regions page', async () => {
  const region = `e2er${process.pid}`;
  const net = `${region}-net`;
  const labels = ['--label', 'dev.dockmaster.project=demo', '--label', `dev.dockmaster.region=${region}`, '--label', `dockmaster.test=${region}`];
  try {
    docker(['network', 'create', ...labels, net]);
    docker(['run', '-d', '--name', `${region}-server`, ...labels, '--label', 'service=server', '--network', net,
      'dockmaster/demo-busybox:latest', 'sleep', '600']);
    const node = await find(browser, `[data-testid="map-node-${region}/server"]`, 30000);
    assert.equal(await node.getAttribute('data-joins'), `region:${region}:${net}`);
    assert.match(await node.getAttribute('aria-label'), new RegExp(`^region ${region}'s ${region}/server: running, on ${net}$`));
    // The band shows the driver and subnet the engine picked for the network (none was asked for).
    const subnet = docker(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', net]).trim();
    assert.match(subnet, /^\d+\.\d+\.\d+\.\d+\/\d+$/, `one IPv4 subnet: ${subnet}`);
    const band = await find(browser, `[data-testid="map-band-region:${region}:${net}"]`);
    const facts = `bridge · ${subnet}`;
    await browser.waitUntil(async () => (await band.getProperty('textContent')).includes(facts), {
      timeout: 10000,
      timeoutMsg: `the region's band does not show "${facts}"`,
    });
    assert.match(await band.getProperty('textContent'), new RegExp(`${net}.*${facts.replace(/[.]/g, '\\.')}`, 's'));
    assert.match(await (await find(browser, `[data-testid="map-band-region:${region}:${net}"] title`)).getProperty('textContent'), new RegExp(`^Region ${region}'s own network`));
    await (await find(browser, '#section-network-map')).scrollIntoView();
    // The region's column is the last one: scroll the picture to its right end so the screenshot shows it.
    await browser.execute(() => {
      const frame = document.querySelector('[data-testid="network-map"]');
      if (frame) frame.scrollLeft = frame.scrollWidth;
    });
    await screenshot(browser, 'network-picture-region');

    // A click on the region's column opens the Regions page with its row highlighted (and focused).
    await (await find(browser, `[data-testid="map-node-${region}/server"] .box`)).click();
    const row = await find(browser, `[data-testid="region-row-${region}"]`, 30000);
    await browser.waitUntil(async () => (await row.getAttribute('aria-current')) === 'true', {
      timeout: 10000,
      timeoutMsg: 'the click on the region in the picture did not highlight its row on the Regions page',
    });
    assert.match(await row.getAttribute('class'), /\bhighlighted\b/);
    assert.equal(await browser.execute(() => document.activeElement?.getAttribute('data-testid')), `region-row-${region}`);
    await screenshot(browser, 'regions-from-network-picture');
  } finally {
    docker(['rm', '-f', `${region}-server`]);
    docker(['network', 'rm', net]);
  }
});
