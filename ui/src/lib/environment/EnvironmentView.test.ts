// The Environment page in the whole app against a fake Rust side (mockIPC): groups and badges, filtering,
// inline validation, the calls behind save / generate / delete / reveal / import, the .env conflict and the
// locked-keychain banner. Command names and arguments are the ones the generated bindings send.

import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, test, vi } from "vitest";
import App from "../../App.svelte";
import type { EnvironmentState } from "../bindings";
import { ROOT, overview, reportFor } from "../../test/fixtures";
import { environmentDevelopment, environmentKeychainLocked, withVariable } from "../../test/fixtures/environment";
import { appError, fakeIpc, type Handler } from "../../test/ipc";

const LONG_SECRET = "0123456789abcdefghijklmnopqrstuvwxyzABCD"; // 40 characters

async function openEnvironment(overrides: Record<string, Handler> = {}, options: { fakeTimers?: boolean } = {}) {
  let catalog: EnvironmentState = environmentDevelopment();
  const ipc = fakeIpc({
    startup_project: () => ROOT,
    recent_projects: () => [ROOT],
    open_project: () => overview(),
    selection_report: (args) => reportFor(args.profiles as string[]),
    env_catalog: () => catalog,
    ...overrides,
  });
  const user = userEvent.setup(options.fakeTimers ? { advanceTimers: vi.advanceTimersByTime } : {});
  render(App);
  await user.click(await screen.findByRole("link", { name: "Environment" }));
  await screen.findByTestId("env-var-JWT_SECRET");
  return {
    ipc,
    user,
    /** What the next `env_catalog` answers (the backend after a change). */
    setCatalog(next: EnvironmentState) {
      catalog = next;
    },
  };
}

const row = (name: string) => screen.getByTestId(`env-var-${name}`);

afterEach(() => {
  vi.useRealTimers();
});

describe("the catalog", () => {
  test("groups in the deployment doc's order, with a status badge and a source per variable", async () => {
    const { ipc } = await openEnvironment();
    expect(ipc.callsOf("env_catalog")).toEqual([{ dir: ROOT, profiles: ["development"] }]);

    const page = screen.getByTestId("environment-view");
    const headings = within(page).getAllByRole("heading", { level: 2 }).map((h) => h.textContent?.replace(/\d+$/, "").trim());
    expect(headings).toEqual([
      "Environment",
      "Required",
      "OAuth",
      "URLs and environment detection",
      "AI / payments / multi-regional",
      "Ports",
      "Other",
    ]);
    const status = (name: string) => screen.getByTestId(`env-status-${name}`).textContent?.trim();
    const source = (name: string) => screen.getByTestId(`env-source-${name}`).textContent?.trim();
    expect(status("JWT_SECRET")).toBe("Invalid");
    expect(status("ARIA_ENCRYPTION_KEY")).toBe("Missing");
    expect(status("ADMIN_PASSWORD")).toBe("Set");
    expect(status("ENVIRONMENT")).toBe("Default in use");
    expect(source("ADMIN_PASSWORD")).toBe("keychain");
    expect(source("JWT_SECRET")).toBe(".env");
    expect(source("ENVIRONMENT")).toBe("compose default");
    expect(source("ARIA_ENCRYPTION_KEY")).toBe("unset");
    expect(screen.getByTestId("env-error-count")).toHaveTextContent("3 errors");

    // The rule's message says what is wrong; a secret's value is never shown, a non-secret's is.
    expect(within(row("JWT_SECRET")).getByText(/must be at least 32 characters \(it has 9\)/)).toBeInTheDocument();
    expect(within(row("JWT_SECRET")).getByText("dockmaster secret generate").tagName).toBe("CODE");
    expect(within(row("ADMIN_PASSWORD")).getByLabelText("hidden value")).toHaveTextContent("••••••");
    expect(within(row("ADMIN_USERNAME")).getByText("admin")).toBeInTheDocument();
    expect(row("ADMIN_PASSWORD")).toHaveTextContent("Bootstrap admin password");
    expect(row("JWT_SECRET")).toHaveTextContent("used by central-nexus-server, gameserver, region-manager");
  });

  test("the filter box and 'Problems only' narrow the list", async () => {
    const { user } = await openEnvironment();
    await user.click(screen.getByRole("checkbox", { name: /Problems only/ }));
    const shown = screen.getAllByTestId(/^env-var-/).map((r) => r.dataset.testid);
    expect(shown).toEqual(["env-var-JWT_SECRET", "env-var-ARIA_ENCRYPTION_KEY", "env-var-CLIENT_SECRET_GITHUB"]);

    await user.click(screen.getByRole("checkbox", { name: /Problems only/ }));
    await user.type(screen.getByRole("searchbox", { name: "Filter variables" }), "grafana_");
    const names = screen.getAllByTestId(/^env-var-/).map((r) => r.dataset.testid);
    expect(names).toEqual(["env-var-GRAFANA_PORT", "env-var-GRAFANA_PASSWORD"]);
    expect(screen.getByText(/Showing 2 of \d+ variables/)).toBeInTheDocument();

    await user.clear(screen.getByRole("searchbox", { name: "Filter variables" }));
    await user.type(screen.getByRole("searchbox", { name: "Filter variables" }), "nothing-like-this");
    expect(screen.getByText(/No variable matches “nothing-like-this”/)).toBeInTheDocument();
  });
});

describe("secrets", () => {
  test("a too-short JWT_SECRET is refused inline; a valid one is stored and the input is never pre-filled", async () => {
    const { ipc, user, setCatalog } = await openEnvironment({ set_secret: () => null });
    await user.click(within(row("JWT_SECRET")).getByRole("button", { name: "Replace JWT_SECRET" }));
    const input = screen.getByLabelText("New value for JWT_SECRET");
    expect(input).toHaveAttribute("type", "password");
    expect(input).toHaveValue("");
    expect(input).toHaveFocus();

    await user.type(input, "too-short");
    const problems = screen.getByTestId("env-problems-JWT_SECRET");
    expect(problems).toHaveTextContent("Must be at least 32 characters (it has 9).");
    expect(input).toHaveAttribute("aria-invalid", "true");
    const save = screen.getByTestId("env-save-JWT_SECRET");
    expect(save).toBeDisabled();
    await user.type(input, "{Enter}");
    expect(ipc.callsOf("set_secret")).toEqual([]);

    await user.clear(input);
    await user.type(input, LONG_SECRET);
    expect(problems).toBeEmptyDOMElement();
    expect(save).toBeEnabled();
    setCatalog(withVariable(environmentDevelopment(), "JWT_SECRET", { source: "keychain", status: "ok", findings: [] }));
    await user.click(save);

    expect(ipc.callsOf("set_secret")).toEqual([{ dir: ROOT, name: "JWT_SECRET", value: LONG_SECRET }]);
    expect(await screen.findByTestId("env-notice")).toHaveTextContent("Stored JWT_SECRET in the OS keychain.");
    expect(screen.queryByLabelText("New value for JWT_SECRET")).toBeNull();
    expect(screen.getByTestId("env-status-JWT_SECRET")).toHaveTextContent("Set");
    expect(screen.getByTestId("env-source-JWT_SECRET")).toHaveTextContent("keychain");
    expect(document.body.textContent).not.toContain(LONG_SECRET);
    // Focus returns to the button that opened the editor.
    expect(within(row("JWT_SECRET")).getByRole("button", { name: "Replace JWT_SECRET" })).toHaveFocus();
  });

  test("a value the backend refuses is shown next to the variable", async () => {
    const { user } = await openEnvironment({
      set_secret: () => appError("VALUE_INVALID", "STEAM_API_KEY was not stored: something the UI did not check."),
    });
    await user.click(within(row("STEAM_API_KEY")).getByRole("button", { name: "Set STEAM_API_KEY" }));
    await user.type(screen.getByLabelText("Value for STEAM_API_KEY"), "abc{Enter}");
    const error = await screen.findByTestId("env-error-STEAM_API_KEY");
    expect(error).toHaveAttribute("data-code", "VALUE_INVALID");
    expect(error).toHaveTextContent("The value was not saved");
    expect(screen.getByLabelText("Value for STEAM_API_KEY")).toBeInTheDocument();
  });

  test("Generate fills a missing secret at once and asks before replacing one", async () => {
    const { ipc, user } = await openEnvironment({ generate_secret: (args) => (args.name === "ARIA_ENCRYPTION_KEY" ? 44 : 48) });
    await user.click(within(row("ARIA_ENCRYPTION_KEY")).getByRole("button", { name: "Generate ARIA_ENCRYPTION_KEY" }));
    expect(ipc.callsOf("generate_secret")).toEqual([{ dir: ROOT, name: "ARIA_ENCRYPTION_KEY" }]);
    expect(await screen.findByTestId("env-notice")).toHaveTextContent(
      "Generated ARIA_ENCRYPTION_KEY (44 characters) and stored it in the OS keychain.",
    );
    expect(ipc.callsOf("env_catalog")).toHaveLength(2);

    await user.click(within(row("SECRET_KEY")).getByRole("button", { name: "Generate SECRET_KEY" }));
    const confirm = screen.getByTestId("env-confirm-generate-SECRET_KEY");
    expect(confirm).toHaveTextContent("The current value is lost.");
    expect(ipc.callsOf("generate_secret")).toHaveLength(1);
    await user.click(within(confirm).getByRole("button", { name: "Generate" }));
    expect(ipc.callsOf("generate_secret")).toEqual([
      { dir: ROOT, name: "ARIA_ENCRYPTION_KEY" },
      { dir: ROOT, name: "SECRET_KEY" },
    ]);
  });

  test("Delete asks first, then removes the secret from the keychain", async () => {
    const { ipc, user } = await openEnvironment({ delete_secret: () => true });
    expect(within(row("JWT_SECRET")).queryByRole("button", { name: /Delete/ })).toBeNull(); // not in the keychain
    await user.click(within(row("SECRET_KEY")).getByRole("button", { name: "Delete SECRET_KEY from the keychain" }));
    const confirm = screen.getByTestId("env-confirm-delete-SECRET_KEY");
    expect(confirm).toHaveTextContent("It is required");
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(ipc.callsOf("delete_secret")).toEqual([]);

    await user.click(within(row("SECRET_KEY")).getByRole("button", { name: "Delete SECRET_KEY from the keychain" }));
    await user.click(within(screen.getByTestId("env-confirm-delete-SECRET_KEY")).getByRole("button", { name: "Delete" }));
    expect(ipc.callsOf("delete_secret")).toEqual([{ dir: ROOT, name: "SECRET_KEY" }]);
    expect(await screen.findByTestId("env-notice")).toHaveTextContent("Deleted SECRET_KEY from the OS keychain.");
  });

  test("Reveal shows the value on request only, and hides it after 30 seconds", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { ipc, user } = await openEnvironment({ reveal_secret: () => "a-long-enough-admin-pass" }, { fakeTimers: true });
    expect(ipc.callsOf("reveal_secret")).toEqual([]);
    expect(document.body.textContent).not.toContain("a-long-enough-admin-pass");

    await user.click(within(row("ADMIN_PASSWORD")).getByRole("button", { name: "Reveal ADMIN_PASSWORD" }));
    expect(await screen.findByTestId("env-revealed-ADMIN_PASSWORD")).toHaveTextContent("a-long-enough-admin-pass");
    expect(ipc.callsOf("reveal_secret")).toEqual([{ dir: ROOT, name: "ADMIN_PASSWORD" }]);
    expect(within(row("ADMIN_PASSWORD")).getByRole("button", { name: "Hide ADMIN_PASSWORD" })).toHaveAttribute("aria-pressed", "true");

    vi.advanceTimersByTime(29_000);
    await waitFor(() => expect(screen.getByTestId("env-var-ADMIN_PASSWORD")).toHaveTextContent("hides in 1 s"));
    vi.advanceTimersByTime(1_000);
    await waitFor(() => expect(screen.queryByTestId("env-revealed-ADMIN_PASSWORD")).toBeNull());
    expect(document.body.textContent).not.toContain("a-long-enough-admin-pass");
  });

  test("leaving the page hides a revealed value", async () => {
    const { user } = await openEnvironment({ reveal_secret: () => "a-long-enough-admin-pass" });
    await user.click(within(row("ADMIN_PASSWORD")).getByRole("button", { name: "Reveal ADMIN_PASSWORD" }));
    await screen.findByTestId("env-revealed-ADMIN_PASSWORD");
    await user.click(screen.getByRole("link", { name: "Overview" }));
    expect(document.body.textContent).not.toContain("a-long-enough-admin-pass");
    await user.click(screen.getByRole("link", { name: "Environment" }));
    await screen.findByTestId("env-var-ADMIN_PASSWORD");
    expect(screen.queryByTestId("env-revealed-ADMIN_PASSWORD")).toBeNull();
  });

  test("import reports what moved and what was left, and re-reads the project", async () => {
    const { ipc, user } = await openEnvironment({
      import_secrets: () => ({ moved: ["DATABASE_URL", "JWT_SECRET"], conflicts: ["ADMIN_PASSWORD"], reserved: [], tooShort: [], envFile: `${ROOT}/.env` }),
    });
    const button = screen.getByTestId("env-import");
    expect(button).toHaveTextContent("Import secrets from .env");
    await user.click(button);
    expect(ipc.callsOf("import_secrets")).toEqual([{ dir: ROOT }]);
    const notice = await screen.findByTestId("env-notice");
    expect(notice).toHaveTextContent("Moved 2 secrets from .env into the OS keychain: DATABASE_URL, JWT_SECRET.");
    expect(notice).toHaveTextContent("Left in .env, because the keychain already holds a different value: ADMIN_PASSWORD.");
    await waitFor(() => expect(ipc.callsOf("open_project")).toHaveLength(2));
  });
});

describe("the keychain", () => {
  test("a locked keychain shows a banner saying what to unlock, and secret actions are off", async () => {
    const { ipc, user } = await openEnvironment({ env_catalog: () => environmentKeychainLocked() });
    const banner = screen.getByTestId("keychain-banner");
    expect(banner).toHaveAttribute("role", "alert");
    expect(banner).toHaveTextContent("The OS keychain is locked");
    // The window's words name its button (the CLI's name `dockmaster keychain unlock`), and the button is there.
    expect(banner).toHaveTextContent("(collection `login`): press Unlock keychain");
    expect(banner).not.toHaveTextContent("dockmaster keychain");
    expect(within(banner).getByTestId("keychain-unlock")).toBeEnabled();
    expect(banner).toHaveTextContent("never falls back to writing them in plaintext");
    expect(screen.getByTestId("env-status-ADMIN_PASSWORD")).toHaveTextContent("Unknown");
    expect(within(row("ARIA_ENCRYPTION_KEY")).getByRole("button", { name: "Generate ARIA_ENCRYPTION_KEY" })).toBeDisabled();
    expect(within(row("JWT_SECRET")).getByRole("button", { name: "Replace JWT_SECRET" })).toBeDisabled();
    expect(screen.getByTestId("env-import")).toBeDisabled();
    // Non-secrets stay editable.
    expect(within(row("ADMIN_USERNAME")).getByRole("button", { name: "Edit ADMIN_USERNAME" })).toBeEnabled();

    await user.click(within(banner).getByRole("button", { name: "Check again" }));
    expect(ipc.callsOf("env_catalog")).toHaveLength(2);
  });

  test("a keychain that locks during an action raises the banner too", async () => {
    const { user } = await openEnvironment({
      generate_secret: () => appError("KEYCHAIN_LOCKED", "the keychain is locked (collection `login`): unlock it and retry."),
    });
    expect(screen.queryByTestId("keychain-banner")).toBeNull();
    await user.click(within(row("ARIA_ENCRYPTION_KEY")).getByRole("button", { name: "Generate ARIA_ENCRYPTION_KEY" }));
    expect(await screen.findByTestId("keychain-banner")).toHaveTextContent("The OS keychain is locked");
    expect(screen.getByTestId("env-error-ARIA_ENCRYPTION_KEY")).toHaveAttribute("data-code", "KEYCHAIN_LOCKED");
  });
});

describe("non-secrets in .env", () => {
  test("edit checks the rule as you type and saves against the revision that was read", async () => {
    const { ipc, user } = await openEnvironment({ set_variable: () => "sha256:next" });
    await user.click(within(row("GAMESERVER_PORT")).getByRole("button", { name: "Edit GAMESERVER_PORT" }));
    const input = screen.getByLabelText("Value of GAMESERVER_PORT");
    expect(input).toHaveAttribute("type", "text");
    expect(input).toHaveValue("8080");

    await user.clear(input);
    await user.type(input, "70000");
    expect(screen.getByTestId("env-problems-GAMESERVER_PORT")).toHaveTextContent("Must be a port number from 1 to 65535.");
    expect(screen.getByTestId("env-save-GAMESERVER_PORT")).toBeDisabled();

    await user.clear(input);
    await user.type(input, "9080{Enter}");
    expect(ipc.callsOf("set_variable")).toEqual([
      { dir: ROOT, name: "GAMESERVER_PORT", value: "9080", expectedRevision: environmentDevelopment().revision },
    ]);
    expect(await screen.findByTestId("env-notice")).toHaveTextContent("Saved GAMESERVER_PORT to .env.");
    // .env feeds the report: the project is read again.
    await waitFor(() => expect(ipc.callsOf("open_project")).toHaveLength(2));
  });

  test("Escape cancels an edit without saving", async () => {
    const { ipc, user } = await openEnvironment();
    await user.click(within(row("ADMIN_USERNAME")).getByRole("button", { name: "Edit ADMIN_USERNAME" }));
    await user.type(screen.getByLabelText("Value of ADMIN_USERNAME"), "-changed{Escape}");
    expect(screen.queryByLabelText("Value of ADMIN_USERNAME")).toBeNull();
    expect(ipc.callsOf("set_variable")).toEqual([]);
    expect(within(row("ADMIN_USERNAME")).getByRole("button", { name: "Edit ADMIN_USERNAME" })).toHaveFocus();
  });

  test("a conflict keeps the edit, explains, and Reload reads .env again", async () => {
    const { ipc, user } = await openEnvironment({
      set_variable: () =>
        appError("ENV_FILE_CONFLICT", `${ROOT}/.env changed on disk since Dockmaster read it: nothing was written.`),
    });
    await user.click(within(row("ADMIN_USERNAME")).getByRole("button", { name: "Edit ADMIN_USERNAME" }));
    const input = screen.getByLabelText("Value of ADMIN_USERNAME");
    await user.clear(input);
    await user.type(input, "ana{Enter}");

    const banner = await screen.findByTestId("conflict-banner");
    expect(banner).toHaveTextContent(".env changed on disk since it was read — nothing was written");
    expect(screen.getByLabelText("Value of ADMIN_USERNAME")).toHaveValue("ana");
    expect(screen.getByTestId("env-error-ADMIN_USERNAME")).toHaveAttribute("data-code", "ENV_FILE_CONFLICT");

    await user.click(within(banner).getByRole("button", { name: "Reload .env" }));
    await waitFor(() => expect(screen.queryByTestId("conflict-banner")).toBeNull());
    expect(ipc.callsOf("env_catalog")).toHaveLength(2);
  });
});
