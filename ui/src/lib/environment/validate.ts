// Checks a value while it is typed, mirroring the Rust rules (crates/dockmaster-core/src/secrets/rules.rs)
// the catalog reports for each variable. Only a preview: the backend checks again when the value is saved,
// and its answer wins.

import type { VariableRuleView } from "../bindings";

/** Why `value` is not a valid value of `format`, or null when it is (mirrors `rules::check_format`). */
export function checkFormat(format: string, value: string): string | null {
  switch (format) {
    case "port":
      return /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535
        ? null
        : "Must be a port number from 1 to 65535.";
    case "bool":
      return ["true", "false", "1", "0", "yes", "no", "on", "off"].includes(value.toLowerCase())
        ? null
        : "Must be true or false.";
    case "url":
      return urlHost(value) !== null ? null : "Must be a URL like https://host[:port]/path.";
    case "postgres-url": {
      const scheme = value.split("://")[0];
      const okScheme = scheme === "postgresql" || scheme.startsWith("postgresql+");
      return okScheme && urlHost(value) !== null
        ? null
        : "Must be a postgresql:// URL like postgresql://user:password@host:5432/database.";
    }
    case "fernet-key":
      // Canonical padded url-safe base64 of 32 bytes: 43 characters (the last one with its two spare bits
      // zero) and `=`.
      return /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]=$/.test(value)
        ? null
        : "Must be a Fernet key: url-safe base64 of exactly 32 bytes (44 characters ending in =).";
    default:
      return `The stack descriptor names an unknown format (${format}).`;
  }
}

/** The host of `scheme://[userinfo@]host[:port][/…]`, or null (mirrors `rules::url_host`). */
function urlHost(value: string): string | null {
  const sep = value.indexOf("://");
  if (sep < 0) return null;
  const scheme = value.slice(0, sep);
  const rest = value.slice(sep + 3);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme) || /\s/.test(value)) return null;
  const authority = rest.split(/[/?#]/)[0];
  const at = authority.lastIndexOf("@");
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  let host = hostPort;
  const colon = hostPort.lastIndexOf(":");
  if (colon >= 0) {
    const h = hostPort.slice(0, colon);
    const port = hostPort.slice(colon + 1);
    if (!h.endsWith("]") || hostPort.startsWith("[")) {
      if (port !== "" && !(/^\+?\d+$/.test(port) && Number(port) <= 65535)) return null;
      host = h;
    }
  }
  return host === "" ? null : host;
}

/** What is wrong with `value` as the new value of a variable, as sentences (empty: nothing). A secret can
 * never be empty (to remove one, delete it). */
export function checkValue(rule: VariableRuleView | undefined, value: string, secret: boolean): string[] {
  if (value === "") {
    if (rule?.required) return ["Required: enter a value."];
    return secret ? ["Enter a value (to remove the secret, delete it)."] : [];
  }
  const problems: string[] = [];
  if (rule?.minLength != null) {
    const length = [...value].length; // characters, as the Rust side counts them
    if (length < rule.minLength) {
      problems.push(`Must be at least ${rule.minLength} characters (it has ${length}).`);
    }
  }
  if (rule?.format) {
    const why = checkFormat(rule.format, value);
    if (why) problems.push(why);
  }
  return problems;
}
