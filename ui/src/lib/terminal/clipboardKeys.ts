// A terminal's clipboard keys: which key event is a copy (Ctrl+Shift+C) or a paste (Ctrl+Shift+V), and the short
// message a failed copy shows. Pure, so the key handling is unit-tested without a window.

/** The parts of a KeyboardEvent the decision reads. */
export interface KeyLike {
  type: string;
  key: string;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

/**
 * What a key event is to the terminal: `"copy"` (Ctrl+Shift+C: the terminal copies its selection itself),
 * `"paste"` (Ctrl+Shift+V: left to the webview's own paste, which xterm receives as a paste event), or `null`
 * (any other key, and the key's release: xterm's, sent to the program as typed). Only the key going down counts;
 * Alt or Meta held too makes it another key.
 */
export function clipboardKey(e: KeyLike): "copy" | "paste" | null {
  if (e.type !== "keydown" || !e.ctrlKey || !e.shiftKey || e.altKey || e.metaKey) return null;
  const k = e.key.toLowerCase();
  if (k === "c") return "copy";
  if (k === "v") return "paste";
  return null;
}

/** The message a copy the clipboard refused shows: what failed and why, in one short line. */
export function copyFailed(error: unknown): string {
  // A DOMException (the clipboard's refusal) is not an Error everywhere: its message is read as a property.
  const message = typeof error === "object" && error !== null ? (error as { message?: unknown }).message : error;
  const why = typeof message === "string" ? message : "";
  return why.trim() ? `Copy failed: ${why.trim()}` : "Copy failed: the clipboard refused the text";
}
