// The Environment page's state: the catalog of the current selection (with its rules and the `.env`
// revision it was read at), and the edits made from it. One instance per mounted page.
//
// Secret values pass through here only on their way to the backend (`setSecret`) or back from an explicit
// reveal (`reveal`); neither is kept in the store. Every successful change reloads the catalog, so what is
// shown is always what the backend reads.

import type { EnvironmentState, ImportReport, VariableView } from "../bindings";
import { toUiError, type Backend, type UiError } from "../backend";

export type Outcome = { ok: true } | { ok: false; error: UiError };

export interface Notice {
  tone: "ok" | "info" | "warning";
  text: string;
}

const KEYCHAIN_CODES: ReadonlySet<string> = new Set([
  "KEYCHAIN_LOCKED",
  "KEYCHAIN_UNAVAILABLE",
  "KEYCHAIN_NO_SESSION_BUS",
  "KEYCHAIN_NO_PROVIDER",
  "KEYCHAIN_NO_COLLECTION",
  "KEYCHAIN_VERIFY_FAILED",
]);

export class EnvironmentStore {
  state = $state<EnvironmentState | null>(null);
  loading = $state(false);
  /** The catalog could not be read (the last good one, if any, stays shown). */
  loadError = $state<UiError | null>(null);
  /** An edit was refused because `.env` changed on disk since the catalog was read. */
  conflict = $state<UiError | null>(null);
  /** A keychain operation failed (locked, no provider…); the catalog's own status is in `state`. */
  keychainError = $state<UiError | null>(null);
  /** The result of the last action, for the status line. */
  notice = $state<Notice | null>(null);
  /** The variable with a request in flight ("" for import), else null. */
  pending = $state<string | null>(null);

  readonly keychainAvailable = $derived(
    this.state !== null && this.state.catalog.keychain.available && this.keychainError === null,
  );

  #backend: Backend;
  #onEnvFileChanged: () => void;
  #seq = 0;
  #dir: string | null = null;
  #profiles: string[] = [];

  /** `onEnvFileChanged` runs after this store wrote `.env` (the project's report depends on it). */
  constructor(backend: Backend, onEnvFileChanged: () => void = () => {}) {
    this.#backend = backend;
    this.#onEnvFileChanged = onEnvFileChanged;
  }

  /** Reads the catalog of `profiles`; only the newest request may write its answer. */
  async load(dir: string, profiles: string[]): Promise<void> {
    const seq = ++this.#seq;
    if (dir !== this.#dir) this.state = null;
    this.#dir = dir;
    this.#profiles = [...profiles];
    this.loading = true;
    try {
      const state = await this.#backend.envCatalog(dir, [...profiles]);
      if (seq !== this.#seq) return;
      this.state = state;
      this.loadError = null;
      // A fresh read resolves a conflict, and tells anew whether the keychain can be read.
      this.conflict = null;
      this.keychainError = null;
    } catch (e) {
      if (seq !== this.#seq) return;
      this.loadError = toUiError(e);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  async reload(): Promise<void> {
    if (this.#dir !== null) await this.load(this.#dir, this.#profiles);
  }

  variable(name: string): VariableView | undefined {
    return this.state?.catalog.groups.flatMap((g) => g.variables).find((v) => v.name === name);
  }

  /** Writes a non-secret into `.env`, against the revision the catalog was read at. */
  setVariable(name: string, value: string): Promise<Outcome> {
    const revision = this.state?.revision ?? "";
    return this.#act(name, async (dir) => {
      await this.#backend.setVariable(dir, name, value, revision);
      this.#onEnvFileChanged();
      return { tone: "ok", text: `Saved ${name} to .env.` };
    });
  }

  setSecret(name: string, value: string): Promise<Outcome> {
    return this.#act(name, async (dir) => {
      await this.#backend.setSecret(dir, name, value);
      return { tone: "ok", text: `Stored ${name} in the OS keychain.` };
    });
  }

  generate(name: string): Promise<Outcome> {
    return this.#act(name, async (dir) => {
      const length = await this.#backend.generateSecret(dir, name);
      return { tone: "ok", text: `Generated ${name} (${length} characters) and stored it in the OS keychain.` };
    });
  }

  remove(name: string): Promise<Outcome> {
    return this.#act(name, async (dir) => {
      const existed = await this.#backend.deleteSecret(dir, name);
      return existed
        ? { tone: "ok", text: `Deleted ${name} from the OS keychain.` }
        : { tone: "info", text: `${name} was not in the OS keychain.` };
    });
  }

  /** A secret's value for an explicit reveal. Not kept here: the caller shows it and forgets it. */
  async reveal(name: string): Promise<{ ok: true; value: string | null } | { ok: false; error: UiError }> {
    const dir = this.#dir;
    if (dir === null) return { ok: false, error: { code: "IPC", message: "No project is open." } };
    try {
      return { ok: true, value: await this.#backend.revealSecret(dir, name) };
    } catch (e) {
      const error = toUiError(e);
      this.#route(error);
      return { ok: false, error };
    }
  }

  importSecrets(): Promise<Outcome> {
    return this.#act("", async (dir) => {
      const report = await this.#backend.importSecrets(dir);
      if (report.moved.length > 0) this.#onEnvFileChanged();
      return importNotice(report);
    });
  }

  /** "Create keychain" / "Unlock keychain": asks the Secret Service (the desktop asks for the password), then
   * reads the catalog again. Rejects with the backend's error (a cancelled prompt…) for the button to show. */
  async keychain(action: "create" | "unlock"): Promise<void> {
    const dir = this.#dir;
    if (dir === null) throw { code: "IPC", message: "No project is open." } satisfies UiError;
    const change = action === "create" ? await this.#backend.keychainCreate(dir) : await this.#backend.keychainUnlock(dir);
    await this.reload();
    this.notice = {
      tone: "ok",
      text:
        change === "created"
          ? "Created the default keychain: secrets can be stored now."
          : change === "unlocked"
            ? "Unlocked the keychain."
            : "The keychain was ready already.",
    };
  }

  dismissNotice(): void {
    this.notice = null;
  }

  async #act(name: string, run: (dir: string) => Promise<Notice>): Promise<Outcome> {
    const dir = this.#dir;
    if (dir === null) return { ok: false, error: { code: "IPC", message: "No project is open." } };
    this.pending = name;
    this.notice = null;
    try {
      const notice = await run(dir);
      await this.reload();
      this.notice = notice;
      return { ok: true };
    } catch (e) {
      const error = toUiError(e);
      this.#route(error);
      return { ok: false, error };
    } finally {
      this.pending = null;
    }
  }

  /** Errors about the whole page go to its banners; the caller shows the rest next to the variable. */
  #route(error: UiError): void {
    if (error.code === "ENV_FILE_CONFLICT") this.conflict = error;
    else if (KEYCHAIN_CODES.has(error.code)) this.keychainError = error;
  }
}

function importNotice(report: ImportReport): Notice {
  if (report.envFile === null) return { tone: "info", text: "There is no .env file: nothing to import." };
  const parts: string[] = [];
  if (report.moved.length > 0) {
    parts.push(
      `Moved ${report.moved.length} secret${report.moved.length === 1 ? "" : "s"} from .env into the OS keychain: ${report.moved.join(", ")}. Their lines in .env are now empty, with a comment saying where the value lives.`,
    );
  } else {
    parts.push("No secret values in .env to import.");
  }
  if (report.conflicts.length > 0) {
    parts.push(
      `Left in .env, because the keychain already holds a different value: ${report.conflicts.join(", ")}. Keep one of them: replace or delete the keychain value, or remove the line from .env.`,
    );
  }
  if (report.reserved.length > 0) {
    parts.push(
      `Left in .env, because Dockmaster reserves these names for Compose and the Docker CLI: ${report.reserved.join(", ")}.`,
    );
  }
  if (report.tooShort.length > 0) {
    parts.push(
      `Left in .env, because their values are too short to be hidden in logs: ${report.tooShort.join(", ")}. Generate longer values for them.`,
    );
  }
  const leftBehind = report.conflicts.length + report.reserved.length + report.tooShort.length;
  return { tone: leftBehind > 0 ? "warning" : report.moved.length > 0 ? "ok" : "info", text: parts.join(" ") };
}
