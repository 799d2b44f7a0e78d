// Start / Stop / Restart / Remove in the whole app against a fake Rust side: the preflight before a start (and
// its problems, with a jump to the variable), the progress pushed through the operation's Channel, the buttons
// while it runs, Cancel, the failure panel's evidence, the remove confirmation with volumes, the per-service
// actions and the needs-recreate badge. Command names and arguments are the ones the generated bindings send.
import { screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, test } from "vitest";
import type { FixReport, LifecycleEvent, OperationResult } from "../bindings";
import { startApp as renderApp } from "../../test/app";
import { service, snapshot, snapshotUpdate } from "../../test/engine";
import { ROOT } from "../../test/fixtures";
import { environmentDevelopment } from "../../test/fixtures/environment";
import { appError, channel, deferred, type Deferred, type Handler } from "../../test/ipc";
import { Events, driftReport, issue, preflightReport, result, volumePlan } from "../../test/lifecycle";

const DEV = ["admin-ui", "database", "gameserver", "nginx-gateway", "player-client", "redis-cache", "region-manager"];

interface Running {
  args: Record<string, unknown>;
  push: (e: LifecycleEvent) => void;
  done: Deferred<OperationResult>;
}

/** The app on the demo project with the engine connected; `states` picks each service's live state. */
async function startApp(overrides: Record<string, Handler> = {}, states: Record<string, ReturnType<typeof service>> = {}) {
  const runs: Running[] = [];
  const { ipc, user, push } = renderApp({
    env_catalog: () => environmentDevelopment(),
    lifecycle_preflight: (args) => preflightReport([], (args.services as string[]).length ? ["database", "gameserver"] : ["database", "gameserver"]),
    lifecycle_run: (args) => {
      const done = deferred<OperationResult>();
      runs.push({ args, push: channel<LifecycleEvent>(args.onEvent), done });
      return done.promise;
    },
    ...overrides,
  });
  await push(snapshotUpdate(snapshot(DEV.map((n) => states[n] ?? service(n, { none: true })))));
  await screen.findByTestId("service-row-gameserver");
  return { ipc, user, runs };
}

const button = (id: string) => screen.getByTestId(id) as HTMLButtonElement;

describe("start", () => {
  test("checks first, then runs up --wait of the selection, showing each service's progress as it is pushed", async () => {
    const { ipc, user, runs } = await startApp();
    await waitFor(() => expect(button("lifecycle-start")).toBeEnabled());
    expect(button("lifecycle-stop")).toBeDisabled();
    expect(button("lifecycle-stop").title).toBe("Nothing of this selection is running.");

    await user.click(button("lifecycle-start"));
    await waitFor(() => expect(runs).toHaveLength(1));
    expect(ipc.callsOf("lifecycle_preflight")).toEqual([{ dir: ROOT, profiles: ["development"], services: [] }]);
    expect(runs[0].args).toEqual({
      dir: ROOT,
      request: {
        operation: "up",
        profiles: ["development"],
        services: [],
        wait: true,
        timeoutSecs: 180,
        noPreflight: false,
        volumes: false,
        confirmedVolumes: [],
        compose: null,
        graceSecs: 0,
      },
      onEvent: expect.anything(),
    });

    // While it runs: every action is disabled (rows too), Cancel is offered.
    for (const id of ["lifecycle-start", "lifecycle-stop", "lifecycle-restart", "lifecycle-remove", "service-start-gameserver"]) {
      expect(button(id)).toBeDisabled();
    }
    expect(button("lifecycle-start").title).toMatch(/operation is running/);
    expect(button("panel-cancel")).toBeEnabled();
    expect(screen.getByTestId("lifecycle-summary")).toHaveTextContent("Starting development…");

    const ev = new Events("up");
    const { push } = runs[0];
    push(ev.event("started", "up sectorwars2102 (development) with Compose v2 2.26.1", { source: "dockmaster" }));
    push(ev.phase("database", "created", 400));
    push(ev.phase("gameserver", "created", 450));
    push(ev.phase("database", "starting", 600));
    push(ev.gate("gameserver", "database", false, 700));
    await waitFor(() => expect(screen.getByTestId("progress-phase-gameserver")).toHaveTextContent("waiting for database"));
    expect(screen.getByTestId("progress-phase-database")).toHaveTextContent("starting");
    expect(screen.getByTestId("lifecycle-tally")).toHaveTextContent("0 of 2 ready");

    push(ev.phase("database", "healthy", 5200, "engine"));
    push(ev.gate("gameserver", "database", true, 5210));
    push(ev.phase("gameserver", "starting", 5300));
    push(ev.phase("gameserver", "healthy", 8200, "engine"));
    await waitFor(() => expect(screen.getByTestId("progress-phase-gameserver")).toHaveTextContent("healthy"));
    const timeline = () =>
      expect(screen.getByTestId("progress-timeline-gameserver")).toHaveTextContent(
        "created 0.5 s → waiting for database 0.7 s → starting 5.3 s → healthy 8.2 s",
      );
    timeline();
    expect(screen.getByTestId("lifecycle-tally")).toHaveTextContent("2 of 2 ready");

    const drifts = ipc.callsOf("lifecycle_drift").length;
    runs[0].done.resolve(result("up", "succeeded"));
    await waitFor(() => expect(screen.getByTestId("lifecycle-summary")).toHaveTextContent("Started development"));
    expect(screen.getByTestId("lifecycle-summary").dataset.outcome).toBe("succeeded");
    expect(screen.queryByTestId("panel-cancel")).toBeNull();
    expect(button("lifecycle-start")).toBeEnabled();
    // The end of an operation moves nothing (no fold under the pointer); the details fold on request.
    timeline();
    await user.click(screen.getByTestId("panel-toggle"));
    expect(screen.queryByTestId("progress-panel")).toBeNull();
    await user.click(screen.getByTestId("panel-toggle"));
    timeline();
    // What may need recreating is asked again once it is done.
    await waitFor(() => expect(ipc.callsOf("lifecycle_drift").length).toBeGreaterThan(drifts));

    await user.click(screen.getByTestId("panel-dismiss"));
    expect(screen.queryByTestId("lifecycle-panel")).toBeNull();
  });

  test("Cancel asks the backend to stop Compose; the result says it was cancelled", async () => {
    const { ipc, user, runs } = await startApp({ lifecycle_cancel: () => true });
    await waitFor(() => expect(button("lifecycle-start")).toBeEnabled());
    await user.click(button("lifecycle-start"));
    await waitFor(() => expect(runs).toHaveLength(1));
    await user.click(button("panel-cancel"));
    expect(ipc.callsOf("lifecycle_cancel")).toEqual([{ dir: ROOT }]);
    expect(button("panel-cancel")).toHaveTextContent("Cancelling…");
    runs[0].done.resolve(result("up", "cancelled", { exitCode: null }));
    await waitFor(() => expect(screen.getByTestId("lifecycle-summary")).toHaveTextContent("was cancelled; Compose was stopped"));
  });

  test("a blocked preflight lists every problem with its fix and starts nothing; a variable is one click away", async () => {
    const { ipc, user, runs } = await startApp({
      lifecycle_preflight: () =>
        preflightReport([
          issue({
            code: "VARIABLE_INVALID",
            message: "JWT_SECRET is required but not set: set it (or generate one).",
            fix: "Store it in the keychain, or generate one.",
            variable: "JWT_SECRET",
            rule: "required",
          }),
          issue({
            code: "PORT_TAKEN",
            message: "host port 8080 (gameserver) is taken",
            fix: "Stop process python3 (PID 4242), or set GAMESERVER_PORT to a free port.",
            port: 8080,
            variable: "GAMESERVER_PORT",
            service: "gameserver",
            holder: { kind: "process", description: "process python3 (PID 4242)", container: null, project: null, service: null, pid: 4242, process: "python3" },
          }),
        ]),
    });
    await waitFor(() => expect(button("lifecycle-start")).toBeEnabled());
    await user.click(button("lifecycle-start"));
    const panel = await screen.findByTestId("preflight-panel");
    expect(runs).toHaveLength(0);
    expect(panel).toHaveTextContent("Start blocked: 2 problems to fix first");
    const problems = within(panel).getAllByTestId("preflight-problem");
    expect(problems.map((p) => p.dataset.variable)).toEqual(["JWT_SECRET", "GAMESERVER_PORT"]);
    expect(problems[0]).toHaveTextContent("Fix: Store it in the keychain, or generate one.");
    expect(problems[1]).toHaveTextContent("held by process python3 (PID 4242)");
    expect(button("lifecycle-start")).toBeEnabled();

    await user.click(within(panel).getByTestId("preflight-fix-JWT_SECRET"));
    const row = await screen.findByTestId("env-var-JWT_SECRET");
    await waitFor(() => expect(row).toHaveClass("focus-flash"));
    expect(row.contains(document.activeElement)).toBe(true);
    // The panel folds to one line of problems (each still a link), so the Environment view keeps its room.
    expect(screen.queryAllByTestId("preflight-problem")).toHaveLength(0);
    expect(screen.getByTestId("preflight-chips")).toHaveTextContent("JWT_SECRET");
    expect(screen.getByTestId("preflight-chips")).toHaveTextContent("port 8080 (GAMESERVER_PORT)");
    // The problems stay in view while the user fixes them; "Check again" runs the preflight again.
    await user.click(screen.getByTestId("preflight-retry"));
    await waitFor(() => expect(ipc.callsOf("lifecycle_preflight")).toHaveLength(2));
  });

  test("Fix and start: one primary button lists what it will do, runs the fix then the start, and says what it did", async () => {
    const fixes: { args: Record<string, unknown>; fixed: (f: FixReport) => void; push: (e: LifecycleEvent) => void; done: Deferred<OperationResult> }[] = [];
    const { ipc, user, runs } = await startApp({
      lifecycle_preflight: () =>
        preflightReport([
          issue({
            code: "VARIABLE_INVALID",
            message: "JWT_SECRET is required but not set.",
            fix: "Run `dockmaster secret generate JWT_SECRET`.",
            windowFix: "Press Fix and start (it generates one into the OS keychain).",
            variable: "JWT_SECRET",
            rule: "required",
            remedy: { kind: "generate", generator: "random:48" },
          }),
          issue({
            code: "VARIABLE_INVALID",
            message: "ADMIN_USERNAME is required but not set.",
            fix: "Run `dockmaster env set ADMIN_USERNAME admin`.",
            windowFix: "Press Fix and start (it writes ADMIN_USERNAME=admin to .env).",
            variable: "ADMIN_USERNAME",
            rule: "required",
            remedy: { kind: "suggest", value: "admin" },
          }),
          issue({
            code: "PORT_TAKEN",
            message: "host port 8080 (gameserver) is taken",
            fix: "Stop process python3 (PID 4242), or set GAMESERVER_PORT to a free port.",
            port: 8080,
            variable: "GAMESERVER_PORT",
            service: "gameserver",
          }),
        ]),
      lifecycle_fix_and_run: (args) => {
        const done = deferred<OperationResult>();
        fixes.push({ args, fixed: channel<FixReport>(args.onFixed), push: channel<LifecycleEvent>(args.onEvent), done });
        return done.promise;
      },
    });
    await waitFor(() => expect(button("lifecycle-start")).toBeEnabled());
    await user.click(button("lifecycle-start"));
    const panel = await screen.findByTestId("preflight-panel");
    // The window's words: buttons, not commands.
    expect(panel).toHaveTextContent("Fix: Press Fix and start (it generates one into the OS keychain).");
    expect(panel).not.toHaveTextContent("dockmaster secret");
    const plan = within(panel).getByTestId("preflight-fix-plan");
    expect(within(plan).getAllByTestId("preflight-fix-step").map((li) => li.textContent)).toEqual([
      "Generate JWT_SECRET into the OS keychain",
      "Write ADMIN_USERNAME=admin to .env",
    ]);
    expect(plan).toHaveTextContent("1 problem below still needs you");

    await user.click(within(panel).getByTestId("preflight-fix-and-start"));
    await waitFor(() => expect(fixes).toHaveLength(1));
    expect(runs).toHaveLength(0);
    expect(fixes[0].args).toMatchObject({ dir: ROOT, request: { operation: "up", profiles: ["development"], services: [], wait: true } });
    expect(screen.getByTestId("lifecycle-summary")).toHaveTextContent("Fixing what can be fixed");

    fixes[0].fixed({ generated: ["JWT_SECRET"], written: ["ADMIN_USERNAME"], envFile: `${ROOT}/.env` });
    await waitFor(() =>
      expect(screen.getByTestId("lifecycle-fixed")).toHaveTextContent(
        "Fixed before starting: generated JWT_SECRET into the OS keychain; wrote ADMIN_USERNAME to .env.",
      ),
    );
    const events = new Events("up");
    fixes[0].push(events.phase("database", "healthy"));
    fixes[0].done.resolve(result("up", "succeeded"));
    await waitFor(() => expect(screen.getByTestId("lifecycle-summary")).toHaveTextContent(/started|Started/));
    expect(screen.getByTestId("lifecycle-fixed")).toHaveTextContent("generated JWT_SECRET");
    expect(ipc.callsOf("lifecycle_run")).toHaveLength(0);
  });

  test("no Fix and start when nothing can be fixed without asking", async () => {
    const { user } = await startApp({
      lifecycle_preflight: () =>
        preflightReport([issue({ code: "PORT_TAKEN", message: "host port 8080 (gameserver) is taken", fix: "Set GAMESERVER_PORT to a free port.", port: 8080, variable: "GAMESERVER_PORT" })]),
    });
    await waitFor(() => expect(button("lifecycle-start")).toBeEnabled());
    await user.click(button("lifecycle-start"));
    const panel = await screen.findByTestId("preflight-panel");
    expect(within(panel).queryByTestId("preflight-fix-and-start")).toBeNull();
    expect(within(panel).queryByTestId("preflight-fix-plan")).toBeNull();
  });

  test("a locked keychain gets an Unlock button: the backend asks the Secret Service, then the start is checked again", async () => {
    let locked = true;
    const { ipc, user, runs } = await startApp({
      lifecycle_preflight: () =>
        locked
          ? preflightReport([
              issue({
                code: "KEYCHAIN_UNAVAILABLE",
                message: "Required variables JWT_SECRET may be in the keychain, which cannot be read: it is locked.",
                fix: "Run `dockmaster keychain unlock`, then retry.",
                windowFix: "Press Unlock keychain, then retry.",
                variable: "JWT_SECRET",
                remedy: { kind: "unlockKeychain" },
              }),
            ])
          : preflightReport([]),
      keychain_unlock: () => {
        locked = false;
        return "unlocked";
      },
    });
    await waitFor(() => expect(button("lifecycle-start")).toBeEnabled());
    await user.click(button("lifecycle-start"));
    const panel = await screen.findByTestId("preflight-panel");
    expect(panel).toHaveTextContent("Fix: Press Unlock keychain, then retry.");
    expect(panel).not.toHaveTextContent("dockmaster keychain");
    expect(within(panel).queryByTestId("preflight-fix-and-start")).toBeNull();
    await user.click(within(panel).getByTestId("keychain-unlock"));
    expect(ipc.callsOf("keychain_unlock")).toEqual([{ dir: ROOT }]);
    await waitFor(() => expect(runs).toHaveLength(1));
    expect(ipc.callsOf("lifecycle_preflight")).toHaveLength(2);
  });

  test("a cancelled keychain prompt is said next to the button, and nothing starts", async () => {
    const { ipc, user, runs } = await startApp({
      lifecycle_preflight: () =>
        preflightReport([
          issue({
            code: "KEYCHAIN_UNAVAILABLE",
            message: "Required variables JWT_SECRET may be in the keychain, which cannot be read: it has no default collection.",
            fix: "Run `dockmaster keychain create`, then retry.",
            windowFix: "Press Create keychain, then retry.",
            variable: "JWT_SECRET",
            remedy: { kind: "createKeychain" },
          }),
        ]),
      keychain_create: () => appError("KEYCHAIN_PROMPT_DISMISSED", "the password prompt for creating a keychain was cancelled: nothing was changed."),
    });
    await waitFor(() => expect(button("lifecycle-start")).toBeEnabled());
    await user.click(button("lifecycle-start"));
    const panel = await screen.findByTestId("preflight-panel");
    await user.click(within(panel).getByTestId("keychain-create"));
    expect(ipc.callsOf("keychain_create")).toEqual([{ dir: ROOT }]);
    await waitFor(() => expect(panel).toHaveTextContent("was cancelled"));
    expect(runs).toHaveLength(0);
  });

  const imageMissing = () =>
    issue({
      code: "IMAGE_MISSING",
      message: "Image dockmaster/demo-busybox:latest, which database runs, is not on the engine `far`, and Compose does not build it (Dockmaster never pulls).",
      fix: "Copy it from this machine's engine: `dockmaster image copy dockmaster/demo-busybox:latest --to far`, or pull it there yourself.",
      windowFix: "Press Copy to engine to copy it from this machine's engine, or pull it there yourself.",
      service: "database",
      remedy: { kind: "copyImage", image: "dockmaster/demo-busybox:latest", engine: "far" },
    });

  test("an image missing on the engine gets Copy to engine: it shows the MiB sent, then the start is checked again", async () => {
    let missing = true;
    const copy = deferred<unknown>();
    let progress: ((e: unknown) => void) | null = null;
    const { ipc, user, runs } = await startApp({
      lifecycle_preflight: () => (missing ? preflightReport([imageMissing()]) : preflightReport([])),
      image_copy: (args) => {
        progress = channel<unknown>(args.onProgress);
        return copy.promise;
      },
    });
    await waitFor(() => expect(button("lifecycle-start")).toBeEnabled());
    await user.click(button("lifecycle-start"));
    const panel = await screen.findByTestId("preflight-panel");
    expect(panel).toHaveTextContent("Fix: Press Copy to engine");
    expect(panel).not.toHaveTextContent("dockmaster image copy");
    await user.click(within(panel).getByTestId("preflight-copy-image"));
    expect(ipc.callsOf("image_copy")).toEqual([
      { image: "dockmaster/demo-busybox:latest", engine: "far", onProgress: expect.anything() },
    ]);
    progress!({ kind: "copying", image: "dockmaster/demo-busybox:latest", kib: 2048 });
    await waitFor(() => expect(button("preflight-copy-image")).toHaveTextContent("Copying… 2.0 MiB"));
    expect(button("preflight-copy-image")).toBeDisabled();
    missing = false;
    copy.resolve({ image: "dockmaster/demo-busybox:latest", id: "sha256:ab", from: "default", to: "far", alreadyThere: false, sentKib: 2048, elapsedMs: 900 });
    await waitFor(() => expect(runs).toHaveLength(1));
    expect(ipc.callsOf("lifecycle_preflight")).toHaveLength(2);
  });

  test("a failed copy is said next to the button, and nothing starts", async () => {
    const { user, runs } = await startApp({
      lifecycle_preflight: () => preflightReport([imageMissing()]),
      image_copy: () => appError("IMAGE_COPY_FAILED", "copying dockmaster/demo-busybox:latest to the engine `far` failed after 1 KiB: broken pipe. The target engine has no new image or tag."),
    });
    await waitFor(() => expect(button("lifecycle-start")).toBeEnabled());
    await user.click(button("lifecycle-start"));
    const panel = await screen.findByTestId("preflight-panel");
    await user.click(within(panel).getByTestId("preflight-copy-image"));
    await waitFor(() => expect(screen.getByTestId("preflight-copy-image-error")).toHaveTextContent("has no new image or tag"));
    expect(runs).toHaveLength(0);
  });

  test("an operation that cannot run says why, with the backend's message", async () => {
    const { user } = await startApp({
      lifecycle_run: () => appError("OPERATION_BUSY", "another operation is running on project sectorwars2102: `down` (PID 77). Wait for it to finish (or cancel it), then retry"),
    });
    await waitFor(() => expect(button("lifecycle-start")).toBeEnabled());
    await user.click(button("lifecycle-start"));
    const error = await screen.findByTestId("error-panel");
    expect(error.dataset.code).toBe("OPERATION_BUSY");
    expect(error).toHaveTextContent("Another operation is running on this project");
    expect(error).toHaveTextContent("`down` (PID 77)");
    expect(screen.queryByTestId("progress-panel")).toBeNull();
  });
});

describe("failure panel", () => {
  test("names the failing service with Compose's text, its last probe and log lines; its logs are one click away", async () => {
    const { ipc, user, runs } = await startApp();
    await waitFor(() => expect(button("lifecycle-start")).toBeEnabled());
    await user.click(button("lifecycle-start"));
    await waitFor(() => expect(runs).toHaveLength(1));
    const ev = new Events("up");
    runs[0].push(ev.phase("gameserver", "unhealthy", 9000, "engine"));
    runs[0].done.resolve(result("up", "failed"));

    const panel = await screen.findByTestId("failure-panel");
    expect(screen.getByTestId("lifecycle-summary")).toHaveTextContent("Starting development failed: gameserver");
    expect(within(panel).getByRole("heading", { level: 3 })).toHaveTextContent("gameserver failed");
    expect(within(panel).getByTestId("failure-message")).toHaveTextContent("container demo-gameserver is unhealthy");
    expect(within(panel).getByTestId("failure-service")).toHaveTextContent("gameserver");
    expect(panel).toHaveTextContent("running · unhealthy");
    expect(within(panel).getByTestId("failure-probe")).toHaveTextContent("exit 1 · failed");
    expect(within(panel).getByTestId("failure-probe")).toHaveTextContent("HTTP/1.1 404 Not Found");
    expect(within(panel).getByTestId("failure-logs-tail")).toHaveTextContent("gameserver: /health returns 404");
    expect(within(panel).getByTestId("failure-hint")).toHaveTextContent("Fix what its health check reports");
    expect(screen.getByTestId("lifecycle-tally")).toHaveTextContent("1 failed");

    await user.click(within(panel).getByTestId("failure-logs"));
    await waitFor(() => expect(ipc.callsOf("follow_logs").at(-1)).toMatchObject({ dir: ROOT, services: ["gameserver"] }));
  });

  test("a timeout says so", async () => {
    const { user, runs } = await startApp();
    await waitFor(() => expect(button("lifecycle-start")).toBeEnabled());
    await user.click(button("lifecycle-start"));
    await waitFor(() => expect(runs).toHaveLength(1));
    runs[0].done.resolve(result("up", "timedOut"));
    expect(await screen.findByTestId("failure-panel")).toHaveTextContent("gameserver was not ready in time");
    expect(screen.getByTestId("lifecycle-summary")).toHaveTextContent("Starting development timed out");
  });
});

describe("remove", () => {
  test("without volumes: confirm, and down runs for the whole project with no volume", async () => {
    const { user, runs } = await startApp({}, { database: service("database"), gameserver: service("gameserver") });
    await user.click(button("lifecycle-remove"));
    const dialog = await screen.findByTestId("remove-dialog");
    expect(dialog).toHaveTextContent("Remove project sectorwars2102?");
    expect(dialog).toHaveTextContent("Containers now: database, gameserver.");
    expect(within(dialog).getByTestId("remove-confirm")).toHaveTextContent("Remove");
    await user.click(within(dialog).getByTestId("remove-confirm"));
    await waitFor(() => expect(runs).toHaveLength(1));
    expect(runs[0].args.request).toEqual({
      operation: "down",
      profiles: ["development"],
      services: [],
      wait: false,
      timeoutSecs: 180,
      noPreflight: false,
      volumes: false,
      confirmedVolumes: [],
      compose: null,
      graceSecs: 0,
    });
    expect(screen.queryByTestId("remove-dialog")).toBeNull();
    expect(screen.getByTestId("lifecycle-summary")).toHaveTextContent("Removing the project…");
  });

  test("with volumes: they are listed from the engine, typing the project name arms the button, exactly they are sent", async () => {
    const volumes = ["sectorwars2102_postgres_data", "sectorwars2102_redis_data"];
    const { ipc, user, runs } = await startApp({ lifecycle_volume_plan: () => volumePlan(volumes) }, { database: service("database") });
    await user.click(button("lifecycle-remove"));
    const dialog = await screen.findByTestId("remove-dialog");
    await user.click(within(dialog).getByTestId("remove-volumes"));
    const list = await within(dialog).findByTestId("remove-volume-list");
    await waitFor(() => expect(list).toHaveTextContent("2 volumes will be deleted"));
    expect(ipc.callsOf("lifecycle_volume_plan")).toEqual([{ dir: ROOT }]);
    for (const v of volumes) expect(list).toHaveTextContent(v);
    expect(within(list).getByTestId("remove-volume-sectorwars2102_postgres_data")).toHaveTextContent(
      "declared as `postgres_data`, mounted by `database`",
    );
    expect(within(list).queryByTestId("remove-volume-foreign")).toBeNull();
    expect(list).not.toHaveTextContent("NOT created");
    const confirm = within(dialog).getByTestId("remove-confirm");
    expect(confirm).toHaveTextContent("Remove and delete 2 volumes");
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByTestId("remove-confirm-input"), "sectorwars");
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByTestId("remove-confirm-input"), "2102");
    expect(confirm).toBeEnabled();
    await user.click(confirm);
    await waitFor(() => expect(runs).toHaveLength(1));
    expect(runs[0].args.request).toMatchObject({ operation: "down", volumes: true, confirmedVolumes: volumes });
  });

  test("a volume Compose did not create, and an anonymous one, are listed with why; the foreign one is flagged loudly", async () => {
    const keepme = "sectorwars2102_keepme";
    const anonymous = "1c021ada9b9d9f80b8679b01162c0d41e3e25cfb639b445cdca97a2686ac4f69";
    const warning =
      "NOT created by this project's Compose (it has no Compose project label): it may hold data from elsewhere (made by hand, restored from a backup, left by another tool or project).";
    const plan = volumePlan(["sectorwars2102_postgres_data", keepme, anonymous], {
      [keepme]: { createdByCompose: false, labelledProject: null, warning },
      [anonymous]: {
        kind: "anonymous",
        declaredAs: null,
        containers: ["sectorwars2102-gameserver-1"],
        labelledProject: null,
        reason: "anonymous volume of container `sectorwars2102-gameserver-1` (service `gameserver`), mounted at `/app/node_modules`",
      },
    });
    const { user, runs } = await startApp({ lifecycle_volume_plan: () => plan }, { database: service("database") });
    await user.click(button("lifecycle-remove"));
    const dialog = await screen.findByTestId("remove-dialog");
    await user.click(within(dialog).getByTestId("remove-volumes"));
    const list = await within(dialog).findByTestId("remove-volume-list");
    await waitFor(() => expect(list).toHaveTextContent("3 volumes will be deleted"));
    expect(within(list).getByTestId("remove-volume-foreign")).toHaveTextContent(
      "1 of them was NOT created by this project's Compose: it may hold data from elsewhere.",
    );
    const foreign = within(list).getByTestId(`remove-volume-${keepme}`);
    expect(foreign).toHaveClass("foreign");
    expect(foreign).toHaveTextContent("declared as `keepme`, mounted by `database`");
    expect(foreign).toHaveTextContent("NOT created by this project's Compose");
    expect(foreign).toHaveTextContent("restored from a backup");
    const anon = within(list).getByTestId(`remove-volume-${anonymous}`);
    expect(anon).toHaveTextContent("anonymous volume of container `sectorwars2102-gameserver-1`");
    expect(anon).not.toHaveClass("foreign");
    expect(within(list).getByTestId("remove-volume-sectorwars2102_postgres_data")).not.toHaveClass("foreign");

    const confirm = within(dialog).getByTestId("remove-confirm");
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByTestId("remove-confirm-input"), "sectorwars2102");
    await user.click(confirm);
    await waitFor(() => expect(runs).toHaveLength(1));
    expect(runs[0].args.request).toMatchObject({ operation: "down", volumes: true, confirmedVolumes: plan.volumes });
  });

  test("Escape closes the dialog and nothing runs", async () => {
    const { user, runs } = await startApp();
    await user.click(button("lifecycle-remove"));
    await screen.findByTestId("remove-dialog");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("remove-dialog")).toBeNull();
    expect(runs).toHaveLength(0);
  });
});

describe("service rows", () => {
  test("stop, restart and start act on that service only; logs opens the Logs view on it", async () => {
    const { ipc, user, runs } = await startApp({}, { database: service("database"), gameserver: service("gameserver") });
    expect(button("service-start-gameserver")).toBeDisabled();
    await user.click(button("service-stop-gameserver"));
    await waitFor(() => expect(runs).toHaveLength(1));
    expect(runs[0].args.request).toMatchObject({ operation: "stop", services: ["gameserver"], profiles: ["development"] });
    expect(screen.getByTestId("lifecycle-summary")).toHaveTextContent("Stopping gameserver…");
    runs[0].done.resolve(result("stop", "succeeded", { services: ["gameserver"] }));
    await waitFor(() => expect(screen.getByTestId("lifecycle-summary")).toHaveTextContent("Stopped gameserver"));

    await user.click(button("service-restart-database"));
    await waitFor(() => expect(runs).toHaveLength(2));
    expect(runs[1].args.request).toMatchObject({ operation: "restart", services: ["database"] });
    runs[1].done.resolve(result("restart", "succeeded"));
    await waitFor(() => expect(button("service-start-redis-cache")).toBeEnabled());

    await user.click(button("service-start-redis-cache"));
    await waitFor(() => expect(runs).toHaveLength(3));
    expect(ipc.callsOf("lifecycle_preflight").at(-1)).toEqual({ dir: ROOT, profiles: ["development"], services: ["redis-cache"] });
    expect(runs[2].args.request).toMatchObject({ operation: "up", services: ["redis-cache"], wait: true });
    runs[2].done.resolve(result("up", "succeeded"));

    await user.click(await screen.findByTestId("service-logs-database"));
    await waitFor(() => expect(ipc.callsOf("follow_logs").at(-1)).toMatchObject({ dir: ROOT, services: ["database"] }));
  });

  test("a running service whose configuration changed carries a needs-recreate badge", async () => {
    const { ipc } = await startApp(
      { lifecycle_drift: () => driftReport(["gameserver"], ["database", "gameserver"]) },
      { database: service("database"), gameserver: service("gameserver") },
    );
    const badge = await screen.findByTestId("needs-recreate-gameserver", {}, { timeout: 3000 });
    expect(badge).toHaveTextContent("needs recreate");
    expect(badge.title).toMatch(/Start recreates it/);
    expect(screen.queryByTestId("needs-recreate-database")).toBeNull();
    expect(ipc.callsOf("lifecycle_drift")[0]).toEqual({ dir: ROOT, profiles: ["development"] });
  });
});
