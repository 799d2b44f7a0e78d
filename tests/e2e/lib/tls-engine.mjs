// A private Docker engine for the window tests, on loopback with TLS verification: certificates made with
// `openssl` for the run (a CA, the engine's leaf for 127.0.0.1, a client leaf), a `dockerd` of our own with its own
// data and exec roots, unix socket (for setup) and `tcp://127.0.0.1:PORT --tlsverify`. Stopped by the PID we
// started (SIGTERM, SIGKILL after 30 s), then only processes naming our folder, our mounts and the folder go.
// The shared engine is never touched.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './stack.mjs';

function openssl(dir, args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function ca(dir, name) {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=dockmaster e2e ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', `${name}-key.pem`, '-out', `${name}.pem`]);
}

function leaf(dir, name, usage) {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`,
    '-keyout', `${name}-key.pem`, '-out', `${name}.csr`]);
  const san = usage === 'serverAuth' ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' : '';
  writeFileSync(path.join(dir, `${name}.ext`),
    `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${usage}\n${san}`);
  openssl(dir, ['x509', '-req', '-days', '2', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem',
    '-CAcreateserial', '-extfile', `${name}.ext`, '-out', `${name}-cert.pem`]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts the engine; resolves when it answers on its socket. */
export async function startTlsEngine() {
  // Short path: unix socket paths are limited to ~108 bytes.
  const dir = `/tmp/dme2e-tls-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  const certs = path.join(dir, 'certs');
  mkdirSync(certs, { recursive: true });
  ca(certs, 'ca');
  leaf(certs, 'server', 'serverAuth');
  leaf(certs, 'client', 'clientAuth');
  const port = await freePort();
  const sock = `unix://${dir}/sock`;
  const log = openSync(path.join(dir, 'dockerd.log'), 'a');
  const bridge = ownBridge();
  const child = spawn('dockerd', [
    '--data-root', `${dir}/data`, '--exec-root', `${dir}/exec`, '--pidfile', `${dir}/pid`,
    '-H', sock, '-H', `tcp://127.0.0.1:${port}`, `--bridge=${bridge}`, '--iptables=false',
    '--tlsverify', '--tlscacert', `${certs}/ca.pem`, '--tlscert', `${certs}/server-cert.pem`, '--tlskey', `${certs}/server-key.pem`,
  ], { stdio: ['ignore', log, log] });
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const engine = {
    dir,
    port,
    address: `127.0.0.1:${port}`,
    /** Its unix socket, for the test's own setup and checks (`docker -H`). */
    sock,
    ca: `${certs}/ca.pem`,
    cert: `${certs}/client-cert.pem`,
    key: `${certs}/client-key.pem`,
    version: '',
    log: () => readFileSync(path.join(dir, 'dockerd.log'), 'utf8').split('\n').slice(-30).join('\n'),
    stop: () => stopEngine(child, dir, () => exited !== null, sock, bridge),
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      engine.version = execFileSync('docker', ['-H', sock, 'version', '--format', '{{.Server.Version}}'], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      return engine;
    } catch {
      if (exited) throw new Error(`the private dockerd exited (${JSON.stringify(exited)}):\n${engine.log()}`);
      if (Date.now() > deadline) {
        await engine.stop();
        throw new Error(`the private dockerd did not answer within 60 s:\n${engine.log()}`);
      }
      await sleep(100);
    }
  }
}

/** PIDs of processes whose command line names our folder (the containerd our dockerd started). */
function ours(dir) {
  const out = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || pid === String(process.pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Stops a private dockerd by its PID (`done()`: it has exited), then whatever names `dir` (its containerd), the
 * mounts under `dir`, the host interfaces of its bridge networks (they outlive it and their routes would shadow
 * the same subnets on a later engine), and `dir`. `sock`: its `unix://` socket, to list its networks first. */
/** Creates a bridge interface for a private engine's default bridge and returns its name. Never
 * `--bridge=none`: a dockerd with its bridge disabled deletes the host's `docker0` when it starts (Moby's
 * `removeDefaultBridgeInterface`), which breaks the shared engine's default network. */
export function ownBridge() {
  const name = `dmb-${Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0')}`;
  execFileSync('ip', ['link', 'add', name, 'type', 'bridge']);
  execFileSync('ip', ['link', 'set', name, 'up']);
  return name;
}

/** Stops a private engine we started: its processes, mounts, the bridge interfaces of its networks and its
 * own default `bridge` interface, and its folder. */
export async function stopEngine(child, dir, done, sock, bridge) {
  const bridges = !done() && sock ? bridgeInterfaces(sock) : [];
  if (bridge) bridges.push(bridge);
  if (!done()) {
    child.kill('SIGTERM');
    const deadline = Date.now() + 30_000;
    while (!done() && Date.now() < deadline) await sleep(100);
    if (!done()) child.kill('SIGKILL');
    while (!done()) await sleep(50);
  }
  for (const pid of ours(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((p) => p?.startsWith(dir));
  for (const p of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', p], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  for (const name of bridges) {
    if (!existsSync(`/sys/class/net/${name}`)) continue;
    try {
      execFileSync('ip', ['link', 'delete', name], { stdio: 'ignore' });
    } catch {
      // gone meanwhile
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** The host interfaces (`br-<id>`) of the bridge networks of the engine at `sock`. */
function bridgeInterfaces(sock) {
  try {
    return execFileSync('docker', ['-H', sock, 'network', 'ls', '-q', '--no-trunc', '--filter', 'driver=bridge'], { encoding: 'utf8' })
      .split('\n')
      .filter((id) => /^[0-9a-f]{12,}$/.test(id))
      .map((id) => `br-${id.slice(0, 12)}`);
  } catch {
    return [];
  }
}
