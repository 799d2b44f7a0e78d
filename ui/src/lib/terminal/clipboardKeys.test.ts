// The terminal's clipboard keys: Ctrl+Shift+C copies, Ctrl+Shift+V pastes (either case of the letter, as Shift
// makes it), on the key going down only; Ctrl+C / Ctrl+V alone, Alt or Meta held too, other letters and the
// keys' release stay the terminal's. A refused copy's message says why.
import { expect, test } from "vitest";
import { clipboardKey, copyFailed, type KeyLike } from "./clipboardKeys";

function key(k: string, mods: Partial<KeyLike> = {}): KeyLike {
  return { type: "keydown", key: k, ctrlKey: true, shiftKey: true, altKey: false, metaKey: false, ...mods };
}

test("Ctrl+Shift+C is a copy and Ctrl+Shift+V a paste, whichever case the letter arrives in", () => {
  expect(clipboardKey(key("C"))).toBe("copy");
  expect(clipboardKey(key("c"))).toBe("copy");
  expect(clipboardKey(key("V"))).toBe("paste");
  expect(clipboardKey(key("v"))).toBe("paste");
});

test("other keys, the release, and the combinations with Alt or Meta or without Shift are the terminal's", () => {
  expect(clipboardKey(key("c", { shiftKey: false }))).toBeNull(); // Ctrl+C: the program's interrupt
  expect(clipboardKey(key("v", { shiftKey: false }))).toBeNull(); // Ctrl+V: sent as ^V
  expect(clipboardKey(key("C", { ctrlKey: false }))).toBeNull();
  expect(clipboardKey(key("C", { altKey: true }))).toBeNull();
  expect(clipboardKey(key("V", { metaKey: true }))).toBeNull();
  expect(clipboardKey(key("X"))).toBeNull();
  expect(clipboardKey(key("C", { type: "keyup" }))).toBeNull();
  expect(clipboardKey(key("V", { type: "keypress" }))).toBeNull();
});

test("a refused copy says why, or that the clipboard refused it", () => {
  const refused = new DOMException("The request is not allowed by the user agent", "NotAllowedError");
  expect(copyFailed(refused)).toBe("Copy failed: The request is not allowed by the user agent");
  expect(copyFailed(new Error("no clipboard"))).toBe("Copy failed: no clipboard");
  expect(copyFailed(undefined)).toBe("Copy failed: the clipboard refused the text");
  expect(copyFailed({})).toBe("Copy failed: the clipboard refused the text");
});
