/// <reference types="vitest/config" />
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
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
    css: { include: [/terminal\.css/] },
    restoreMocks: true,
    // Whole-window tests render the app in jsdom; on a loaded two-core CI machine a few take several seconds.
    // Time limits here only catch hangs; speed is measured in docs/BENCHMARKS.md, not asserted.
    testTimeout: 30_000,
  },
}));
