// The batching reducer: batches append in order, the filter and the search follow incrementally, and lines
// the backend's per-service buffers dropped go away here too (in batches), so the view mirrors the backend.
import { beforeEach, expect, test } from "vitest";
import { LogModel } from "./logModel";
import { batch, line, resetSeq, state } from "./fixtures";
import { compileSearch } from "./search";

beforeEach(() => resetSeq());

const texts = (m: LogModel) => m.view.map((l) => l.text);

test("batches append in arrival order with states and notices", () => {
  const m = new LogModel();
  const r = m.apply(batch([line("web", "a"), line("db", "b")], [state("web", { lines: 1, total: 1 }), state("db", { lines: 1, total: 1 })]));
  expect(r).toEqual({ appended: 2, rebuilt: false });
  m.apply(
    batch([line("web", "c", "stderr")], [state("web", { lines: 2, total: 2 })], [
      { kind: "reattached", service: "web", container: "demo-web-1", message: "demo-web-1 is running again", timestamp: "" },
    ]),
  );
  expect(texts(m)).toEqual(["a", "b", "c"]);
  expect(m.received).toBe(3);
  expect(m.states.get("web")?.lines).toBe(2);
  expect(m.states.get("db")?.lines).toBe(1);
  expect(m.notices.map((n) => n.kind)).toEqual(["reattached"]);
  expect(m.maxLinesPerService).toBe(10000);
});

test("the stream filter and the search apply to the lines there and to new ones", () => {
  const m = new LogModel();
  m.apply(batch([line("web", "GET / 200"), line("web", "boom", "stderr"), line("db", "ready")]));
  m.setStreams("stderr");
  expect(texts(m)).toEqual(["boom"]);
  m.apply(batch([line("db", "oops", "stderr"), line("db", "fine")]));
  expect(texts(m)).toEqual(["boom", "oops"]);
  m.setStreams("stdout");
  expect(texts(m)).toEqual(["GET / 200", "ready", "fine"]);
  m.setStreams("all");

  m.setSearch(compileSearch({ text: "o", regex: false, caseSensitive: false }), false);
  expect(m.matches.map((i) => m.view[i].text)).toEqual(["boom", "oops"]);
  m.apply(batch([line("web", "OK go")]));
  expect(m.matches.map((i) => m.view[i].text)).toEqual(["boom", "oops", "OK go"]);
  // Only matching lines: the view is the matches.
  m.setSearch(compileSearch({ text: "o", regex: false, caseSensitive: false }), true);
  expect(texts(m)).toEqual(["boom", "oops", "OK go"]);
  expect(m.matches).toEqual([0, 1, 2]);
  m.apply(batch([line("web", "xyz"), line("web", "more")]));
  expect(texts(m)).toEqual(["boom", "oops", "OK go", "more"]);
});

test("lines the backend dropped are dropped here too, per service, in batches", () => {
  const m = new LogModel(100);
  // A quiet service with 5 lines, then a flood of 1 000 lines from a noisy one whose buffer keeps 200.
  const quiet = Array.from({ length: 5 }, (_, i) => line("quiet", `q${i}`));
  m.apply(batch(quiet, [state("quiet", { lines: 5, total: 5, firstSeq: 1 })]));
  let rebuilt = 0;
  for (let b = 0; b < 10; b++) {
    const lines = Array.from({ length: 100 }, (_, i) => line("noisy", `n${b * 100 + i}`));
    const total = (b + 1) * 100;
    const kept = Math.min(total, 200);
    const firstSeq = lines[lines.length - 1].seq - kept + 1;
    if (m.apply(batch(lines, [state("noisy", { lines: kept, total, dropped: total - kept, firstSeq })])).rebuilt) rebuilt++;
    // Never more than the backend keeps plus one compaction's worth of dead lines.
    expect(m.lines.length).toBeLessThanOrEqual(5 + 200 + Math.max(100, m.lines.length / 4) + 100);
  }
  expect(rebuilt).toBeGreaterThan(0);
  expect(m.dropped()).toBe(800);
  // The quiet service's lines survive the flood (per-service buffers), the noisy one's oldest do not.
  expect(texts(m).slice(0, 5)).toEqual(["q0", "q1", "q2", "q3", "q4"]);
  const noisy = m.view.filter((l) => l.service === "noisy").map((l) => l.text);
  expect(noisy.at(-1)).toBe("n999");
  expect(noisy.length).toBeGreaterThanOrEqual(200);
  expect(noisy.length - 200).toBe(m.dead());
});

test("next and previous match wrap around from any row", () => {
  const m = new LogModel();
  m.apply(batch(["x", "hit", "x", "x", "hit", "hit", "x"].map((t) => line("web", t))));
  m.setSearch(compileSearch({ text: "hit", regex: false, caseSensitive: false }), false);
  expect(m.matches).toEqual([1, 4, 5]);
  expect(m.matchNear(0, 1)).toBe(0);
  expect(m.matchNear(2, 1)).toBe(1);
  expect(m.matchNear(6, 1)).toBe(0);
  expect(m.matchNear(4, -1)).toBe(1);
  expect(m.matchNear(3, -1)).toBe(0);
  expect(m.matchNear(0, -1)).toBe(2);
});
