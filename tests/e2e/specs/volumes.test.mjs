// The real app's Volumes section on a running copy of the demo: the volumes grouped by the stack descriptor's
// purposes, the database's volume (2 MiB written into it) sized by the engine, the bind mounts with the Docker
// socket marked privileged. Then volume backup and restore: Back up… opens the native save dialog
// (answered with xdotool, as a user types a path), the archive and its checksum land there; the volume is then
// changed behind the app's back, and Restore… (the volume's name typed first, then the native open dialog) puts
// the backed-up files back, the database stopped and started again around it. A backup of the volume made big
// enough to still be running is cancelled with the Cancel beside its progress: its helper container is gone, no
// archive (nor temporary file) is written, and the window says so. A restore of an archive slow to unpack (200,000
// files) is cancelled with the same Cancel while it unpacks: the volume keeps exactly its files (checksummed by a
// labelled helper container of the demo image), the database runs again, and the window says it was cancelled.
// Everything is removed at the end.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { launch, find, screenshot, until } from '../lib/app.mjs';
import { composeIn, demoCopy, docker, dockerIds, removeCopy, removeLabelled, states } from '../lib/stack.mjs';

const COMPOSE_FILES = ['-f', 'docker-compose.yml', '-f', 'docker-compose.dev.yml'];

const project = `dme2e-vol-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
const volume = `${project}_postgres_data`;
let dir;
let browser;

function compose(args) {
  return composeIn(dir, COMPOSE_FILES, args);
}

function xdotool(args) {
  return execFileSync('xdotool', args, { encoding: 'utf8' }).trim();
}

/** In the database's data volume: `sh -c script`. */
function inVolume(script) {
  return docker(['exec', `${project}-database`, 'sh', '-c', `cd /var/lib/postgresql/data && ${script}`]);
}

/** Answers the native file dialog titled `title` with `file`, typed into its location field. */
async function answerDialog(title, file) {
  let id = '';
  await until(`the "${title}" dialog`, 15000, () => {
    try {
      id = xdotool(['search', '--onlyvisible', '--name', `^${title}$`]).split('\n')[0];
    } catch {
      id = '';
    }
    return id !== '' || 'no window yet';
  });
  await new Promise((r) => setTimeout(r, 500)); // let GTK finish mapping it
  xdotool(['windowfocus', '--sync', id]);
  xdotool(['key', '--clearmodifiers', 'ctrl+l']);
  xdotool(['key', '--clearmodifiers', 'ctrl+a']);
  xdotool(['type', '--delay', '15', file]);
  await new Promise((r) => setTimeout(r, 300));
  xdotool(['key', '--clearmodifiers', 'Return']);
}

async function outcome() {
  const el = await find(browser, '[data-testid="volume-outcome"]', 60000);
  return (await el.getProperty('textContent')).replace(/\s+/g, ' ').trim();
}

before(async () => {
  ({ dir } = await demoCopy('dockmaster-e2e-volumes-', project));
  compose(['--profile', 'development', 'up', '-d', 'database']);
  await until('the database to run healthy', 120_000, () => states(project).database === 'running/healthy' || states(project));
  inVolume('echo original > dm-marker && head -c 2097152 /dev/zero > dm-blob');
  browser = await launch(dir);
});

after(async () => {
  await browser?.deleteSession();
  removeLabelled(project, ['dockmaster.helper', 'dockmaster.test']);
  if (dir) removeCopy(dir, project, compose, 'development');
});

test('Volumes are grouped by purpose with the engine\'s sizes; the bind mounts list the Docker socket as privileged', async () => {
  const group = await find(browser, '[data-testid="volume-group-dev persistence"]', 30000);
  const size = await find(browser, '[data-testid="volume-size-postgres_data"]');
  // The page asked when it opened; the database may have written more since, so ask again once.
  await (await find(browser, '[data-testid="volume-measure"]')).click();
  let shown = '';
  await until('the engine\'s size of postgres_data', 30000, async () => {
    shown = (await size.getText()).trim();
    return /^\d+(\.\d)? (KiB|MiB|GiB)$/.test(shown) || shown;
  });
  const [value, unit] = shown.split(' ');
  const bytes = Number(value) * { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[unit];
  assert.ok(bytes >= 2 * 1024 ** 2, `postgres_data holds the 2 MiB written into it: ${shown}`);
  assert.match(await group.getText(), /postgres_backups/);
  const groups = await browser.$$('[data-testid^="volume-group-"]:not([data-testid^="volume-group-total"])');
  const names = [];
  for (const g of groups) names.push(await g.getAttribute('data-testid'));
  // Development mounts the dev persistence volumes and the front ends' asset volumes (multi-regional in the
  // descriptor); no monitoring group, no "other". The project's volumes only other profiles mount (monitoring's
  // grafana_data among them) follow in a group of their own, so they can be backed up too.
  assert.deepEqual(names, ['volume-group-dev persistence', 'volume-group-multi-regional', 'volume-group-other-profiles']);
  const others = await find(browser, '[data-testid="volume-group-other-profiles"]');
  assert.ok(await (await others.$('[data-testid="volume-row-grafana_data"]')).isExisting(), 'grafana_data under other profiles');
  const privileged = await find(browser, '[data-testid="bind-privileged"]');
  assert.equal((await privileged.getText()).trim(), 'privileged: controls the Docker engine');
  const row = await privileged.$('./ancestor::tr');
  assert.match(await row.getAttribute('data-testid'), /^bind-row-region-manager-/);
  assert.match(await row.getText(), /\/var\/run\/docker\.sock/);
  await browser.execute(() => document.getElementById('section-volumes')?.scrollIntoView({ block: 'start' }));
  await screenshot(browser, 'volumes-by-purpose');
});

test('Back up… writes the volume to the file chosen in the save dialog; Restore… puts it back after the typed name', async () => {
  const archive = path.join(dir, 'postgres-backup.tar.gz');
  const backup = await find(browser, `[data-testid="volume-backup-${volume}"]`, 30000);
  await browser.waitUntil(async () => await backup.isEnabled(), { timeout: 15000, timeoutMsg: 'Back up… enabled (the volume exists)' });
  await backup.click();
  await answerDialog('Back up volume', archive);
  const written = await outcome();
  assert.match(written, new RegExp(`Backed up ${volume} into ${archive.replace(/[.]/g, '\\.')}`));
  assert.ok(existsSync(archive) && existsSync(`${archive}.sha256`), 'the archive and its checksum file');
  const sha = createHash('sha256').update(readFileSync(archive)).digest('hex');
  assert.match(readFileSync(`${archive}.sha256`, 'utf8'), new RegExp(`^${sha}\\b`));
  await screenshot(browser, 'volumes-backed-up');

  // Changed behind the app's back.
  inVolume('echo changed > dm-marker && echo extra > dm-extra');

  await (await find(browser, `[data-testid="volume-restore-${volume}"]`)).click();
  const typed = await find(browser, '[data-testid="volume-restore-typed"]');
  const confirm = await find(browser, '[data-testid="volume-restore-confirm"]');
  await typed.setValue('postgres_data');
  assert.equal(await confirm.isEnabled(), false, 'the key alone does not confirm: the engine name must be typed');
  await typed.setValue(volume);
  await browser.waitUntil(async () => await confirm.isEnabled(), { timeout: 5000, timeoutMsg: 'the typed name enables the restore' });
  await confirm.click();
  await answerDialog('Restore volume from', archive);
  await until('the restore to finish', 90000, async () => /^Restored /.test(await outcome()) || (await outcome()));
  const restored = await outcome();
  assert.match(restored, new RegExp(`Restored ${volume} from `));
  assert.match(restored, /Stopped and started again: database/);
  await screenshot(browser, 'volumes-restored');

  await until('the database to run again', 60000, () => states(project).database?.startsWith('running/') || states(project));
  assert.equal(inVolume('cat dm-marker'), 'original');
  assert.equal(inVolume('ls dm-extra 2>/dev/null || echo gone'), 'gone');
});

/** The helper containers Dockmaster runs for this project (running or not). */
function helpers() {
  return dockerIds(['ps', '-aq', '--filter', `label=dockmaster.helper=${project}`]);
}

test('Cancel beside a running backup stops it: its helper removed, no archive written, the window says so', async () => {
  // 300 MB that gzip cannot shrink: the backup still runs when Cancel is pressed.
  inVolume('head -c 300000000 /dev/urandom > dm-big');
  const archive = path.join(dir, 'cancelled-backup.tar.gz');
  const backup = await find(browser, `[data-testid="volume-backup-${volume}"]`, 30000);
  await browser.waitUntil(async () => await backup.isEnabled(), { timeout: 15000, timeoutMsg: 'Back up… enabled (no job running)' });
  await backup.click();
  await answerDialog('Back up volume', archive);
  const job = await find(browser, '[data-testid="volume-job"]', 30000);
  await until('the backup to report bytes read', 60000, async () => {
    const text = (await job.getProperty('textContent')).replace(/\s+/g, ' ');
    return /: [1-9][0-9.]* ?[kKMG]/.test(text) || text;
  });
  assert.ok(helpers().length > 0, 'a helper container runs the backup');
  await screenshot(browser, 'volumes-backup-running');
  await (await find(browser, '[data-testid="volume-job-cancel"]')).click();

  const said = await outcome();
  assert.match(said, /cancelled/);
  assert.match(said, new RegExp(`backup of \x60?${volume}\x60? was cancelled: no archive was written`));
  await screenshot(browser, 'volumes-backup-cancelled');
  assert.equal(await (await find(browser, '[data-testid="volume-outcome"]')).getAttribute('role'), 'status', 'a cancel is no alert');
  assert.deepEqual(helpers(), [], 'the cancelled backup left its helper container');
  const left = readdirSync(dir).filter((name) => name.includes('cancelled-backup'));
  assert.deepEqual(left, [], 'the cancelled backup left files');
  // The volume is as it was (a backup reads only), and Back up… is offered again.
  assert.equal(inVolume('cat dm-marker'), 'original');
  await browser.waitUntil(async () => await backup.isEnabled(), { timeout: 15000, timeoutMsg: 'Back up… enabled again' });
  inVolume('rm dm-big');
});

/** Every path in the volume (type, mode, owner) and every file's SHA-256, as a helper container of the demo image sees
 * them: labelled with the test's project, removed when it exits (and in `after` if it did not). */
function volumeManifest() {
  return docker([
    'run', '--rm', '--pull', 'never', '--network', 'none', '--label', `dockmaster.test=${project}`, '-v', `${volume}:/v:ro`, '-w', '/v',
    'dockmaster/demo-busybox:latest', 'sh', '-c',
    'find . -exec stat -c "%F %a %u:%g %n" {} + | sort && find . -type f -exec sha256sum {} + | sort -k 2',
  ]);
}

/** A tar header (ustar) for `name`: a folder (`type` 5) or an empty file (`type` 0), root's, mode 755 / 644. */
function tarHeader(name, type) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write(type === '5' ? '0000755\0' : '0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write('00000000000\0', 124);
  h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** `file` (and its checksum file, as a backup has): a gzipped tar of `folders` x 1,000 empty files under
 * `./dm-many/`. Small and quick to write and check, but its unpacking creates the files one by one in the helper
 * container: seconds, however fast the machine decompresses. */
function writeManyFilesArchive(file, folders) {
  const blocks = [tarHeader('./', '5'), tarHeader('./dm-many/', '5')];
  for (let d = 0; d < folders; d++) {
    blocks.push(tarHeader(`./dm-many/${d}/`, '5'));
    for (let f = 0; f < 1000; f++) blocks.push(tarHeader(`./dm-many/${d}/${f}`, '0'));
  }
  blocks.push(Buffer.alloc(1024));
  const gz = gzipSync(Buffer.concat(blocks), { level: 1 });
  writeFileSync(file, gz);
  writeFileSync(`${file}.sha256`, `${createHash('sha256').update(gz).digest('hex')}  ${path.basename(file)}\n`);
}

test('Cancel beside a running restore stops it while it unpacks: the volume keeps its files, the database runs again', async () => {
  // The files the volume must keep, checksummed; an archive of 200,000 files to restore (see
  // writeManyFilesArchive): Cancel lands while it unpacks.
  inVolume('echo changed after the backups > dm-marker');
  const before = volumeManifest();
  assert.match(before, /regular file \d+ \d+:\d+ \.\/dm-marker/, 'the manifest lists the changed marker');
  const archive = path.join(dir, 'many-files.tar.gz');
  writeManyFilesArchive(archive, 200);

  const restore = await find(browser, `[data-testid="volume-restore-${volume}"]`, 30000);
  await browser.waitUntil(async () => await restore.isEnabled(), { timeout: 15000, timeoutMsg: 'Restore… enabled (no job running)' });
  await restore.click();
  await (await find(browser, '[data-testid="volume-restore-typed"]')).setValue(volume);
  const confirm = await find(browser, '[data-testid="volume-restore-confirm"]');
  await browser.waitUntil(async () => await confirm.isEnabled(), { timeout: 5000, timeoutMsg: 'the typed name enables the restore' });
  await confirm.click();
  await answerDialog('Restore volume from', archive);
  // Watched in the page (every 20 ms) for the first bytes unpacked, then Cancel is clicked at once.
  const running = await browser.executeAsync((done) => {
    const deadline = Date.now() + 25000;
    const tick = () => {
      const text = (document.querySelector('[data-testid="volume-job"]')?.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (/^Restoring .*: [1-9][0-9.]* ?[kKMG]/.test(text) || Date.now() > deadline) done(text);
      else setTimeout(tick, 20);
    };
    tick();
  });
  assert.match(running, /^Restoring .*: [1-9][0-9.]* ?[kKMG]/, 'the restore reports bytes unpacked');
  await (await find(browser, '[data-testid="volume-job-cancel"]')).click();

  const said = await outcome();
  assert.match(said, new RegExp(`restore of \x60?${volume}\x60? was cancelled while unpacking, before anything was replaced: its files are as they were`));
  assert.match(said, /database started again/);
  assert.equal(await (await find(browser, '[data-testid="volume-outcome"]')).getAttribute('role'), 'status', 'a cancel is no alert');
  await screenshot(browser, 'volumes-restore-cancelled');
  assert.deepEqual(helpers(), [], 'the cancelled restore left its helper container');
  await until('the database to run again', 60000, () => states(project).database?.startsWith('running/') || states(project));
  // Exactly the files it had: no staging folder left at its top, nothing of the archive unpacked into it.
  assert.equal(volumeManifest(), before, 'the cancelled restore changed the volume');
  assert.equal(inVolume('cat dm-marker'), 'changed after the backups');
  await browser.waitUntil(async () => await restore.isEnabled(), { timeout: 15000, timeoutMsg: 'Restore… enabled again' });
});
