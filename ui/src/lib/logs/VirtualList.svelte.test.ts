// The virtualized list: only the rows in view are in the DOM (100 000 rows render ~20), scrolling moves the
// window, and the follow state sticks to the newest row until the user scrolls up.
import { fireEvent, render, screen } from "@testing-library/svelte";
import { createRawSnippet, flushSync } from "svelte";
import { expect, test } from "vitest";
import VirtualList from "./VirtualList.svelte";

const row = createRawSnippet((index: () => number) => ({ render: () => `<span>row ${index()}</span>` }));

function setup(count: number, stick: boolean) {
  const props = $state({ count, version: 0, stick, rowHeight: 20, overscan: 5, fallbackHeight: 200, label: "Rows", row });
  render(VirtualList, { props });
  flushSync();
  const viewport = screen.getByRole("region", { name: "Rows" });
  const indices = () => [...viewport.querySelectorAll<HTMLElement>("[data-index]")].map((e) => Number(e.dataset.index));
  const scrollTo = (top: number) => {
    viewport.scrollTop = top;
    fireEvent.scroll(viewport);
    flushSync();
  };
  return { props, viewport, indices, scrollTo };
}

test("100 000 rows render only the window around the scroll position", () => {
  const { viewport, indices, scrollTo } = setup(100_000, false);
  expect(indices()).toEqual(Array.from({ length: 16 }, (_, i) => i));
  expect(viewport.firstElementChild).toHaveStyle({ height: "2000000px" });
  scrollTo(20_000); // row 1000 at the top
  expect(indices()[0]).toBe(995);
  expect(indices().at(-1)).toBe(1015);
  expect(screen.getByText("row 1000")).toBeInTheDocument();
  expect(screen.queryByText("row 0")).toBeNull();
  scrollTo(2_000_000 - 200);
  expect(indices().at(-1)).toBe(99_999);
  expect(indices().length).toBeLessThanOrEqual(21);
});

test("following sticks to the newest row; scrolling up stops it, scrolling back down resumes", () => {
  const { props, viewport, indices, scrollTo } = setup(1000, true);
  // Sticks: scrolled to the end at once.
  expect(viewport.scrollTop).toBe(1000 * 20 - 200);
  expect(indices().at(-1)).toBe(999);

  // New rows arrive: still at the end.
  props.count = 1500;
  props.version++;
  flushSync();
  expect(viewport.scrollTop).toBe(1500 * 20 - 200);
  expect(indices().at(-1)).toBe(1499);
  expect(props.stick).toBe(true);

  // The user scrolls up: following stops, and new rows no longer move the view.
  scrollTo(10_000);
  expect(props.stick).toBe(false);
  props.count = 2000;
  props.version++;
  flushSync();
  expect(viewport.scrollTop).toBe(10_000);
  expect(indices()[0]).toBe(495);

  // Back at the bottom: following again.
  scrollTo(2000 * 20 - 200);
  expect(props.stick).toBe(true);
  props.count = 2100;
  props.version++;
  flushSync();
  expect(viewport.scrollTop).toBe(2100 * 20 - 200);

  // "Jump to latest" is just setting it.
  scrollTo(0);
  expect(props.stick).toBe(false);
  props.stick = true;
  flushSync();
  expect(viewport.scrollTop).toBe(2100 * 20 - 200);
});
