// A private copy of the demo stack for an end-to-end test: the demo's files in a temporary folder with a `.env`
// giving a unique project name, container prefix, free loopback ports and free subnets (read by Compose and by
// the app alike), plus the outside checks and the clean-up by the project's label.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
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

/** `docker compose FILES… ARGS…` in the demo copy `dir`: only the copy's `.env` decides names and ports (no
 * COMPOSE_* or port variable from the caller's environment). */
export function composeIn(dir, files, args) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('COMPOSE_') && !PORT_VARS.includes(k)));
  return docker(['compose', ...files, ...args], { cwd: dir, env: clean });
}

/** The ids `docker args` prints (one a line). */
export function dockerIds(args) {
  return docker(args).split(/\s+/).filter(Boolean);
}

const given = new Set();

/** Whether `host:port` can be listened on now (the listener is closed at once). */
function canListen(port, host) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** A port nothing listens on now on any interface, never one this process handed out before, and below the
 * kernel's ephemeral range (32768 and up on Linux): there, an outgoing connection could take it before the
 * engine publishes it. */
export async function freePort() {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (given.has(port)) continue;
    if ((await canListen(port, '0.0.0.0')) && (await canListen(port, '127.0.0.1'))) {
      given.add(port);
      return port;
    }
  }
}

/** Two 10.x.y.0/24 subnets in 10.x blocks no Docker network uses. */
export function freeSubnets() {
  const ids = dockerIds(['network', 'ls', '-q']);
  const used = docker(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', ...ids]);
  const out = [];
  while (out.length < 2) {
    const x = 100 + Math.floor(Math.random() * 150);
    if (used.includes(`10.${x}.`) || out.some((s) => s.startsWith(`10.${x}.`))) continue;
    out.push(`10.${x}.${Math.floor(Math.random() * 256)}.0/24`);
  }
  return out;
}

/** Copies the demo's files (without any `.env` of its own) to a fresh folder and returns its real path (the
 * keychain namespace is the project's real root). */
export function demoFiles(prefix) {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  cpSync(path.join(repoRoot, 'demo'), dir, { recursive: true, filter: (src) => path.basename(src) !== '.env' });
  return dir;
}

/** Copies the demo (see `demoFiles`) and writes a `.env` with the project's name, prefix, ports and subnets. */
export async function demoCopy(prefix, project) {
  const dir = demoFiles(prefix);
  const [nexus, regional] = freeSubnets();
  const env = { COMPOSE_PROJECT_NAME: project, DEMO_CONTAINER_PREFIX: project, NEXUS_SUBNET: nexus, REGIONAL_SUBNET: regional };
  for (const v of PORT_VARS) env[v] = String(await freePort());
  writeFileSync(path.join(dir, '.env'), Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));
  return { dir, env };
}

/** The label Compose puts on everything of a project. */
export const COMPOSE_LABEL = 'com.docker.compose.project';

/** The kinds of object a project leaves on the engine: how to list them, how to remove them. */
const KINDS = [
  { key: 'containers', list: ['ps', '-aq'], remove: ['rm', '-f', '-v'] },
  { key: 'networks', list: ['network', 'ls', '-q'], remove: ['network', 'rm'] },
  { key: 'volumes', list: ['volume', 'ls', '-q'], remove: ['volume', 'rm'] },
];

function listLabelled(kind, project, label) {
  return dockerIds([...kind.list, '--filter', `label=${label}=${project}`]);
}

/** Containers, networks and volumes carrying `label=project` (by default the project's Compose label). */
export function labelled(project, label = COMPOSE_LABEL) {
  return Object.fromEntries(KINDS.map((kind) => [kind.key, listLabelled(kind, project, label)]));
}

/** Removes whatever still carries `label=project` for any of `labels` (and nothing else): containers first,
 * then networks, then volumes, each kind listed just before it is removed. */
export function removeLabelled(project, labels = [COMPOSE_LABEL]) {
  for (const kind of KINDS) {
    for (const label of labels) {
      const ids = listLabelled(kind, project, label);
      if (ids.length > 0) docker([...kind.remove, ...ids]);
    }
  }
}

/** Takes a demo copy away: `compose(['--profile', profile, 'down', '-v', …])` (a failure is said, not thrown),
 * then whatever still carries the project's label, then the folder. */
export function removeCopy(dir, project, compose, profile) {
  try {
    compose(['--profile', profile, 'down', '-v', '--timeout', '1']);
  } catch (e) {
    console.error(`compose down failed: ${e.message}`);
  }
  removeLabelled(project);
  rmSync(dir, { recursive: true, force: true });
}

/** Stops a child process the test started (by its PID) and waits until it has exited. */
export async function stopChild(child) {
  child.kill('SIGTERM');
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
}

/** `service → "status/health"` of the project's containers. */
export function states(project) {
  const ids = listLabelled(KINDS[0], project, COMPOSE_LABEL);
  if (ids.length === 0) return {};
  const lines = docker(['inspect', '-f', '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}', ...ids]);
  return Object.fromEntries(lines.split('\n').map((l) => l.split(' ')));
}
