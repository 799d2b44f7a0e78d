import "@testing-library/jest-dom/vitest";
import "@testing-library/svelte/vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach } from "vitest";

afterEach(() => {
  clearMocks();
  window.location.hash = "";
});
