// A private copy of the demo stack for an end-to-end test: the demo's files in a temporary folder with a `.env`
// giving a unique project name, container prefix, free loopback ports and free subnets (read by Compose and by
// the app alike), plus the outside checks and the clean-up by the project's label.
// (The same steps dashboard.test.mjs takes inline.)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './app.mjs';

/** Every host-port variable of the demo. */
export const PORT_VARS = [
  'DB_PORT', 'NEXUS_DB_PORT', 'REDIS_PORT', 'REDIS_NEXUS_PORT', 'GAMESERVER_PORT', 'CENTRAL_NEXUS_PORT',
  'PLAYER_CLIENT_PORT', 'ADMIN_UI_PORT', 'REGION_MANAGER_PORT', 'HTTP_PORT', 'HTTPS_PORT', 'PROMETHEUS_PORT',
  'GRAFANA_PORT',
];

/** The development profile's services (sorted). */
export const DEV = ['admin-ui', 'database', 'gameserver', 'nginx-gateway', 'player-client', 'redis-cache', 'region-manager'];

export function docker(args, options = {}) {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options }).trim();
}

/** A loopback port nothing listens on now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Two 10.x.y.0/24 subnets in 10.x blocks no Docker network uses. */
export function freeSubnets() {
  const ids = docker(['network', 'ls', '-q']).split(/\s+/).filter(Boolean);
  const used = docker(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', ...ids]);
  const out = [];
  while (out.length < 2) {
    const x = 100 + Math.floor(Math.random() * 150);
    if (used.includes(`10.${x}.`) || out.some((s) => s.startsWith(`10.${x}.`))) continue;
    out.push(`10.${x}.${Math.floor(Math.random() * 256)}.0/24`);
  }
  return out;
}

/** Copies the demo (without any `.env` of its own) to a fresh folder (its real path: the keychain namespace
 * is the project's real root) and writes a `.env` with the project's name, prefix, ports and subnets. */
export async function demoCopy(prefix, project) {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  cpSync(path.join(repoRoot, 'demo'), dir, { recursive: true, filter: (src) => path.basename(src) !== '.env' });
  const [nexus, regional] = freeSubnets();
  const env = { COMPOSE_PROJECT_NAME: project, DEMO_CONTAINER_PREFIX: project, NEXUS_SUBNET: nexus, REGIONAL_SUBNET: regional };
  for (const v of PORT_VARS) env[v] = String(await freePort());
  writeFileSync(path.join(dir, '.env'), Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));
  return { dir, env };
}

/** Containers, networks and volumes carrying the project's Compose label. */
export function labelled(project) {
  const filter = ['--filter', `label=com.docker.compose.project=${project}`];
  const list = (args) => docker([...args, ...filter]).split(/\s+/).filter(Boolean);
  return { containers: list(['ps', '-aq']), networks: list(['network', 'ls', '-q']), volumes: list(['volume', 'ls', '-q']) };
}

/** Removes whatever still carries the project's label (and nothing else). */
export function removeLabelled(project) {
  const left = labelled(project);
  if (left.containers.length > 0) docker(['rm', '-f', '-v', ...left.containers]);
  if (left.networks.length > 0) docker(['network', 'rm', ...left.networks]);
  if (left.volumes.length > 0) docker(['volume', 'rm', ...left.volumes]);
}

/** `service → "status/health"` of the project's containers. */
export function states(project) {
  const ids = labelled(project).containers;
  if (ids.length === 0) return {};
  const lines = docker(['inspect', '-f', '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}', ...ids]);
  return Object.fromEntries(lines.split('\n').map((l) => l.split(' ')));
}
