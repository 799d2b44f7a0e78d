// A private SSH engine for the window tests (the e2e port of crates/dockmaster-cli/tests/engine_support/ssh.rs):
// a `dockerd` of our own on a unix socket in our folder, Debian's `sshd -D -e -f CONFIG` on a free 127.0.0.1 port
// with a throwaway host key and `AuthorizedKeysFile` in our folder whose one key (a throwaway client key) logs in
// with `DOCKER_HOST` of that dockerd (`environment=`), so the remote `docker system dial-stdio` reaches it. ssh
// reads the home (known_hosts) from the password database, not `$HOME`: the app and our docker CLI run in a
// private mount namespace where `/etc/passwd` names our folder as root's home (`unshare`), so the user's own
// ~/.ssh is never read or written. sshd, the agent and dockerd are stopped by the PIDs we started; then only
// processes naming our folder, our mounts and the folder go. The shared engine is never touched.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { appBinary } from './app.mjs';
import { freePort } from './stack.mjs';
import { ownBridge, stopEngine } from './tls-engine.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function keygen(file) {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dockmaster-e2e', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `SHA256:…` of a public key file, as `ssh-keygen -lf` prints it. */
export function fingerprint(publicKey) {
  return execFileSync('ssh-keygen', ['-lf', publicKey], { encoding: 'utf8' }).split(/\s+/)[1];
}

/** Whether a loopback TCP port (a number) or a Unix socket (a path) accepts a connection. */
function listening(target) {
  return new Promise((resolve) => {
    const s = typeof target === 'number' ? net.connect(target, '127.0.0.1') : net.connect(target);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Waits until `ready()` holds, failing with `what` and `log()` after `ms` or when the child `exited()`. */
async function waitFor(what, ms, ready, exited, log) {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (exited()) throw new Error(`${what} exited (${JSON.stringify(exited())}):\n${log()}`);
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${ms / 1000} s:\n${log()}`);
    await sleep(100);
  }
}

function track(child) {
  const state = { exited: null };
  child.on('exit', (code, signal) => (state.exited = { code, signal }));
  return state;
}

async function stopChild(child, state) {
  if (!child || state.exited) return;
  child.kill('SIGTERM');
  const deadline = Date.now() + 10_000;
  while (!state.exited && Date.now() < deadline) await sleep(50);
  if (!state.exited) child.kill('SIGKILL');
  while (!state.exited) await sleep(50);
}

/** Starts dockerd, sshd and an agent holding the client key; resolves when all answer. */
export async function startSshEngine() {
  // Fails (never skips) without sshd and the OpenSSH client tools.
  for (const tool of ['/usr/sbin/sshd', 'ssh', 'ssh-agent', 'ssh-add', 'ssh-keygen', 'unshare']) {
    try {
      execFileSync('sh', ['-c', 'command -v "$0"', tool], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is missing: install openssh-server, openssh-client and util-linux (scripts/setup.sh)`);
    }
  }
  // Short path: unix socket paths are limited to ~108 bytes.
  const dir = `/tmp/dme2e-ssh-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  mkdirSync(path.join(dir, 'home'), { recursive: true });
  const sock = `unix://${dir}/sock`;
  const log = (name) => () => {
    try {
      return readFileSync(path.join(dir, name), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  };

  // The engine behind the SSH host.
  const dlog = openSync(path.join(dir, 'dockerd.log'), 'a');
  const bridge = ownBridge();
  const dockerd = spawn('dockerd', [
    '--data-root', `${dir}/data`, '--exec-root', `${dir}/exec`, '--pidfile', `${dir}/pid`,
    '-H', sock, `--bridge=${bridge}`, '--iptables=false',
  ], { stdio: ['ignore', dlog, dlog] });
  const dstate = track(dockerd);

  const engine = {
    dir,
    port: 0,
    user: 'root',
    hostKey: path.join(dir, 'hostkey.pub'),
    clientKey: path.join(dir, 'client'),
    knownHosts: path.join(dir, 'home/.ssh/known_hosts'),
    /** The private dockerd's own socket, for the test's checks and clean-up (not through SSH). */
    sock,
    agentSock: path.join(dir, 'agent.sock'),
    /** The app wrapped in our mount namespace, with NO SSH agent: give it as the WebDriver session's application. */
    app: path.join(dir, 'app.sh'),
    version: '',
    log: () => `--- dockerd ---\n${log('dockerd.log')()}\n--- sshd ---\n${log('sshd.log')()}`,
    stop: null,
  };
  let sshd = null;
  let sstate = { exited: null };
  let agent = null;
  let astate = { exited: null };
  engine.stop = async () => {
    await stopChild(sshd, sstate);
    await stopChild(agent, astate);
    await stopEngine(dockerd, dir, () => dstate.exited !== null, sock, bridge);
  };

  try {
    let version = '';
    await waitFor('the private dockerd', 60_000, async () => {
      try {
        version = execFileSync('docker', ['-H', sock, 'version', '--format', '{{.Server.Version}}'], {
          encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
        }).trim();
        return true;
      } catch {
        return false;
      }
    }, () => dstate.exited, log('dockerd.log'));
    engine.version = version;

    // Keys, the one authorized key (its logins reach our dockerd), sshd's config.
    keygen(path.join(dir, 'hostkey'));
    keygen(engine.clientKey);
    const pub = readFileSync(`${engine.clientKey}.pub`, 'utf8');
    writeFileSync(path.join(dir, 'authorized_keys'), `environment="DOCKER_HOST=${sock}" ${pub}`);
    engine.port = await freePort();
    writeFileSync(path.join(dir, 'sshd_config'), [
      `Port ${engine.port}`, 'ListenAddress 127.0.0.1', `HostKey ${dir}/hostkey`, `AuthorizedKeysFile ${dir}/authorized_keys`,
      `PidFile ${dir}/sshd.pid`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password', 'PermitUserEnvironment DOCKER_HOST', 'UsePAM no', 'StrictModes no',
      'AllowTcpForwarding no', 'X11Forwarding no', '',
    ].join('\n'));
    // sshd's privilege separation folder, which the package's service would create.
    mkdirSync('/run/sshd', { recursive: true });
    const slog = openSync(path.join(dir, 'sshd.log'), 'a');
    sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', slog, slog] });
    sstate = track(sshd);
    await waitFor('sshd', 10_000, () => listening(engine.port), () => sstate.exited, log('sshd.log'));

    // An agent of our own holding the client key, for the TEST's docker CLI only (`sshDocker`: it runs ssh itself
    // and finds the key only in the agent, as the page's note says). The app never gets it: its own connections
    // and its Compose (through its relay socket) use the key file the form names.
    agent = spawn('ssh-agent', ['-D', '-a', engine.agentSock], { stdio: 'ignore' });
    astate = track(agent);
    // Its socket file appears when it binds, before it listens: wait until the socket accepts a connection.
    await waitFor('ssh-agent', 10_000, () => listening(engine.agentSock), () => astate.exited, () => '');
    execFileSync('ssh-add', ['-q', engine.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: engine.agentSock }, stdio: 'ignore' });

    // Root's password entry with our folder as home, and the app's wrapper that mounts it over /etc/passwd.
    const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => {
      const f = l.split(':');
      if (f[0] === 'root' && f.length > 5) f[5] = path.join(dir, 'home');
      return f.join(':');
    });
    writeFileSync(path.join(dir, 'passwd'), passwd.join('\n'));
    writeFileSync(engine.app, `#!/bin/sh\n# The app in a private mount namespace whose /etc/passwd names ${dir}/home as root's home.\n` +
      `unset SSH_AUTH_SOCK\nHOME='${dir}/home' exec ${[...unshareArgs(dir), appBinary].map((a) => `'${a}'`).join(' ')} "$@"\n`);
    chmodSync(engine.app, 0o755);
    return engine;
  } catch (e) {
    await engine.stop();
    throw e;
  }
}

function unshareArgs(dir) {
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/passwd && exec "$@"', path.join(dir, 'passwd')];
}

/** `docker ARGS` straight on the private dockerd's socket (checks and clean-up that need no SSH). */
export function engineDocker(engine, args) {
  return execFileSync('docker', ['-H', engine.sock, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** `docker ARGS` on the client side: our namespace (known_hosts in our folder), the agent holding the key. */
export function sshDocker(engine, args) {
  const [cmd, ...rest] = unshareArgs(engine.dir);
  return execFileSync(cmd, [...rest, 'docker', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: path.join(engine.dir, 'home'), SSH_AUTH_SOCK: engine.agentSock },
  }).trim();
}
