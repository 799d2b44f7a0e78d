//! Tests for the pre-parse guards: nesting as libyaml tokenizes it, and alias expansion.

#![allow(clippy::unwrap_used)]

use super::*;

fn depth(text: &str) -> usize {
    nesting_depth(text).unwrap_or_else(|e| panic!("refused at {e:?}: {text}"))
}

/// The depth of a parsed value: a collection is one more than its deepest child (keys included).
fn value_depth(v: &serde_yaml_ng::Value) -> usize {
    use serde_yaml_ng::Value;
    match v {
        Value::Sequence(items) => 1 + items.iter().map(value_depth).max().unwrap_or(0),
        Value::Mapping(m) => 1 + m.iter().map(|(k, v)| value_depth(k).max(value_depth(v))).max().unwrap_or(0),
        Value::Tagged(t) => value_depth(&t.value),
        _ => 0,
    }
}

/// Brackets that are not flow collections: inside quotes, comments, block scalars, tags, and plain
/// scalars of block context. Each case holds 100 unbalanced `[` or `{`, so counting any of them would
/// go over the limit.
#[test]
fn brackets_that_are_text_do_not_count() {
    let many = "[".repeat(100);
    let curly = "{".repeat(100);
    let cases = [
        format!("services:\n  web:\n    command: echo {many}\n"),
        format!("services:\n  web:\n    command: \"{many}\"\n"),
        format!("services:\n  web:\n    command: '{many} it''s'\n"),
        format!("services:\n  web:\n    command: \"a \\\" {many}\"\n"),
        format!("services:\n  web:\n    command: \"two\n      lines {many}\"\n"),
        format!("# {many}\nservices:\n  web: # {curly}\n    image: x\n"),
        format!("services:\n  web:\n    command: |\n      {many}\n      {curly}\n    image: x\n"),
        format!("services:\n  web:\n    command: >-\n\n      {many}\n    image: x\n"),
        format!("services:\n  - |2\n     {many}\n  - x\n"),
        format!("services:\n  web:\n    command: a\n      {many}\n"),
        format!("x: !<tag:{many}> a\n"),
        format!("services:\n  web:\n    image: a{many}b\n    labels: a{curly}\n"),
        format!("services:\n  web:\n    environment: [\"{many}\", '{curly}']\n"),
        format!("x: [a, # {many}\n  b]\n"),
    ];
    for text in &cases {
        assert!(depth(text) <= 4, "{text}");
        serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn depth_counts_flow_and_block_levels() {
    assert_eq!(depth(""), 0);
    assert_eq!(depth("a: 1\n"), 1);
    assert_eq!(depth("a:\n  b:\n    c: [1, {d: [2]}]\n"), 6);
    assert_eq!(depth("- - - x\n"), 3);
    assert_eq!(depth("? [a]\n: b\n"), 2);
    // The key's sequence is closed before libyaml opens the mapping it belongs to.
    assert_eq!(depth("[a, b]: c\n"), 1);
    assert_eq!(depth("a: &x {b: 1}\nc: *x\n"), 2);
    assert_eq!(depth("---\na: 1\n...\n---\n- 1\n"), 1);
    let compose = "services:\n  web:\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n";
    assert_eq!(depth(compose), 5);
}

#[test]
fn the_demo_files_pass() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo");
    let mut seen = 0;
    for entry in std::fs::read_dir(&demo).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let d = depth(&text);
            let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
            assert!(value_depth(&value) <= 2 * d, "{}: {d} vs {}", path.display(), value_depth(&value));
            check_expansion(&text).unwrap();
            seen += 1;
        }
    }
    assert!(seen >= 2, "the demo's Compose files were not found in {}", demo.display());
}

#[test]
fn deep_nesting_is_refused_where_it_happens() {
    let at_limit = format!("x: {}{}\n", "[".repeat(MAX_NESTING - 1), "]".repeat(MAX_NESTING - 1));
    assert_eq!(depth(&at_limit), MAX_NESTING);
    let over = format!("x: {}\n", "[".repeat(MAX_NESTING));
    assert_eq!(nesting_depth(&over), Err(TooDeep { line: 1, column: 4 + MAX_NESTING }));
    let msg = check_nesting(&over).unwrap_err().to_string();
    assert!(msg.contains(&format!("more than {MAX_NESTING} levels")), "{msg}");
}

/// Every way to nest deeply that libyaml accepts token by token is refused, however the brackets are
/// dressed up; each text is at most 100 KB and the whole test runs in milliseconds.
#[test]
fn hostile_nesting_is_refused() {
    let n = 20_000;
    let mut block_maps = String::from("services:\n");
    for i in 0..100 {
        block_maps.push_str(&" ".repeat(i + 1));
        block_maps.push_str("a:\n");
    }
    let cases = [
        ("flow sequences", format!("services: {}", "[".repeat(n))),
        ("flow mappings", format!("services: {}", "{a: ".repeat(n))),
        ("mixed", format!("services: {}", "[{a: ".repeat(n))),
        ("after a document marker", format!("---\n{}", "[".repeat(n))),
        ("closers in strings", format!("x: {}", "[ \"]]]]\", ".repeat(n))),
        ("closers in single quotes", format!("x: {}", "[ ']]]]' , ".repeat(n))),
        ("closers in comments", format!("x: {}", "[ # ]]]]\n".repeat(n))),
        ("an apostrophe in a plain scalar first", format!("a: don't\nb: {}", "[".repeat(n))),
        ("a quote that ends before", format!("a: \"x\" # \"\nb: {}", "[".repeat(n))),
        ("compact block sequences", format!("x:\n{}y\n", "- ".repeat(n))),
        ("indented block mappings", block_maps),
        ("anchors and tags", format!("x: {}", "&a !t [".repeat(n))),
        ("on separate lines", "[\n".repeat(n)),
        ("a block scalar that ends", format!("a: |\n  text\nb: {}", "[".repeat(n))),
    ];
    for (name, text) in &cases {
        let start = std::time::Instant::now();
        assert!(check_nesting(text).is_err(), "{name} passed");
        assert!(start.elapsed() < std::time::Duration::from_secs(5), "{name} hung");
    }
}

/// For YAML libyaml parses, the scanner never sees much less nesting than the parsed value has (an
/// indentless sequence under a mapping key is one level the scanner does not count).
#[test]
fn scanner_depth_bounds_the_parsed_depth() {
    let docs = [
        "a:\n- b:\n  - c:\n    - d\n",
        "a: [b, {c: [d, [e]]}]\n",
        "- [a, [b, [c]]]\n- {x: {y: {z: 1}}}\n",
        "a:\n  b: |\n    [[[[\n  c: [1]\n",
        "? - a\n  - b\n: - c\n",
        "a: !!map {b: !!seq [c]}\n",
        "{a: [b, {c: d}], e: f}\n",
    ];
    for doc in docs {
        let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(doc).unwrap();
        let scanned = depth(doc);
        assert!(value_depth(&value) <= 2 * scanned, "{doc}: value {} scanned {scanned}", value_depth(&value));
        assert!(scanned <= value_depth(&value) + 1, "{doc}: value {} scanned {scanned}", value_depth(&value));
    }
}

#[test]
fn billion_laughs_with_large_leaves_is_refused() {
    // Each level repeats the previous one ten times: 1000 copies of a 100 KB scalar (100 MB), under
    // serde_yaml_ng's repetition limit, which counts aliases, not what they expand to.
    let mut text = format!("x-a0: &a0 \"{}\"\n", "x".repeat(100_000));
    for level in 1..=3 {
        let refs = vec![format!("*a{}", level - 1); 10].join(", ");
        text.push_str(&format!("x-a{level}: &a{level} [{refs}]\n"));
    }
    text.push_str("services:\n  web:\n    image: busybox\n    command: *a3\n");
    let msg = check_expansion(&text).unwrap_err();
    assert!(msg.contains("MiB of text"), "{msg}");

    let mut text = String::from("x-a0: &a0 [a, b, c, d, e, f, g, h, i, j]\n");
    for level in 1..=6 {
        let refs = vec![format!("*a{}", level - 1); 10].join(", ");
        text.push_str(&format!("x-a{level}: &a{level} [{refs}]\n"));
    }
    text.push_str("services: {}\n");
    // serde_yaml_ng refuses this one itself; the guard may too, and must not build it either way.
    let _ = check_expansion(&text);
}

#[test]
fn ordinary_aliases_pass() {
    let text = "x-env: &env\n  A: 1\n  B: 2\nservices:\n  a:\n    environment: *env\n  b:\n    <<: {environment: *env}\n    image: \"*\"\n";
    check_expansion(text).unwrap();
    assert!(check_expansion("not: [valid").is_ok(), "syntax errors are the parser's to report");
}
