//! Unit tests of the log pieces that need no engine: timestamps, masking, line splitting, ring buffers,
//! filters and export.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use super::buffer::StoredLine;
use super::*;
use crate::secrets::{Masker, Sensitive};

fn masker(pairs: &[(&str, &str)]) -> Masker {
    let values: Vec<(String, Sensitive<String>)> =
        pairs.iter().map(|(n, v)| (n.to_string(), Sensitive::new(v.to_string()))).collect();
    Masker::new(values.iter().map(|(n, v)| (n.as_str(), v)))
}

fn texts(lines: &[SplitLine]) -> Vec<&str> {
    lines.iter().map(|l| l.text.as_str()).collect()
}

const TS: &str = "2024-02-29T23:59:58.5Z ";
const TS_NANO: i64 = 1_709_251_198_500_000_000;

#[test]
fn timestamps_round_trip() {
    assert_eq!(parse_rfc3339("2024-02-29T23:59:58.5Z"), Some(TS_NANO));
    assert_eq!(format_rfc3339(TS_NANO), "2024-02-29T23:59:58.500000000Z");
    assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(parse_rfc3339("2024-01-01T01:00:00+01:00"), parse_rfc3339("2024-01-01T00:00:00Z"));
    assert_eq!(parse_rfc3339("2024-01-01T00:00:00.123456789123Z"), Some(1_704_067_200_123_456_789));
    for bad in ["", "2024-13-01T00:00:00Z", "2024-01-01 00:00:00", "2024-01-01T00:00:00.Z", "yesterday"] {
        assert_eq!(parse_rfc3339(bad), None, "{bad}");
    }
    for n in [0, 1, 951_782_400_000_000_001, 4_102_444_799_999_999_999, -86_400_000_000_000] {
        assert_eq!(parse_rfc3339(&format_rfc3339(n)), Some(n), "{n}");
    }
}

#[test]
fn user_times() {
    let now = 1_000_000 * 1_000_000_000;
    assert_eq!(parse_user_time("10m", now), Some(now - 600 * 1_000_000_000));
    assert_eq!(parse_user_time("1h30m", now), Some(now - 5400 * 1_000_000_000));
    assert_eq!(parse_user_time("1700000000", now), Some(1_700_000_000_000_000_000));
    assert_eq!(parse_user_time("1700000000.25", now), Some(1_700_000_000_250_000_000));
    assert_eq!(parse_user_time("2024-02-29T23:59:58.5Z", now), Some(TS_NANO));
    for bad in ["", "10x", "m", "1.2.3", "tomorrow"] {
        assert_eq!(parse_user_time(bad, now), None, "{bad}");
    }
}

fn split_all(entries: &[&[u8]], max_line: usize, m: &Masker) -> Vec<SplitLine> {
    let mut s = Splitter::new(max_line);
    let mut out = Vec::new();
    for e in entries {
        s.push_entry(e, true, 7, m, &mut out);
    }
    s.finish(m, &mut out);
    out
}

#[test]
fn splits_entries_into_lines_with_their_timestamps() {
    let m = Masker::none();
    let e1 = format!("{TS}first\r\n");
    let e2 = "2024-02-29T23:59:59Z second part ".to_string();
    let e3 = "2024-02-29T23:59:59.1Z of a line\n".to_string();
    let e4 = "no timestamp at all\n".to_string();
    let e5 = "2024-03-01T00:00:00Z last without newline".to_string();
    let out =
        split_all(&[e1.as_bytes(), e2.as_bytes(), e3.as_bytes(), e4.as_bytes(), e5.as_bytes()], 1024, &m);
    assert_eq!(
        texts(&out),
        ["first", "second part of a line", "no timestamp at all", "last without newline"]
    );
    assert_eq!(out[0].ts_nano, TS_NANO);
    assert_eq!(out[1].ts_nano, TS_NANO + 500_000_000, "a joined line keeps its first entry's time");
    assert_eq!(out[2].ts_nano, 7, "no timestamp: the time it was read");
    assert!(out.iter().all(|l| !l.partial));
    // Empty lines stay lines.
    let out = split_all(&[format!("{TS}\n").as_bytes(), format!("{TS}a\n").as_bytes()], 1024, &m);
    assert_eq!(texts(&out), ["", "a"]);
}

#[test]
fn console_output_is_cut_anywhere() {
    let m = masker(&[("TOKEN", "tok-12345")]);
    let mut s = Splitter::new(1024);
    let mut out = Vec::new();
    let stream = format!("{TS}one tok-1\n{TS}two\n{TS}three tok-12");
    for chunk in stream.as_bytes().chunks(5) {
        s.push_console(chunk, true, 0, &m, &mut out);
    }
    s.push_console(b"345 end\n", true, 0, &m, &mut out);
    assert_eq!(texts(&out), ["one tok-1", "two", "three [TOKEN hidden] end"]);
    assert!(out.iter().all(|l| l.ts_nano == TS_NANO));
}

#[test]
fn very_long_lines_are_cut_without_splitting_a_secret_or_a_character() {
    let secret = "SUPERSECRETVALUE";
    let m = masker(&[("API_KEY", secret)]);
    // A 10 000-byte line with the secret straddling every multiple of 64, fed in 100-byte entries.
    let mut line = String::new();
    while line.len() < 10_000 {
        line.push_str("é-");
        if line.len() % 64 > 56 {
            line.push_str(secret);
        }
    }
    let mut entries = Vec::new();
    let mut rest = line.as_bytes();
    while !rest.is_empty() {
        let n = rest.len().min(100);
        let mut e = TS.as_bytes().to_vec();
        e.extend_from_slice(&rest[..n]);
        entries.push(e);
        rest = &rest[n..];
    }
    entries.last_mut().unwrap().push(b'\n');
    let refs: Vec<&[u8]> = entries.iter().map(|e| e.as_slice()).collect();
    let out = split_all(&refs, 64, &m);
    assert!(out.len() > 100, "cut into pieces: {}", out.len());
    assert!(out[..out.len() - 1].iter().all(|l| l.partial) && !out.last().unwrap().partial);
    for piece in &out {
        assert!(!piece.text.contains(secret) && !piece.text.contains('\u{FFFD}'), "{piece:?}");
        assert!(piece.text.len() <= 64 + secret.len() + "[API_KEY hidden]".len(), "{}", piece.text.len());
        assert_eq!(piece.ts_nano, TS_NANO);
    }
    let joined: String = out.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(joined, m.mask_str(&line), "cutting loses nothing");
    // Nothing pending keeps more than the limit plus one value.
    let mut s = Splitter::new(64);
    let mut sink = Vec::new();
    s.push_entry(&[b'x'; 100_000], false, 0, &m, &mut sink);
    assert!(s.pending_len() <= 64 + secret.len());
}

#[test]
fn a_secret_split_across_entries_is_masked() {
    let m = masker(&[("JWT_SECRET", "abcdefghijklmnop")]);
    let out = split_all(
        &[format!("{TS}token=abcdefgh").as_bytes(), format!("{TS}ijklmnop done\n").as_bytes()],
        1024,
        &m,
    );
    assert_eq!(texts(&out), ["token=[JWT_SECRET hidden] done"]);
}

fn stored(seq: u64, text: &str, stream: LogStream) -> StoredLine {
    StoredLine {
        seq,
        ts_nano: TS_NANO + seq as i64 * 1_000_000_000,
        stream,
        container: Arc::from("c1"),
        text: text.into(),
        partial: false,
    }
}

#[test]
fn ring_buffers_respect_both_limits_and_count_drops() {
    let mut b = LogBuffer::new(100, 1_000_000);
    for i in 1..=250 {
        b.push("web", stored(i, "x", LogStream::Stdout));
    }
    b.push("db", stored(251, "y", LogStream::Stdout));
    let states = b.states();
    let web = states.iter().find(|s| s.service == "web").unwrap();
    assert_eq!((web.lines, web.dropped, web.total, web.first_seq), (100, 150.0, 250.0, Some(151.0)));
    let db = states.iter().find(|s| s.service == "db").unwrap();
    assert_eq!((db.lines, db.dropped), (1, 0.0), "one service's flood never evicts another's lines");

    // Bytes: 1 000-byte lines (plus overhead) in 10 000 bytes → at most 9.
    let mut b = LogBuffer::new(1_000_000, 10_000);
    let big = "z".repeat(1000);
    for i in 1..=50 {
        b.push("api", stored(i, &big, LogStream::Stderr));
        let s = &b.states()[0];
        assert!(s.bytes as usize <= 10_000, "{}", s.bytes);
    }
    let s = &b.states()[0];
    assert_eq!((s.lines, s.dropped), (9, 41.0));
}

#[test]
fn filters_by_service_stream_time_and_text() {
    let mut b = LogBuffer::new(1000, 1 << 20);
    b.push("web", stored(1, "GET /index.html 200", LogStream::Stdout));
    b.push("db", stored(2, "ERROR: relation missing", LogStream::Stderr));
    b.push("web", stored(3, "GET /missing 404", LogStream::Stdout));
    b.push("web", stored(4, "error: upstream Timeout", LogStream::Stderr));
    let now = TS_NANO + 100 * 1_000_000_000;
    let run = |f: LogFilter| -> Vec<f64> {
        let c = CompiledFilter::new(&f, now).unwrap();
        b.query(&c, None).iter().map(|l| l.seq).collect()
    };
    assert_eq!(run(LogFilter::default()), [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(run(LogFilter { services: vec!["web".into()], ..Default::default() }), [1.0, 3.0, 4.0]);
    assert_eq!(run(LogFilter { streams: vec![LogStream::Stderr], ..Default::default() }), [2.0, 4.0]);
    assert_eq!(run(LogFilter { text: Some("error".into()), ..Default::default() }), [2.0, 4.0]);
    assert_eq!(
        run(LogFilter { text: Some("error".into()), case_sensitive: true, ..Default::default() }),
        [4.0]
    );
    assert_eq!(run(LogFilter { text: Some("missing".into()), ..Default::default() }), [2.0, 3.0]);
    assert_eq!(
        run(LogFilter { text: Some(r" [0-9]{3}$".into()), regex: true, ..Default::default() }),
        [1.0, 3.0]
    );
    assert_eq!(
        run(LogFilter { text: Some("(".into()), ..Default::default() }),
        [] as [f64; 0],
        "literal when not regex"
    );
    let since = format_rfc3339(TS_NANO + 2_000_000_000);
    let until = format_rfc3339(TS_NANO + 3_000_000_000);
    assert_eq!(run(LogFilter { since: Some(since), until: Some(until), ..Default::default() }), [2.0, 3.0]);
    assert_eq!(run(LogFilter { since: Some("99s".into()), ..Default::default() }), [1.0, 2.0, 3.0, 4.0]);
    let c = CompiledFilter::new(&LogFilter::default(), now).unwrap();
    assert_eq!(
        b.query(&c, Some(2)).iter().map(|l| l.seq).collect::<Vec<_>>(),
        [3.0, 4.0],
        "limit keeps the newest"
    );

    let bad =
        CompiledFilter::new(&LogFilter { text: Some("(".into()), regex: true, ..Default::default() }, now);
    assert_eq!(bad.unwrap_err().code(), crate::ErrorCode::LogPatternInvalid);
    let bad =
        CompiledFilter::new(&LogFilter { since: Some("last tuesday".into()), ..Default::default() }, now);
    assert_eq!(bad.unwrap_err().code(), crate::ErrorCode::LogTimeInvalid);
}

#[test]
fn export_writes_prefixed_lines_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.txt");
    std::fs::write(&path, "old content").unwrap();
    let lines = vec![
        stored(1, "hello", LogStream::Stdout).to_view("web"),
        stored(2, "oops", LogStream::Stderr).to_view("db"),
    ];
    let report = write_export(&lines, &path).unwrap();
    assert_eq!(report.lines, 2);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "2024-02-29T23:59:59.500000000Z web | hello\n2024-03-01T00:00:00.500000000Z db (stderr) | oops\n"
    );
    assert_eq!(report.bytes as usize, text.len());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    let err = write_export(&lines, &dir.path().join("missing/dir/x.txt")).unwrap_err();
    assert_eq!(err.code(), crate::ErrorCode::LogExportFailed);
}

#[test]
fn unknown_services_are_named() {
    let known = vec!["web".to_string(), "db".to_string()];
    assert!(check_services(&[], &known).is_ok());
    let e = check_services(&["web".into(), "nope".into()], &known).unwrap_err();
    assert_eq!(e.to_string(), "unknown service `nope`: this project's services are web, db");
}
