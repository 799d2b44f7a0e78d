// The committed stylesheet for xterm's colours 16–255 is exactly what its generator (ui/scripts/terminal-256.mjs)
// writes, and the generator follows xterm's palette: the 6×6×6 cube, then 24 greys.
import { expect, test } from "vitest";
import css from "./terminal-256.css?raw";
import { palette256, terminal256Css } from "../../../scripts/terminal-256.mjs";

test("the committed terminal-256.css equals the generator's output (run `node scripts/terminal-256.mjs`)", () => {
  expect(css).toBe(terminal256Css());
});

test("the palette is xterm's: cube corners and greys where xterm has them", () => {
  const p = palette256();
  expect(p).toHaveLength(240);
  const at = (n: number) => p[n - 16];
  expect([at(16), at(21), at(46), at(196), at(226), at(231)]).toEqual(["#000000", "#0000ff", "#00ff00", "#ff0000", "#ffff00", "#ffffff"]);
  expect([at(17), at(59), at(110)]).toEqual(["#00005f", "#5f5f5f", "#87afd7"]);
  expect([at(232), at(244), at(255)]).toEqual(["#080808", "#808080", "#eeeeee"]);
  // Every colour 16–255 has its foreground and background rule.
  for (let n = 16; n <= 255; n++) {
    expect(css).toContain(`.dm-terminal .xterm .xterm-fg-${n} { color: ${at(n)}; }`);
    expect(css).toContain(`.dm-terminal .xterm .xterm-bg-${n} { background-color: ${at(n)}; }`);
  }
});
