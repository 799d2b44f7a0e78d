// The terminal tabs against a hand-written backend: open (output held until the view attaches, the size the
// view reported sent once open), the `closed` event (the tab stays and says why; typing goes nowhere), close
// (the backend's terminal closed, the neighbour shown), a failure to open, and the theme kept in step with the
// static stylesheet that stands in for xterm's run-time <style> elements.
import { expect, test, vi } from "vitest";
import { BackendError } from "../backend";
import type { ExecRequest, TerminalEvent, TerminalInfo } from "../bindings";
import css from "./terminal.css?raw";
import { ANSI, THEME } from "./theme";
import { TerminalStore, type TerminalBackend } from "./terminalStore.svelte";

function fake() {
  const sinks: ((e: TerminalEvent) => void)[] = [];
  const requests: ExecRequest[] = [];
  let next = 40;
  const backend = {
    openTerminal: vi.fn(async (_dir: string, request: ExecRequest, onEvent: (e: TerminalEvent) => void) => {
      requests.push(request);
      sinks.push(onEvent);
      const info: TerminalInfo = {
        id: ++next,
        info: { service: request.service, container: `demo-${request.service}-1`, program: "/bin/sh", client: null, credentials: [], warnings: [] },
      };
      return info;
    }),
    terminalInput: vi.fn(async () => undefined),
    resizeTerminal: vi.fn(async () => undefined),
    closeTerminal: vi.fn(async () => true),
  } satisfies TerminalBackend;
  return { backend, sinks, requests };
}

test("a tab opens on the service's shell, shows first, and holds output until its view attaches", async () => {
  const { backend, sinks, requests } = fake();
  const store = new TerminalStore(backend);
  const opening = store.open("/p", "gameserver");
  expect(store.tabs.map((t) => t.state)).toEqual(["opening"]);
  // The view reports its size before the backend answered.
  store.resize(1, 100, 30);
  const key = await opening;
  expect(requests[0]).toMatchObject({ service: "gameserver", client: false, tty: true, command: [] });
  expect(store.tab(key)).toMatchObject({ state: "open", id: 41, service: "gameserver" });
  expect(store.active).toBe(key);
  expect(backend.resizeTerminal).toHaveBeenCalledWith("/p", 41, 100, 30);

  sinks[0]({ kind: "output", data: "$ " });
  const written: string[] = [];
  const detach = store.attach(key, (d) => written.push(d));
  sinks[0]({ kind: "output", data: "42\r\n" });
  expect(written).toEqual(["$ ", "42\r\n"]);
  detach();

  store.input(key, "echo hi\r");
  expect(backend.terminalInput).toHaveBeenCalledWith("/p", 41, "echo hi\r");
});

test("the client button asks for the service's client", async () => {
  const { backend, requests } = fake();
  const store = new TerminalStore(backend);
  const key = await store.open("/p", "database", "psql");
  expect(requests[0]).toMatchObject({ service: "database", client: true });
  expect(store.tab(key)?.client).toBe("psql");
});

test("a closed event keeps the tab with its reason; typing and resizing then go nowhere", async () => {
  const { backend, sinks } = fake();
  const store = new TerminalStore(backend);
  const key = await store.open("/p", "gameserver");
  sinks[0]({ kind: "closed", reason: "gameserver stopped", exitCode: null });
  expect(store.tab(key)).toMatchObject({ state: "closed", reason: "gameserver stopped" });
  store.input(key, "x");
  store.resize(key, 90, 20);
  expect(backend.terminalInput).not.toHaveBeenCalled();
  expect(backend.resizeTerminal).not.toHaveBeenCalled();
  // Closing a tab that already ended asks the backend nothing.
  store.close(key);
  expect(store.tabs).toEqual([]);
  expect(backend.closeTerminal).not.toHaveBeenCalled();
  expect(store.active).toBeNull();
});

test("several tabs: closing one closes its terminal and shows its neighbour", async () => {
  const { backend } = fake();
  const store = new TerminalStore(backend);
  const a = await store.open("/p", "gameserver");
  const b = await store.open("/p", "database", "psql");
  const c = await store.open("/p", "redis-cache");
  expect(store.tabs.map((t) => t.key)).toEqual([a, b, c]);
  store.show(b);
  store.close(b);
  expect(backend.closeTerminal).toHaveBeenCalledWith("/p", 42);
  expect(store.tabs.map((t) => t.key)).toEqual([a, c]);
  expect(store.active).toBe(c);
  store.closeAll();
  expect(store.tabs).toEqual([]);
  expect(backend.closeTerminal).toHaveBeenCalledTimes(3);
});

test("a tab closed while it opens closes the terminal the backend then opened", async () => {
  const { backend } = fake();
  const store = new TerminalStore(backend);
  const opening = store.open("/p", "gameserver");
  store.close(1);
  await opening;
  expect(store.tabs).toEqual([]);
  expect(backend.closeTerminal).toHaveBeenCalledWith("/p", 41);
});

test("a terminal that cannot open leaves a closed tab saying why", async () => {
  const { backend } = fake();
  backend.openTerminal.mockRejectedValueOnce(
    new BackendError({ code: "SERVICE_NOT_RUNNING", message: "`gameserver` is not running: start it first" }),
  );
  const store = new TerminalStore(backend);
  const key = await store.open("/p", "gameserver");
  expect(store.tab(key)).toMatchObject({ state: "closed", error: { code: "SERVICE_NOT_RUNNING" } });
});

test("the stylesheet carries the theme's font and every ANSI colour", () => {
  expect(css).toContain(`font-size: ${THEME.fontSize}px`);
  expect(css).toContain(`font-family: ${THEME.fontFamily}`);
  ANSI.forEach((c, i) => {
    expect(css).toContain(`.xterm-fg-${i} { color: ${c}; }`);
    expect(css).toContain(`.xterm-bg-${i} { background-color: ${c}; }`);
  });
  expect(css).toContain(`color: ${THEME.colors.foreground};`);
});
