// Search in log lines: a substring (case-insensitive unless asked) or a regular expression, compiled once to a
// RegExp; `segments` splits a line into matching and plain parts for highlighting.

export interface SearchSpec {
  text: string;
  regex: boolean;
  caseSensitive: boolean;
}

export type CompiledSearch =
  | { kind: "none" }
  | { kind: "ok"; test: RegExp; all: RegExp }
  | { kind: "invalid"; message: string };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function compileSearch(spec: SearchSpec): CompiledSearch {
  if (spec.text === "") return { kind: "none" };
  const source = spec.regex ? spec.text : escapeRegExp(spec.text);
  const flags = spec.caseSensitive ? "" : "i";
  try {
    const test = new RegExp(source, flags);
    // A pattern that matches the empty string would highlight nothing and match everything.
    if (test.test("")) return { kind: "invalid", message: "The pattern matches empty text: make it more specific." };
    return { kind: "ok", test, all: new RegExp(source, flags + "g") };
  } catch (e) {
    return { kind: "invalid", message: e instanceof Error ? e.message : String(e) };
  }
}

export function matches(search: CompiledSearch, text: string): boolean {
  return search.kind === "ok" && search.test.test(text);
}

export interface Segment {
  text: string;
  match: boolean;
}

/** `text` cut into plain and matching parts, in order (one plain part when nothing matches). */
export function segments(search: CompiledSearch, text: string): Segment[] {
  if (search.kind !== "ok") return [{ text, match: false }];
  const out: Segment[] = [];
  let at = 0;
  search.all.lastIndex = 0;
  for (let m = search.all.exec(text); m !== null; m = search.all.exec(text)) {
    if (m[0] === "") {
      search.all.lastIndex++;
      continue;
    }
    if (m.index > at) out.push({ text: text.slice(at, m.index), match: false });
    out.push({ text: m[0], match: true });
    at = m.index + m[0].length;
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at), match: false });
  return out;
}
