/// <reference types="vitest/config" />
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig, type Plugin } from "vite";

/** xterm.js (6.0.0, pinned) sets `toString` on a plain object (VS Code's `KeyCodeUtils` namespace). The window
 * freezes `Object.prototype` (Tauri's `freezePrototype`), where that assignment throws ("read only property") and
 * the whole bundle stops at load. Defining the property instead is the same object without the assignment. The
 * build fails if the line is not found exactly once (an xterm update must be checked again). */
function xtermUnderFrozenPrototype(): Plugin {
  const assignment = "o.toString=s;";
  const definition = 'Object.defineProperty(o,"toString",{value:s,writable:!0,enumerable:!0,configurable:!0});';
  return {
    name: "dockmaster-xterm-frozen-prototype",
    transform(code, id) {
      if (!/[\\/]@xterm[\\/]xterm[\\/]lib[\\/]xterm\.mjs$/.test(id.split("?")[0])) return null;
      const found = code.split(assignment).length - 1;
      if (found !== 1) this.error(`xterm.mjs: expected "${assignment}" once, found it ${found} times: check xterm under a frozen Object.prototype`);
      return { code: code.replace(assignment, definition), map: null };
    },
  };
}

export default defineConfig(({ mode }) => ({
  plugins: [svelte(), xtermUnderFrozenPrototype()],
  // Served as it is in dev too, so the plugin above applies there (dependency pre-bundling would skip it).
  optimizeDeps: { exclude: ["@xterm/xterm"] },
  // Relative asset URLs: the bundle works from Tauri's custom protocol and from any static server.
  base: "./",
  clearScreen: false,
  resolve: {
    // Svelte 5 must resolve to its browser build under vitest (otherwise `mount` is the SSR stub).
    ...(mode === "test" ? { conditions: ["browser"] } : {}),
  },
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No inline scripts or styles: the app's CSP is `script-src 'self'; style-src 'self'`.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["./src/test/setup.ts"],
    // The terminal's stylesheet is read by its test (kept in step with the theme); other CSS stays out.
    css: { include: [/terminal(-256)?\.css/] },
    restoreMocks: true,
    // Whole-window tests render the app in jsdom; on a loaded two-core CI machine a few take several seconds.
    // Time limits here only catch hangs; speed is measured in docs/BENCHMARKS.md, not asserted.
    testTimeout: 30_000,
  },
}));
