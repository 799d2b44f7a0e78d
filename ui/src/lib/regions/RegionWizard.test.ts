// The "New region" wizard in the whole app against a fake Rust side (mockIPC): each step's inline validation
// and the backend's verdict (which wins), focus moving between steps, the review's plan (containers, images,
// new and existing networks, volumes, ports, masked environment, limits) and its preflight problem, live
// progress pushed through the apply's Channel, Cancel with the rollback shown, and the done step's URL.

import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../../App.svelte";
import type { ApplyEvent, RegionPlace, RegionRequest } from "../bindings";
import { ROOT, overview, reportFor } from "../../test/fixtures";
import { appError, channel, deferred, fakeIpc, type Handler } from "../../test/ipc";
import { applyAlpha, applyFailed, listed, OWNER, planAlpha, regionList } from "./fixtures";
import { checkForm, defaultForm, toRequest } from "./validate";

const PREFLIGHT =
  "the region template joins network(s) that do not exist: sectorwars2102_nexus-network, sectorwars2102_regional-network. " +
  "Start the stack first: `dockmaster up --profile multi-regional` (or `docker compose -p sectorwars2102 --profile multi-regional up -d`)";

/** The backend's own verdict: the core's rules (mirrored) plus the existing regions. */
function verdict(args: Record<string, unknown>) {
  const r = args.request as RegionRequest;
  const form = { ...defaultForm(), ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? "" : String(v)])) };
  const errors = Object.entries(checkForm(form, ["alpha", "beta"])).map(([field, rule]) => ({ field, rule: rule ?? "", value: "" }));
  return { errors, regionsChecked: true };
}

async function openWizard(overrides: Record<string, Handler> = {}) {
  const ipc = fakeIpc({
    startup_project: () => ROOT,
    recent_projects: () => [ROOT],
    open_project: () => overview(),
    selection_report: (args) => reportFor(args.profiles as string[]),
    region_list: () => listed(regionList()),
    region_validate: verdict,
    region_plan: () => planAlpha(),
    ...overrides,
  });
  const user = userEvent.setup();
  render(App);
  await user.click(await screen.findByRole("link", { name: "Regions" }));
  await user.click(await screen.findByTestId("new-region"));
  await screen.findByTestId("region-wizard");
  return { ipc, user };
}

const current = () => screen.getByRole("listitem", { current: "step" });
const heading = () => within(screen.getByTestId("region-wizard")).getByRole("heading", { level: 3 });

type User = ReturnType<typeof userEvent.setup>;

async function fillDetails(user: User, name = "gamma") {
  await user.type(screen.getByLabelText("Region name"), name);
  await user.type(screen.getByLabelText("Owner ID"), OWNER);
}

/** Details → resources → game settings → where, with valid values. */
async function toWhere(user: User, name = "gamma") {
  await fillDetails(user, name);
  await user.click(screen.getByTestId("wizard-next"));
  await waitFor(() => expect(current()).toHaveTextContent("Resources"));
  await user.click(screen.getByTestId("wizard-next"));
  await waitFor(() => expect(current()).toHaveTextContent("Game settings"));
  await user.click(screen.getByTestId("wizard-next"));
  await waitFor(() => expect(current()).toHaveTextContent("Where"));
}

/** Details → resources → game settings → where (the project's engine) → review, with valid values. */
async function toReview(user: User, name = "gamma") {
  await toWhere(user, name);
  await user.click(await screen.findByTestId("wizard-next"));
  await waitFor(() => expect(current()).toHaveTextContent("Review plan"));
}

describe("form steps", () => {
  test("Next checks the step: every problem shows at its field and focus goes to the first", async () => {
    const { ipc, user } = await openWizard();
    expect(current()).toHaveTextContent("Details");
    await waitFor(() => expect(heading()).toHaveFocus());
    await user.click(screen.getByTestId("wizard-next"));
    expect(screen.getByTestId("field-error-name")).toHaveTextContent("Must be 3–50 characters of letters, digits, `_` or `-`.");
    expect(screen.getByTestId("field-error-ownerId")).toHaveTextContent("Must be a UUID");
    const name = screen.getByLabelText("Region name");
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name.getAttribute("aria-describedby")).toContain("region-name-error");
    await waitFor(() => expect(name).toHaveFocus());
    expect(ipc.callsOf("region_validate")).toEqual([]); // nothing sent while the form is locally wrong

    // Fixing a field clears its message as it is typed; a reserved name is named as such.
    await user.type(name, "Admin");
    expect(screen.getByTestId("field-error-name")).toHaveTextContent("Must not be a reserved name");
    await user.clear(name);
    await user.type(name, "gamma");
    expect(screen.queryByTestId("field-error-name")).toBeNull();
    await user.click(screen.getByTestId("generate-owner"));
    expect((screen.getByLabelText("Owner ID") as HTMLInputElement).value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(screen.queryByTestId("field-error-ownerId")).toBeNull();
    // Enter in a field submits the step.
    await user.click(name);
    await user.keyboard("{Enter}");
    await waitFor(() => expect(current()).toHaveTextContent("Resources"));
    await waitFor(() => expect(heading()).toHaveFocus());
    expect(ipc.callsOf("region_validate")).toHaveLength(1);
  });

  test("the backend's verdict wins: a name taken since the list was read stops the step", async () => {
    const { user } = await openWizard({
      region_validate: () => ({
        errors: [{ field: "name", rule: "must not be the name of an existing region of this project", value: "gamma" }],
        regionsChecked: true,
      }),
    });
    await fillDetails(user, "gamma");
    await user.click(screen.getByTestId("wizard-next"));
    await screen.findByTestId("field-error-name");
    expect(screen.getByTestId("field-error-name")).toHaveTextContent("Must not be the name of an existing region of this project.");
    expect(current()).toHaveTextContent("Details");
    expect(screen.getByLabelText("Region name")).toHaveFocus();
  });

  test("an existing region's name is refused before asking the backend", async () => {
    const { ipc, user } = await openWizard();
    await fillDetails(user, "Alpha");
    await user.click(screen.getByTestId("wizard-next"));
    expect(screen.getByTestId("field-error-name")).toHaveTextContent("existing region");
    expect(ipc.callsOf("region_validate")).toEqual([]);
  });

  test("a region of which only kept volumes are left may be created again (it reuses them)", async () => {
    const kept = { ...regionList()[1], name: "gamma", containers: [], networks: [], state: "notCreated" as const };
    const { ipc, user } = await openWizard({ region_list: () => listed([regionList()[0], kept]) });
    await fillDetails(user, "gamma");
    await user.click(screen.getByTestId("wizard-next"));
    await waitFor(() => expect(current()).toHaveTextContent("Resources"));
    expect(ipc.callsOf("region_validate")).toHaveLength(1);
  });

  test("resources and game settings: ranges checked, then the values reach the backend as numbers", async () => {
    const { ipc, user } = await openWizard();
    await fillDetails(user);
    await user.click(screen.getByTestId("wizard-next"));
    await waitFor(() => expect(current()).toHaveTextContent("Resources"));
    const memory = screen.getByLabelText("Memory");
    await user.clear(memory);
    await user.type(memory, "17");
    await user.click(screen.getByTestId("wizard-next"));
    expect(screen.getByTestId("field-error-memoryGb")).toHaveTextContent("Must be a whole number between 2 and 16 (GB).");
    expect(memory).toHaveFocus();
    const cpus = screen.getByLabelText("CPU cores");
    await user.clear(cpus);
    await user.type(cpus, "2.5");
    await user.clear(memory);
    await user.type(memory, "8");
    await user.click(screen.getByTestId("wizard-next"));
    await waitFor(() => expect(current()).toHaveTextContent("Game settings"));

    const players = screen.getByLabelText("Maximum players");
    await user.clear(players);
    await user.type(players, "5");
    const credits = screen.getByLabelText("Starting credits");
    await user.clear(credits);
    await user.type(credits, "50");
    await user.click(screen.getByTestId("wizard-next"));
    expect(screen.getByTestId("field-error-maxPlayers")).toHaveTextContent("between 10 and 1000");
    expect(screen.getByTestId("field-error-startingCredits")).toHaveTextContent("at least 100");
    expect(players).toHaveFocus();
    await user.clear(players);
    await user.type(players, "250");
    await user.clear(credits);
    await user.type(credits, "5000");
    await user.click(screen.getByRole("radio", { name: /Council/ }));
    await user.selectOptions(screen.getByLabelText("Economic specialization"), "military");
    await user.click(screen.getByTestId("wizard-next"));
    await waitFor(() => expect(current()).toHaveTextContent("Where"));
    await user.click(screen.getByTestId("wizard-next"));
    await waitFor(() => expect(current()).toHaveTextContent("Review plan"));
    expect(ipc.callsOf("region_plan")).toEqual([
      {
        dir: ROOT,
        engine: null,
        request: {
          ...toRequest({ ...defaultForm(), name: "gamma", ownerId: OWNER }),
          cpuCores: 2.5,
          memoryGb: 8,
          maxPlayers: 250,
          governance: "council",
          economy: "military",
          startingCredits: 5000,
        },
        standalone: false,
      },
    ]);

    // Earlier steps stay reachable (keyboard and pointer) until the region is being created.
    await user.click(screen.getByRole("button", { name: "Resources" }));
    expect(current()).toHaveTextContent("Resources");
    expect((screen.getByLabelText("CPU cores") as HTMLInputElement).value).toBe("2.5");
  });
});

describe("review", () => {
  test("shows everything the plan creates or joins, secrets masked", async () => {
    const { user } = await openWizard();
    await toReview(user);
    const plan = await screen.findByTestId("region-plan");
    // Containers with images and limits.
    const db = within(plan).getByTestId("plan-container-db");
    expect(db).toHaveTextContent("sectorwars2102-region-alpha-db");
    expect(db).toHaveTextContent("dockmaster/demo-busybox:latest");
    expect(db).toHaveTextContent("0.6");
    expect(db).toHaveTextContent("1.2 GB");
    expect(within(plan).getByTestId("plan-container-server")).toHaveTextContent("4 GB");
    // Networks: one new with its subnet, two existing.
    const created = within(plan).getAllByTestId("plan-network-create");
    expect(created).toHaveLength(1);
    expect(created[0]).toHaveTextContent("sectorwars2102-region-alpha-network");
    expect(created[0]).toHaveTextContent("10.250.171.0/24");
    expect(created[0]).toHaveTextContent("new");
    expect(within(plan).getAllByTestId("plan-network-join").map((r) => r.textContent)).toEqual([
      expect.stringContaining("sectorwars2102_nexus-network"),
      expect.stringContaining("sectorwars2102_regional-network"),
    ]);
    expect(within(plan).getByTestId("plan-volume")).toHaveTextContent("sectorwars2102-region-alpha-regional_assets");
    expect(within(plan).getByTestId("plan-port")).toHaveTextContent("127.0.0.1:8567 → server:8080/tcp");
    expect(within(plan).getByTestId("plan-server-url")).toHaveTextContent("http://localhost:8567");
    expect(within(plan).getByTestId("plan-db-host")).toHaveTextContent("alpha-db:5432");
    // Secrets are masked; other values shown.
    expect(within(plan).getByTestId("plan-env-db-POSTGRES_PASSWORD")).toHaveTextContent("••••••");
    expect(within(plan).getByTestId("plan-env-server-DATABASE_URL")).toHaveTextContent("••••••");
    expect(within(plan).getByTestId("plan-env-server-MAX_PLAYERS")).toHaveTextContent("250");
    expect(within(plan).getByTestId("plan-password-action")).toHaveTextContent("generated and stored in the OS keychain");
    expect(screen.getByTestId("wizard-create")).toBeEnabled();
  });

  test("a preflight problem says what to start first, and Check again plans again", async () => {
    let up = false;
    const { ipc, user } = await openWizard({
      region_plan: () => (up ? planAlpha() : appError("REGION_PREFLIGHT", PREFLIGHT)),
    });
    await toReview(user);
    const panel = await screen.findByTestId("error-panel");
    expect(panel).toHaveAttribute("data-code", "REGION_PREFLIGHT");
    expect(panel).toHaveTextContent("The stack this region joins is not running");
    expect(panel).toHaveTextContent("dockmaster up --profile multi-regional");
    expect(screen.getByTestId("wizard-create")).toBeDisabled();
    up = true;
    await user.click(within(panel).getByRole("button", { name: "Check again" }));
    await screen.findByTestId("region-plan");
    expect(ipc.callsOf("region_plan")).toHaveLength(2);
    expect(screen.getByTestId("wizard-create")).toBeEnabled();
  });
});

describe("apply", () => {
  test("progress arrives step by step, then the done step gives the server's URL", async () => {
    const { events, applied } = applyAlpha();
    let push: ((e: ApplyEvent) => void) | null = null;
    const result = deferred<unknown>();
    const { ipc, user } = await openWizard({
      region_apply: (args) => {
        push = channel<ApplyEvent>(args.onProgress);
        return result.promise;
      },
      "open_link": () => null,
    });
    await toReview(user);
    await screen.findByTestId("region-plan");
    await user.click(screen.getByTestId("wizard-create"));
    expect(current()).toHaveTextContent("Create");
    expect(ipc.callsOf("region_apply")[0].request).toMatchObject({ name: "gamma", ownerId: OWNER });
    await waitFor(() => expect(push).not.toBeNull());
    for (const e of events.slice(0, 9)) push!(e);
    const steps = screen.getByTestId("apply-steps");
    await waitFor(() => expect(within(steps).getAllByRole("listitem").map((li) => li.dataset.status)).toEqual([
      "done", "done", "done", "done", "running", "pending", "pending", "pending", "pending",
    ]));
    expect(steps).toHaveTextContent("Start the database");
    expect(screen.queryByTestId("wizard-close")).toBeNull(); // no leaving while it runs
    for (const e of events.slice(9)) push!(e);
    result.resolve(applied);
    const done = await screen.findByTestId("wizard-done");
    expect(done).toHaveTextContent("Region alpha is up and healthy");
    const link = within(done).getByTestId("region-server-url");
    expect(link).toHaveTextContent("http://localhost:8567");
    await user.click(link);
    await waitFor(() => expect(ipc.callsOf("open_link")).toEqual([expect.objectContaining({ url: "http://localhost:8567" })]));
    await user.click(screen.getByTestId("wizard-finish"));
    await screen.findByTestId("regions-view");
    expect(screen.getByRole("heading", { name: "Regions" })).toHaveFocus();
  });

  test("Cancel asks the backend to stop; the rollback's removals and the cause are shown", async () => {
    const { events } = applyFailed();
    let push: ((e: ApplyEvent) => void) | null = null;
    const result = deferred<unknown>();
    const { ipc, user } = await openWizard({
      region_apply: (args) => {
        push = channel<ApplyEvent>(args.onProgress);
        return result.promise;
      },
      region_cancel: () => true,
    });
    await toReview(user, "delta");
    await screen.findByTestId("region-plan");
    await user.click(screen.getByTestId("wizard-create"));
    await waitFor(() => expect(push).not.toBeNull());
    for (const e of events.slice(0, 11)) push!(e);
    await user.click(screen.getByTestId("wizard-cancel"));
    expect(ipc.callsOf("region_cancel")).toHaveLength(1);
    expect(screen.getByTestId("wizard-cancel")).toHaveTextContent("Cancelling…");
    expect(screen.getByTestId("wizard-cancel")).toBeDisabled();
    // The backend stops at the next wait, reports the step as failed, then rolls back.
    push!({ step: "waitDbHealthy", status: "failed", target: "delta", detail: "cancelled", elapsedMs: 2000 });
    for (const e of events.slice(14)) push!(e);
    result.reject({ code: "REGION_APPLY_CANCELLED", message: "creating region delta was cancelled at step `wait for database healthy`. rolled back: removed …" });
    const rollback = await screen.findByTestId("apply-rollback");
    await waitFor(() => expect(rollback).toHaveTextContent("Rolled back"));
    expect(within(rollback).getAllByRole("listitem").map((li) => li.textContent?.replace(/\s+/g, " ").trim())).toEqual([
      expect.stringContaining("Remove container sectorwars2102-region-delta-db"),
      expect.stringContaining("Remove network sectorwars2102-region-delta-network"),
      expect.stringContaining("Remove volume sectorwars2102-region-delta-regional_assets"),
      expect.stringContaining("Remove the database password"),
    ]);
    expect(screen.getByText("Cancelled. Everything this apply had created was removed.")).toBeInTheDocument();
    expect(screen.getByTestId("error-panel")).toHaveAttribute("data-code", "REGION_APPLY_CANCELLED");

    // Back to the plan: planned afresh, ready to try again.
    await user.click(screen.getByTestId("wizard-review-again"));
    await waitFor(() => expect(current()).toHaveTextContent("Review plan"));
    await screen.findByTestId("region-plan");
    expect(ipc.callsOf("region_plan")).toHaveLength(2);
  });

  test("a failed apply shows the failing step's cause and what was rolled back", async () => {
    const { events, error } = applyFailed();
    let push: ((e: ApplyEvent) => void) | null = null;
    const result = deferred<unknown>();
    await openWizard({
      region_apply: (args) => {
        push = channel<ApplyEvent>(args.onProgress);
        return result.promise;
      },
      region_plan: () => {
        const plan = planAlpha();
        const rename = (s: string) => s.replaceAll("alpha", "delta");
        plan.password.keychainService = rename(plan.password.keychainService);
        for (const n of plan.networks) n.name = rename(n.name);
        for (const v of plan.volumes) v.name = rename(v.name);
        for (const c of plan.containers) c.name = rename(c.name);
        return plan;
      },
    }).then(async ({ user }) => {
      await toReview(user, "delta");
      await screen.findByTestId("region-plan");
      await user.click(screen.getByTestId("wizard-create"));
    });
    await waitFor(() => expect(push).not.toBeNull());
    for (const e of events) push!(e);
    result.reject(error);
    await screen.findByTestId("error-panel");
    const failed = screen.getByTestId("step-createServer:sectorwars2102-region-delta-server");
    expect(failed).toHaveAttribute("data-status", "failed");
    expect(failed).toHaveTextContent("No such image: dockmaster/no-such-image:missing (HTTP 404)");
    expect(screen.getByText("The region could not be created. Everything this apply had created was removed.")).toBeInTheDocument();
    expect(within(screen.getByTestId("apply-rollback")).getAllByRole("listitem")).toHaveLength(4);
    expect(screen.getByTestId("error-panel")).toHaveTextContent("The region could not be created");
  });
});

describe("where", () => {
  const places: RegionPlace[] = [
    {
      engine: "default",
      host: "unix:///var/run/docker.sock",
      current: true,
      reach: "live",
      ready: true,
      missingNetworks: [],
      note: "The stack's networks are there (sectorwars2102_nexus-network, sectorwars2102_regional-network): the region joins them.",
    },
    {
      engine: "game1",
      host: "ssh://ops@game1.example",
      current: false,
      reach: "live",
      ready: true,
      missingNetworks: [],
      note: "The stack's networks are there (sectorwars2102_nexus-network, sectorwars2102_regional-network): the region joins them.",
    },
    {
      engine: "bare",
      host: "tcp://10.0.0.9:2376",
      current: false,
      reach: "live",
      ready: false,
      missingNetworks: ["sectorwars2102_nexus-network"],
      note: "The stack's networks are not there (missing sectorwars2102_nexus-network): start the stack on it first (`dockmaster --engine bare -p sectorwars2102 up --profile multi-regional`). Or make it a standalone region there, with only a network of its own (`region create … --standalone`): the stack's services are not reachable from it.",
    },
    { engine: "gone", host: "tcp://10.0.0.7:2376", current: false, reach: "unknown", ready: false, missingNetworks: [], note: "It cannot be reached now: connection refused" },
  ];

  test("lists every engine with what applies there; the region is planned and created on the one chosen", async () => {
    const { ipc, user } = await openWizard({
      region_places: () => places,
      region_apply: () => applyAlpha().applied,
    });
    await toWhere(user);
    await screen.findByTestId("place-game1");
    expect(ipc.callsOf("region_places")).toEqual([{ dir: ROOT }]);
    // The project's engine is chosen to begin with; an unreachable engine cannot be chosen.
    expect(within(screen.getByTestId("place-default")).getByRole("radio")).toBeChecked();
    expect(screen.getByTestId("place-default")).toHaveTextContent("default (this project's engine)");
    expect(within(screen.getByTestId("place-gone")).getByRole("radio")).toBeDisabled();
    expect(screen.getByTestId("place-note-game1")).toHaveTextContent("the region joins them");
    expect(screen.getByTestId("place-note-bare")).toHaveTextContent("start the stack on it first");
    expect(screen.getByTestId("place-note-bare")).toHaveTextContent("standalone region");
    // Standalone is offered only on an engine that answers without the stack's networks.
    expect(screen.queryByTestId("place-standalone")).toBeNull();

    await user.click(within(screen.getByTestId("place-game1")).getByRole("radio"));
    await user.click(screen.getByTestId("wizard-next"));
    await waitFor(() => expect(current()).toHaveTextContent("Review plan"));
    await screen.findByTestId("region-plan");
    expect(ipc.callsOf("region_plan").map((c) => c.engine)).toEqual(["game1"]);
    await user.click(screen.getByTestId("wizard-create"));
    await waitFor(() => expect(ipc.callsOf("region_apply")).toHaveLength(1));
    expect(ipc.callsOf("region_apply")[0].engine).toBe("game1");
    expect(ipc.callsOf("region_apply")[0].standalone).toBe(false);
  });

  test("on an engine without the stack the region can be made standalone: planned and created so there", async () => {
    const { ipc, user } = await openWizard({
      region_places: () => places,
      region_apply: () => applyAlpha().applied,
    });
    await toWhere(user);
    await user.click(within(await screen.findByTestId("place-bare")).getByRole("radio"));
    const standalone = within(await screen.findByTestId("place-standalone")).getByRole("checkbox");
    expect(screen.getByTestId("place-standalone")).toHaveTextContent("a network of its own on bare");
    expect(standalone).not.toBeChecked();
    await user.click(standalone);
    expect(standalone).toBeChecked();
    await user.click(screen.getByTestId("wizard-next"));
    await waitFor(() => expect(current()).toHaveTextContent("Review plan"));
    await screen.findByTestId("region-plan");
    expect(ipc.callsOf("region_plan").map((c) => [c.engine, c.standalone])).toEqual([["bare", true]]);
    await user.click(screen.getByTestId("wizard-create"));
    await waitFor(() => expect(ipc.callsOf("region_apply")).toHaveLength(1));
    expect([ipc.callsOf("region_apply")[0].engine, ipc.callsOf("region_apply")[0].standalone]).toEqual(["bare", true]);
  });

  test("choosing another engine drops standalone", async () => {
    const { user } = await openWizard({ region_places: () => places });
    await toWhere(user);
    await user.click(within(await screen.findByTestId("place-bare")).getByRole("radio"));
    await user.click(within(await screen.findByTestId("place-standalone")).getByRole("checkbox"));
    await user.click(within(screen.getByTestId("place-game1")).getByRole("radio"));
    expect(screen.queryByTestId("place-standalone")).toBeNull();
    await user.click(within(screen.getByTestId("place-bare")).getByRole("radio"));
    expect(within(await screen.findByTestId("place-standalone")).getByRole("checkbox")).not.toBeChecked();
  });

  test("back on the project's engine, calls name no engine; places that could not be read can be asked again", async () => {
    let fail = true;
    const { ipc, user } = await openWizard({
      region_places: () => (fail ? appError("ENGINE_UNAVAILABLE", "cannot read the engines") : places),
    });
    await toWhere(user);
    const panel = await screen.findByTestId("error-panel");
    expect(panel).toHaveTextContent("cannot read the engines");
    fail = false;
    await user.click(within(panel).getByRole("button", { name: "Ask again" }));
    await screen.findByTestId("place-game1");
    await user.click(within(screen.getByTestId("place-game1")).getByRole("radio"));
    await user.click(within(screen.getByTestId("place-default")).getByRole("radio"));
    await user.click(screen.getByTestId("wizard-next"));
    await waitFor(() => expect(current()).toHaveTextContent("Review plan"));
    expect(ipc.callsOf("region_plan").map((c) => c.engine)).toEqual([null]);
  });
});
