#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/ from the core's test tables and the demo project.

Run from the repository root after changing a test table: python3 fuzz/seed_corpus.py
Seeds are named seed-<hash>; what the fuzzer adds later (and commits of crashing inputs) keep their names.
"""
import hashlib
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORE = ROOT / "crates/dockmaster-core/src"
CORPUS = ROOT / "fuzz/corpus"

# A Rust string literal ("…" with escapes), or a raw one (r"…" / r#"…"#).
LITERAL = re.compile(r'r(#*)"(.*?)"\1|"((?:[^"\\]|\\.)*)"', re.S)
ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def unescape(body):
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = body[i + 1]
        if n in ESCAPES:
            out.append(ESCAPES[n])
            i += 2
        elif n == "u":
            end = body.index("}", i)
            out.append(chr(int(body[i + 3:end], 16)))
            i = end + 1
        elif n == "\n":  # line continuation: skip the break and the next line's indentation
            i += 2
            while i < len(body) and body[i] in " \t":
                i += 1
        else:
            out.append(n)
            i += 2
    return "".join(out)


def literals(path, start=None, end=None):
    text = path.read_text()
    if start:
        text = text[text.index(start):]
    if end:
        text = text[: text.index(end)]
    found = []
    for m in LITERAL.finditer(text):
        found.append(m.group(2) if m.group(2) is not None else unescape(m.group(3)))
    return found


def write(target, seeds):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for seed in dict.fromkeys(seeds):
        data = seed.encode() if isinstance(seed, str) else seed
        if not data or len(data) > 64 * 1024:
            continue
        (folder / f"seed-{hashlib.sha1(data).hexdigest()[:16]}").write_bytes(data)
        count += 1
    print(f"{target}: {count} seeds")


def main():
    env = "SET=val\0EMPTY=\0PORT=5432\0A=a\0B=b\0DOLLAR=$x ${SET}\0BRACE=}"
    interp = literals(CORE / "compose/interpolate_tests.rs", "const CASES", "fn lookup_in")
    write("interpolate", [t for t in interp] + [t + "\0" + env for t in interp])

    env_texts = literals(CORE / "env.rs", "mod tests")
    env_texts.append((ROOT / "demo/.env.example").read_text())
    values = ["new", "it's $5", "multi\nline", " lead", "#hash", "", "a=b"]
    write("env_edit", [t for t in env_texts] + [f"{t}\0\0{v}" for t in env_texts for v in values[:3]]
          + [f"{t}\0NEW_KEY\0{v}" for t in env_texts[:5] for v in values])

    demo = [p.read_text() for p in sorted(ROOT.glob("demo/*.yml"))]
    yaml_tests = [t for f in ["compose/node.rs", "compose/merge.rs", "compose/guard_tests.rs", "compose/ports.rs"]
                  for t in literals(CORE / f, "mod tests" if f != "compose/guard_tests.rs" else None)
                  if ":" in t and len(t) < 4096]
    base = demo[1] if len(demo) > 1 else demo[0]
    write("compose_load", demo + yaml_tests + ["\0".join(demo)] + [f"{base}\0{t}" for t in yaml_tests[:20]])

    ports = literals(CORE / "compose/ports.rs", "mod tests")
    mounts = literals(CORE / "compose/mounts.rs", "mod tests")
    short = [p for p in ports + mounts if len(p) < 200]
    write("ports_volumes", short + [
        "8080:80\080\08080\0127.0.0.1\0tcp",
        "${P:-80}:80\080\0${P}\0\0udp",
        "./data:/data:ro\0bind\0./data\0/data\0true",
        "$R:9000-9002\0volume\0named\0/srv\0false",
    ])

    progress = literals(CORE / "lifecycle/progress.rs", "mod tests")
    write("progress", progress + ["\n".join(progress)])

    write("masker", [
        "token=\x01 and again \x01\x01\0hunter2secret",
        "Authorization: Bearer \x01\nnext line \x01 end\0eyJhbGciOiJIUzI1NiJ9.payload.sig\0payload",
        "overlap \x01\x01 here\0abcdef\0cdefgh\0efghij",
        "url postgres://user:\x01@db/app\0p@ss w0rd\0[S0 hidden]",
        "short \x01 values\0abc\0abcd",
        "multi \x01 line\0-----BEGIN KEY-----\nMIIB\n-----END KEY-----",
        "unicode \x01!\0pässwörd✓",
    ])


if __name__ == "__main__":
    main()
