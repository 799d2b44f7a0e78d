// The OS keychain (Secret Service) as any other client sees it, through `secret-tool` (libsecret-tools): what
// the app stored for a project, and the clean-up of what a test made it store.
import { spawnSync } from 'node:child_process';

/** The keychain service Dockmaster stores the secrets of the project rooted at `root` under
 * (secrets/keychain.rs: service_for). */
export function keychainService(root) {
  return `dockmaster:${root}`;
}

/** The value stored under `service` for `username`; null when there is none. */
export function lookupSecret(service, username) {
  const r = spawnSync('secret-tool', ['lookup', 'service', service, 'username', username], { encoding: 'utf8' });
  if (r.error) throw new Error(`secret-tool: ${r.error.message} (install libsecret-tools)`);
  return r.status === 0 ? r.stdout : null;
}

/** Removes every item under `service` (only the one for `username` when given). */
export function clearSecrets(service, username) {
  spawnSync('secret-tool', ['clear', 'service', service, ...(username === undefined ? [] : ['username', username])]);
}
