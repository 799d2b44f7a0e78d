// The welcome screen's "Try the demo" against a fake Rust side (mockIPC): the demo is copied (or found), its image
// made with each step shown, then opened; a failed image shows why, with Retry and "open without its image"; a
// failed copy opens nothing.

import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, test } from "vitest";
import App from "../../App.svelte";
import type { DemoImageEvent, DemoImageReport, ProjectOverview } from "../bindings";
import { overview, reportFor } from "../../test/fixtures";
import { appError, channel, deferred, fakeIpc, type Handler } from "../../test/ipc";

const DEMO = "/home/ana/.local/share/dev.dockmaster.app/demo";

const built: DemoImageReport = { image: "dockmaster/demo-busybox:latest", id: "sha256:abc", outcome: "built", elapsedMs: 900 };

function demoOverview(): ProjectOverview {
  return { ...overview(), root: DEMO, name: "demo" };
}

function startWelcome(overrides: Record<string, Handler> = {}) {
  const ipc = fakeIpc({
    startup_project: () => null,
    recent_projects: () => [],
    open_project: () => demoOverview(),
    selection_report: (args) => reportFor(args.profiles as string[]),
    demo_install: () => ({ dir: DEMO, created: true }),
    demo_image: () => built,
    ...overrides,
  });
  const user = userEvent.setup();
  render(App);
  return { ipc, user };
}

describe("Try the demo", () => {
  test("copies the demo, shows the image being built step by step, then opens the copy", async () => {
    const image = deferred<DemoImageReport>();
    let push: ((e: DemoImageEvent) => void) | null = null;
    const { ipc, user } = startWelcome({
      demo_image: (args) => {
        push = channel<DemoImageEvent>(args.onProgress);
        return image.promise;
      },
    });

    const button = await screen.findByTestId("try-demo");
    expect(button).toHaveTextContent("Try the demo");
    expect(screen.getByTestId("open-project")).toBeInTheDocument();
    await user.click(button);

    await waitFor(() => expect(push).not.toBeNull());
    expect(ipc.callsOf("demo_install")).toHaveLength(1);
    expect(screen.getByTestId("try-demo")).toBeDisabled();

    const status = () => screen.getByTestId("demo-status");
    push!({ kind: "checking", image: "dockmaster/demo-busybox:latest" });
    await waitFor(() => expect(status()).toHaveTextContent("Checking the demo's image…"));
    push!({ kind: "building", image: "dockmaster/demo-busybox:latest", reason: "missing", busybox: "/bin/busybox" });
    await waitFor(() => expect(status()).toHaveTextContent("Building the demo's image from /bin/busybox…"));
    push!({ kind: "importing", sent: 1_000_000, total: 2_000_000 });
    await waitFor(() => expect(status()).toHaveTextContent("Importing the demo's image: 1.0 of 2.0 MB"));
    const bar = within(status()).getByRole("progressbar");
    expect(bar).toHaveAttribute("value", "1000000");
    expect(bar).toHaveAttribute("max", "2000000");
    expect(ipc.callsOf("open_project")).toEqual([]);

    image.resolve(built);
    expect(await screen.findByTestId("project-name")).toHaveTextContent("demo");
    expect(ipc.callsOf("open_project")).toEqual([{ dir: DEMO }]);
    expect(await screen.findByTestId("profile-chip-development")).toBeInTheDocument();
  });

  test("a copy already there is opened as it is, with the image present", async () => {
    const { ipc, user } = startWelcome({
      demo_install: () => ({ dir: DEMO, created: false }),
      demo_image: () => ({ ...built, outcome: "present" }),
    });
    await user.click(await screen.findByTestId("try-demo"));
    expect(await screen.findByTestId("project-name")).toHaveTextContent("demo");
    expect(ipc.callsOf("open_project")).toEqual([{ dir: DEMO }]);
  });

  test("an image that cannot be built says why; Retry tries again, or the demo opens without it", async () => {
    const { ipc, user } = startWelcome({
      demo_image: () =>
        appError("BUSYBOX_MISSING", "no busybox to build the demo image from (looked at /bin/busybox). Install the `busybox-static` package"),
    });
    await user.click(await screen.findByTestId("try-demo"));

    const panel = await screen.findByTestId("error-panel");
    expect(panel).toHaveAttribute("data-code", "BUSYBOX_MISSING");
    expect(panel).toHaveTextContent("The demo's image needs busybox-static");
    expect(panel).toHaveTextContent("Install the `busybox-static` package");
    expect(ipc.callsOf("open_project")).toEqual([]);
    expect(screen.getByTestId("try-demo")).toBeEnabled();

    // Retry: copies (finds the copy) and asks for the image again; still failing.
    await user.click(within(panel).getByRole("button", { name: /Retry/ }));
    await waitFor(() => expect(ipc.callsOf("demo_image")).toHaveLength(2));
    expect(await screen.findByTestId("error-panel")).toBeInTheDocument();

    await user.click(screen.getByTestId("open-demo-anyway"));
    expect(await screen.findByTestId("project-name")).toHaveTextContent("demo");
    expect(ipc.callsOf("open_project")).toEqual([{ dir: DEMO }]);
  });

  test("a copy that fails opens nothing and offers no way around it", async () => {
    const { ipc, user } = startWelcome({
      demo_install: () => appError("DEMO_COPY_FAILED", "cannot copy the demo into /x: Permission denied (os error 13)"),
    });
    await user.click(await screen.findByTestId("try-demo"));

    const panel = await screen.findByTestId("error-panel");
    expect(panel).toHaveTextContent("The demo project could not be copied");
    expect(panel).toHaveTextContent("Permission denied");
    expect(ipc.callsOf("demo_image")).toEqual([]);
    expect(ipc.callsOf("open_project")).toEqual([]);
    expect(screen.queryByTestId("open-demo-anyway")).toBeNull();
  });

  test("the engine being unavailable is shown with the engine's own title", async () => {
    const { user } = startWelcome({
      demo_image: () => appError("ENGINE_UNAVAILABLE", "cannot build the demo image: the Docker engine at unix:///var/run/docker.sock is unavailable"),
    });
    await user.click(await screen.findByTestId("try-demo"));
    const panel = await screen.findByTestId("error-panel");
    expect(panel).toHaveTextContent("The Docker engine is not available");
    expect(screen.getByTestId("open-demo-anyway")).toBeInTheDocument();
  });
});
