//! Tests for Compose variable interpolation: a data-driven table plus focused span / API tests.

use super::parse::MAX_NESTING;
use super::*;

type Env = &'static [(&'static str, &'static str)];

/// The environment most table rows use.
const STD: Env = &[
    ("SET", "val"),
    ("EMPTY", ""),
    ("PORT", "5432"),
    ("A", "a"),
    ("B", "b"),
    ("USER", "alice"),
    ("HOST", "db.local"),
    ("UNI", "héllo"),
    ("DOLLAR", "$x ${SET}"),
    ("BRACE", "}"),
];

const NONE: Env = &[];

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Interpolation succeeds with this value.
    Value(&'static str),
    /// Interpolation fails at this byte offset with a reason containing this text.
    Error(usize, &'static str),
}

#[derive(Debug, Clone, Copy)]
struct Case {
    input: &'static str,
    env: Env,
    expect: Expect,
    /// Names reported in `missing_required`, in order.
    missing: &'static [&'static str],
}

const fn ok(input: &'static str, value: &'static str) -> Case {
    Case { input, env: STD, expect: Expect::Value(value), missing: &[] }
}

const fn ok_env(input: &'static str, env: Env, value: &'static str) -> Case {
    Case { input, env, expect: Expect::Value(value), missing: &[] }
}

const fn missing(input: &'static str, value: &'static str, names: &'static [&'static str]) -> Case {
    Case { input, env: STD, expect: Expect::Value(value), missing: names }
}

const fn err(input: &'static str, offset: usize, reason: &'static str) -> Case {
    Case { input, env: STD, expect: Expect::Error(offset, reason), missing: &[] }
}

const UNTERMINATED: &str = "unterminated `${`";
const UNSUPPORTED: &str = "unsupported operator";

const CASES: &[Case] = &[
    // --- plain text -------------------------------------------------------
    ok("", ""),
    ok("plain text", "plain text"),
    ok("héllo wörld ✓ 日本", "héllo wörld ✓ 日本"),
    ok("{not a var}", "{not a var}"),
    ok("a}b{c", "a}b{c"),
    ok("100% ^REGEX", "100% ^REGEX"),
    // --- plain references ---------------------------------------------------
    ok("$SET", "val"),
    ok("${SET}", "val"),
    ok("$EMPTY", ""),
    ok("${EMPTY}", ""),
    ok("$UNSET", ""),
    ok("${UNSET}", ""),
    ok("x${SET}y", "xvaly"),
    ok("This $SET var", "This val var"),
    ok("$SET.bar", "val.bar"),
    ok("$SET-bar", "val-bar"),
    ok("$SET:-bar", "val:-bar"),
    ok("$SETX", ""),
    ok("${A}${B}", "ab"),
    ok("$A$B", "ab"),
    ok("$A:$B", "a:b"),
    ok("$a", ""),
    ok("$DOLLAR", "$x ${SET}"),
    ok("${BRACE}", "}"),
    ok("${UNI}/ü", "héllo/ü"),
    ok("ü$A", "üa"),
    ok_env("${_u1}-$_u1", &[("_u1", "x")], "x-x"),
    ok_env("$_", &[("_", "under")], "under"),
    // --- `$$` escapes -------------------------------------------------------
    ok("$$", "$"),
    ok("$$$$", "$$"),
    ok("$$SET", "$SET"),
    ok("$${SET}", "${SET}"),
    ok("$$$SET", "$val"),
    ok("${SET}$$", "val$"),
    ok("$SET$$", "val$"),
    ok("price: 5$$", "price: 5$"),
    ok("$$$${A}", "$${A}"),
    ok("$$$$${A}", "$$a"),
    ok("$$1 $$ $$-", "$1 $ $-"),
    // --- ${VAR:-default} -----------------------------------------------------
    ok("${SET:-d}", "val"),
    ok("${EMPTY:-d}", "d"),
    ok("${UNSET:-d}", "d"),
    ok("${UNSET:-}", ""),
    ok("${UNSET:-a b c}", "a b c"),
    ok("ok ${EMPTY:-/non:-alphanumeric}", "ok /non:-alphanumeric"),
    ok("${UNSET:-:}", ":"),
    ok("${UNSET:--}", "-"),
    ok("${UNSET:-?}", "?"),
    ok("-ok ${EMPTY:-defaultValue}", "-ok defaultValue"),
    // --- ${VAR-default} ------------------------------------------------------
    ok("${SET-d}", "val"),
    ok("${EMPTY-d}", ""),
    ok("${UNSET-d}", "d"),
    ok("${UNSET-}", ""),
    ok("${UNSET--}", "-"),
    ok("${UNSET-myerror?msg}", "myerror?msg"),
    ok("${UNSET-va:-lu:?e}", "va:-lu:?e"),
    // --- ${VAR:?message} -----------------------------------------------------
    missing("${SET:?msg}", "val", &[]),
    missing("${SET:?}", "val", &[]),
    missing("${EMPTY:?msg}", "", &["EMPTY"]),
    missing("${UNSET:?msg}", "", &["UNSET"]),
    missing("not ok ${UNSET:?}", "not ok ", &["UNSET"]),
    missing("${UNSET:?val?ue}", "", &["UNSET"]),
    // --- ${VAR?message} ------------------------------------------------------
    missing("${SET?msg}", "val", &[]),
    missing("${EMPTY?msg}", "", &[]),
    missing("${UNSET?msg}", "", &["UNSET"]),
    missing("${UNSET?}", "", &["UNSET"]),
    missing("${UNSET?bar-baz}", "", &["UNSET"]),
    missing("${SET?bar-baz}", "val", &[]),
    missing("a ${UNSET?x} b ${EMPTY:?y} c", "a  b  c", &["UNSET", "EMPTY"]),
    missing("${UNSET:?one}${UNSET:?two}", "", &["UNSET", "UNSET"]),
    // --- ${VAR:+alt} ---------------------------------------------------------
    ok("${SET:+alt}", "alt"),
    ok("${EMPTY:+alt}", ""),
    ok("${UNSET:+alt}", ""),
    ok("${SET:+va:?lu:-e}", "va:?lu:-e"),
    // --- ${VAR+alt} ----------------------------------------------------------
    ok("${SET+alt}", "alt"),
    ok("${EMPTY+alt}", "alt"),
    ok("${UNSET+alt}", ""),
    ok("${SET+}", ""),
    ok("${UNSET+}", ""),
    ok("${SET+va:+lue}", "va:+lue"),
    ok("${SET+va?lu-e}", "va?lu-e"),
    // --- nesting -------------------------------------------------------------
    ok("${UNSET:-${A}}", "a"),
    ok("${UNSET:-$A}", "a"),
    ok("ok ${UNSET-$SET}", "ok val"),
    ok("${UNSET-${A} ${B}}", "a b"),
    ok("${EMPTY:-${A} ${A}}", "a a"),
    ok("${UNSET:-${UNSET2:-x}}", "x"),
    ok("+ok ${UNSET:-${EMPTY-defaultValue}}", "+ok "),
    ok("${UNSET:-${UNSET2:-${UNSET3:-deep}}}", "deep"),
    ok("${EMPTY+$A}", "a"),
    ok("ok ${EMPTY+$SET ${SET:+second}}", "ok val second"),
    ok("${SET:+[${A}]}", "[a]"),
    ok("${A:-x}${B:-y}$A${UNSET:-z}", "abaz"),
    missing("${SET:-${UNSET:?never evaluated}}", "val", &[]),
    missing("${UNSET:-${UNSET2:?need it}}", "", &["UNSET2"]),
    missing("${UNSET:?need ${A}}", "", &["UNSET"]),
    missing("${UNSET?${UNSET2?inner}}", "", &["UNSET", "UNSET2"]),
    missing("${SET:+${UNSET:?x}}", "", &["UNSET"]),
    missing("${EMPTY:+${UNSET:?x}}", "", &[]),
    // --- braces inside branches ----------------------------------------------
    ok("${UNSET:-{x}}", "{x}"),
    ok("${UNSET:-{a{b}c}}", "{a{b}c}"),
    ok("${SET:-{x}}", "val"),
    ok("${UNSET:-a}b}", "ab}"),
    ok("${UNSET:-{}}", "{}"),
    ok("${UNSET:-{${A}}}", "{a}"),
    // --- `$$` inside branches ---------------------------------------------------
    ok("${UNSET:-$$}", "$"),
    ok("${UNSET:-$${A}}", "${A}"),
    ok("${UNSET:-$$A}", "$A"),
    ok("${UNSET:-$$$A}", "$a"),
    ok("${A:+$$}", "$"),
    ok("${A:+$$$$}", "$$"),
    ok("$$${UNSET:-x}$$", "$x$"),
    missing("${UNSET:?costs $$5}", "", &["UNSET"]),
    // --- unicode ---------------------------------------------------------------
    ok("${UNSET:-héllo ✓}", "héllo ✓"),
    ok("${UNI:+ü}${UNI}", "ühéllo"),
    ok("日本${UNI}語", "日本héllo語"),
    // --- realistic values ----------------------------------------------------------
    ok_env("127.0.0.1:${PORT:-8080}:80", NONE, "127.0.0.1:8080:80"),
    ok("127.0.0.1:${PORT:-8080}:80", "127.0.0.1:5432:80"),
    missing(
        "postgres://${USER:-app}:${PASS:?set PASS}@${HOST}/db",
        "postgres://alice:@db.local/db",
        &["PASS"],
    ),
    ok("image: nginx:${TAG-latest}", "image: nginx:latest"),
    ok("sh -c 'echo $$HOME'", "sh -c 'echo $HOME'"),
    // --- a `$` that starts no reference stays literal (Compose v2) ---------------------
    ok("$", "$"),
    ok("abc$", "abc$"),
    ok("${UNSET:-x} $", "x $"),
    ok("$1", "$1"),
    ok("a $ b", "a $ b"),
    ok("$-", "$-"),
    ok("$}", "$}"),
    ok("$.x", "$.x"),
    ok("€$é", "€$é"),
    ok("$$$", "$$"),
    ok("awk '{print $1}'", "awk '{print $1}'"),
    ok("^[a-z]+$", "^[a-z]+$"),
    // --- errors: braces ----------------------------------------------------------------
    err("${}", 0, "empty variable name"),
    err("${", 0, UNTERMINATED),
    err("x ${FOO", 2, UNTERMINATED),
    err("${FOO:-bar", 0, UNTERMINATED),
    err("${A:-${B}", 0, UNTERMINATED),
    err("${A:-${B", 5, UNTERMINATED),
    err("${A:", 0, UNTERMINATED),
    err("${A:-$", 0, UNTERMINATED),
    err("${A:-{x}", 0, UNTERMINATED),
    // --- errors: names -------------------------------------------------------------------
    err("${1A}", 0, "invalid variable name `1A`"),
    err("${A B}", 0, "unexpected ` ` after `A`"),
    err("${ A}", 0, "must be followed by a variable name"),
    err("${A }", 0, "unexpected ` `"),
    err("${A!}", 0, "unexpected `!`"),
    err("${A.b}", 0, "unexpected `.`"),
    err("${é}", 0, "found `é`"),
    err("${Aé}", 0, "unexpected `é`"),
    // --- errors: operators -----------------------------------------------------------------
    err("${A:x}", 0, "unsupported operator `:x`"),
    err("${A:}", 0, "unsupported operator `:}`"),
    err("${A=b}", 0, "unsupported operator `=`"),
    err("${A#b}", 0, UNSUPPORTED),
    err("${A%b}", 0, UNSUPPORTED),
    err("${A/x/y}", 0, UNSUPPORTED),
    err("${A^^}", 0, UNSUPPORTED),
    err("${A:=b}", 0, "unsupported operator `:=`"),
    // --- errors: nested / in untaken branches ------------------------------------------------
    ok("${UNSET:-$1}", "$1"),
    ok("${UNSET:-$}", "$"),
    err("${A:-${}}", 5, "empty variable name"),
    err("ok ${SET:-${1}}", 10, "invalid variable name `1`"),
    err("${UNSET:+${A=b}}", 9, UNSUPPORTED),
    err("$A ${B:?${C D}}", 8, "unexpected ` `"),
];

fn lookup_in(env: Env) -> impl Fn(&str) -> Option<String> {
    move |name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_string())
}

#[test]
fn table_has_enough_cases() {
    assert!(CASES.len() >= 60, "only {} cases", CASES.len());
}

#[test]
fn table() {
    let mut failures = Vec::new();
    for (i, case) in CASES.iter().enumerate() {
        let lookup = lookup_in(case.env);
        let result = interpolate(case.input, &lookup);
        let names = referenced_names(case.input);
        match (case.expect, &result) {
            (Expect::Value(expected), Ok(got)) => {
                if got.value != expected {
                    failures
                        .push(format!("#{i} {:?}: value {:?}, expected {expected:?}", case.input, got.value));
                }
                let got_missing: Vec<&str> = got.missing_required.iter().map(|m| m.name.as_str()).collect();
                if got_missing != case.missing {
                    failures.push(format!(
                        "#{i} {:?}: missing_required {got_missing:?}, expected {:?}",
                        case.input, case.missing
                    ));
                }
                // Invariants: spans lie on char boundaries of the value, nested
                // spans lie inside their parent's, plain set uses slice their value.
                for u in &got.uses {
                    if got.value.get(u.span.clone()).is_none() {
                        failures.push(format!("#{i} {:?}: bad span {:?} for {}", case.input, u.span, u.name));
                    } else if u.form == VarForm::Plain {
                        let expected = lookup(&u.name).unwrap_or_default();
                        if got.value[u.span.clone()] != expected {
                            failures.push(format!(
                                "#{i} {:?}: span of {} slices {:?}",
                                case.input,
                                u.name,
                                &got.value[u.span.clone()]
                            ));
                        }
                    }
                }
                if let Err(e) = &names {
                    failures.push(format!("#{i} {:?}: referenced_names failed: {e}", case.input));
                }
            }
            (Expect::Error(offset, reason), Err(e)) => {
                if e.offset != offset || !e.reason.contains(reason) || e.template != case.input {
                    failures.push(format!(
                        "#{i} {:?}: error at {} {:?}, expected at {offset} containing {reason:?}",
                        case.input, e.offset, e.reason
                    ));
                }
                if names.as_ref().err() != Some(e) {
                    failures.push(format!(
                        "#{i} {:?}: referenced_names gave {names:?}, expected the same error",
                        case.input
                    ));
                }
            }
            (Expect::Value(expected), Err(e)) => {
                failures.push(format!("#{i} {:?}: expected {expected:?}, got error: {e}", case.input))
            }
            (Expect::Error(offset, reason), Ok(got)) => failures.push(format!(
                "#{i} {:?}: expected error at {offset} ({reason:?}), got {:?}",
                case.input, got.value
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

// --- focused tests -------------------------------------------------------------------

fn run(input: &str, env: Env) -> Interpolated {
    match interpolate(input, &lookup_in(env)) {
        Ok(r) => r,
        Err(e) => panic!("{input:?} failed: {e}"),
    }
}

fn slice<'a>(r: &'a Interpolated, u: &VarUse) -> &'a str {
    &r.value[u.span.clone()]
}

#[test]
fn port_default_span() {
    let r = run("127.0.0.1:${PORT:-8080}:80", NONE);
    assert_eq!(r.value, "127.0.0.1:8080:80");
    assert_eq!(r.uses.len(), 1);
    let u = &r.uses[0];
    assert_eq!(u.name, "PORT");
    assert_eq!(slice(&r, u), "8080");
    assert_eq!(u.span, 10..14);
    assert!(u.used_fallback);
    assert!(!u.is_set);
    assert_eq!(u.form, VarForm::DefaultIfUnsetOrEmpty("8080".into()));
}

#[test]
fn port_value_span() {
    let r = run("127.0.0.1:${PORT:-8080}:80", &[("PORT", "15432")]);
    assert_eq!(r.value, "127.0.0.1:15432:80");
    let u = &r.uses[0];
    assert_eq!(slice(&r, u), "15432");
    assert!(!u.used_fallback);
    assert!(u.is_set);
    assert_eq!(u.form, VarForm::DefaultIfUnsetOrEmpty("8080".into()));
}

#[test]
fn nested_spans_are_absolute_and_outermost_first() {
    let r = run("x${A:-[${B}|${C:-c}]}y$D", &[("B", "bee"), ("D", "dee")]);
    assert_eq!(r.value, "x[bee|c]ydee");
    let names: Vec<&str> = r.uses.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["A", "B", "C", "D"]);
    assert_eq!(slice(&r, &r.uses[0]), "[bee|c]");
    assert_eq!(r.uses[0].form, VarForm::DefaultIfUnsetOrEmpty("[bee|c]".into()));
    assert!(r.uses[0].used_fallback && !r.uses[0].is_set);
    assert_eq!(slice(&r, &r.uses[1]), "bee");
    assert_eq!(r.uses[1].form, VarForm::Plain);
    assert!(r.uses[1].is_set && !r.uses[1].used_fallback);
    assert_eq!(slice(&r, &r.uses[2]), "c");
    assert!(r.uses[2].used_fallback);
    assert_eq!(slice(&r, &r.uses[3]), "dee");
}

#[test]
fn deeply_nested_spans() {
    let r = run("${A:-${B:-${C:-z}}}", NONE);
    assert_eq!(r.value, "z");
    let spans: Vec<_> = r.uses.iter().map(|u| (u.name.as_str(), u.span.clone())).collect();
    assert_eq!(spans, [("A", 0..1), ("B", 0..1), ("C", 0..1)]);
}

#[test]
fn unicode_spans() {
    let r = run("ü${UNI}é$A✓", &[("UNI", "héllo"), ("A", "日本")]);
    assert_eq!(r.value, "ühélloé日本✓");
    assert_eq!(slice(&r, &r.uses[0]), "héllo");
    assert_eq!(r.uses[0].span, 2..8);
    assert_eq!(slice(&r, &r.uses[1]), "日本");
}

#[test]
fn adjacent_references() {
    let r = run("$A$B${A}${B}", &[("A", "1"), ("B", "22")]);
    assert_eq!(r.value, "122122");
    let spans: Vec<_> = r.uses.iter().map(|u| u.span.clone()).collect();
    assert_eq!(spans, [0..1, 1..3, 3..4, 4..6]);
}

#[test]
fn empty_spans_for_empty_output() {
    let r = run("a${UNSET}b${EMPTY}c${GONE:?x}d", &[("EMPTY", "")]);
    assert_eq!(r.value, "abcd");
    let spans: Vec<_> = r.uses.iter().map(|u| u.span.clone()).collect();
    assert_eq!(spans, [1..1, 2..2, 3..3]);
    assert!(!r.uses[0].is_set && !r.uses[0].used_fallback);
    assert!(r.uses[1].is_set);
    assert_eq!(r.uses[2].form, VarForm::RequiredNonEmpty("x".into()));
}

#[test]
fn escapes_are_not_uses() {
    let r = run("$$A $${B} $$", &[("A", "x")]);
    assert_eq!(r.value, "$A ${B} $");
    assert!(r.uses.is_empty());
    let r = run("$$$A", &[("A", "x")]);
    assert_eq!(r.value, "$x");
    assert_eq!(r.uses[0].span, 1..2);
}

#[test]
fn untaken_branch_is_lazy_but_form_has_interpolated_text() {
    let r = run("${SET:-${OTHER}-${MISSING:?m}}", &[("SET", "v"), ("OTHER", "o")]);
    assert_eq!(r.value, "v");
    assert_eq!(r.uses.len(), 1);
    assert_eq!(r.uses[0].form, VarForm::DefaultIfUnsetOrEmpty("o-".into()));
    assert!(r.missing_required.is_empty());
}

#[test]
fn every_form_is_recorded() {
    let env: Env = &[("S", "s"), ("E", "")];
    let cases: &[(&str, VarForm, bool, bool)] = &[
        ("$S", VarForm::Plain, true, false),
        ("${S}", VarForm::Plain, true, false),
        ("${E:-d}", VarForm::DefaultIfUnsetOrEmpty("d".into()), true, true),
        ("${E-d}", VarForm::DefaultIfUnset("d".into()), true, false),
        ("${U-d}", VarForm::DefaultIfUnset("d".into()), false, true),
        ("${S:?m}", VarForm::RequiredNonEmpty("m".into()), true, false),
        ("${S?m}", VarForm::Required("m".into()), true, false),
        ("${S:+a}", VarForm::AlternativeIfNonEmpty("a".into()), true, true),
        ("${E:+a}", VarForm::AlternativeIfNonEmpty("a".into()), true, false),
        ("${E+a}", VarForm::AlternativeIfSet("a".into()), true, true),
        ("${U+a}", VarForm::AlternativeIfSet("a".into()), false, false),
    ];
    for (input, form, is_set, used_fallback) in cases {
        let r = run(input, env);
        assert_eq!(r.uses.len(), 1, "{input}");
        let u = &r.uses[0];
        assert_eq!(&u.form, form, "{input}");
        assert_eq!(u.is_set, *is_set, "{input}: is_set");
        assert_eq!(u.used_fallback, *used_fallback, "{input}: used_fallback");
    }
}

#[test]
fn form_branch_text_is_interpolated() {
    let r = run("${X:-$$${A}:{b}}", &[("A", "1")]);
    assert_eq!(r.value, "$1:{b}");
    assert_eq!(r.uses[0].form, VarForm::DefaultIfUnsetOrEmpty("$1:{b}".into()));
    assert_eq!(r.uses[1].name, "A");
    assert_eq!(r.uses[1].span, 1..2);
}

#[test]
fn missing_required_messages() {
    let r = run("${X:?}${Y?}${Z:?please set ${A} or $$Z}", &[("A", "a")]);
    assert_eq!(r.value, "");
    assert_eq!(
        r.missing_required,
        [
            MissingRequired { name: "X".into(), message: "required variable X is missing a value".into() },
            MissingRequired { name: "Y".into(), message: "required variable Y is missing a value".into() },
            MissingRequired { name: "Z".into(), message: "please set a or $Z".into() },
        ]
    );
    // References inside a message produce no output, so they are not uses.
    let names: Vec<&str> = r.uses.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["X", "Y", "Z"]);
    assert_eq!(r.uses[2].form, VarForm::RequiredNonEmpty("please set a or $Z".into()));
}

#[test]
fn required_set_but_empty() {
    let env: Env = &[("E", "")];
    let r = run("${E?m}", env);
    assert!(r.missing_required.is_empty());
    assert!(r.uses[0].is_set);
    let r = run("${E:?m}", env);
    assert_eq!(r.missing_required[0].name, "E");
    assert_eq!(r.missing_required[0].message, "m");
}

#[test]
fn referenced_names_order_dedup_and_all_branches() {
    let names = referenced_names("${A:-${B}} $C $A ${D:?${E}} $$F ${G:+$H} ${B}");
    assert_eq!(
        names,
        Ok(vec!["A", "B", "C", "D", "E", "G", "H"].into_iter().map(String::from).collect::<Vec<_>>())
    );
    assert_eq!(referenced_names("no vars $$HOME"), Ok(vec![]));
    assert_eq!(referenced_names(""), Ok(vec![]));
}

#[test]
fn referenced_names_errors() {
    let e = referenced_names("ok ${A:-${B").err();
    assert_eq!(e.as_ref().map(|e| e.offset), Some(8));
    assert_eq!(referenced_names("$1"), Ok(vec![]));
    assert!(referenced_names("${A=b}").is_err());
}

#[test]
fn error_display() {
    let e = interpolate("echo ${FOO", &lookup_in(NONE)).err();
    let e = e.expect("must fail");
    assert_eq!(e.template, "echo ${FOO");
    assert_eq!(e.offset, 5);
    let shown = e.to_string();
    assert!(shown.starts_with("invalid interpolation `${FOO` at byte 5: unterminated `${`"), "{shown}");
    let e = interpolate("${A=b} tail", &lookup_in(NONE)).expect_err("must fail");
    assert!(e.to_string().starts_with("invalid interpolation `${A=b}` at byte 0: "), "{e}");
    let long = format!("${{A:-{}", "x".repeat(100));
    let e = interpolate(&long, &lookup_in(NONE)).expect_err("must fail");
    assert!(e.to_string().contains("…` at byte 0"), "{e}");
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(boxed.to_string().contains("unterminated"));
}

#[test]
fn deep_nesting_is_bounded() {
    let ok_depth = 50;
    let input = format!("{}x{}", "${A:-".repeat(ok_depth), "}".repeat(ok_depth));
    let r = run(&input, NONE);
    assert_eq!(r.value, "x");
    assert_eq!(r.uses.len(), ok_depth);

    let deep = 10_000;
    let input = format!("{}x{}", "${A:-".repeat(deep), "}".repeat(deep));
    let e = interpolate(&input, &lookup_in(NONE)).expect_err("must fail");
    assert!(e.reason.contains("nested"), "{}", e.reason);
    assert!(e.problem.contains(&MAX_NESTING.to_string()), "{}", e.problem);
    assert!(referenced_names(&input).is_err());
}

/// `problem` describes every error without quoting the template (a `.env` value may be a secret).
#[test]
fn problems_never_quote_the_template() {
    for case in CASES {
        let Expect::Error(..) = case.expect else { continue };
        let marked = case.input.replace("SET", "SEKRIT").replace('1', "SEKRIT");
        let Err(e) = interpolate(&marked, &lookup_in(case.env)) else { continue };
        assert!(!e.problem.is_empty(), "{marked}");
        assert!(!e.problem.contains("SEKRIT"), "{marked}: {}", e.problem);
    }
}

#[test]
fn lookup_sees_exact_names() {
    let seen = std::cell::RefCell::new(Vec::new());
    let lookup = |name: &str| {
        seen.borrow_mut().push(name.to_string());
        None
    };
    let r = interpolate("$A.b ${C_1:-x} $$D", &lookup);
    assert!(r.is_ok());
    assert_eq!(*seen.borrow(), ["A", "C_1"]);
}
