//! Log timestamps: the engine's RFC 3339 stamps to nanoseconds and back, and the `--since`/`--until` forms a
//! user types (RFC 3339, Unix seconds, or a duration back from now such as `10m` or `1h30m`).

const NANOS: i64 = 1_000_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0i64, |acc, b| acc.checked_mul(10)?.checked_add(i64::from(b - b'0')))
}

/// Parses an RFC 3339 timestamp (`2024-01-02T03:04:05.123456789Z`, any fraction length, `Z` or `±hh:mm`)
/// into nanoseconds since the Unix epoch.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (hour, min, sec) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let f = &b[start..i];
        if f.is_empty() {
            return None;
        }
        // Nanosecond precision: pad or cut to nine digits.
        let mut nine = [b'0'; 9];
        for (slot, d) in nine.iter_mut().zip(f.iter()) {
            *slot = *d;
        }
        frac = digits(&nine)?;
    }
    let offset = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let off = digits(&[*h1, *h2])? * 3600 + digits(&[*m1, *m2])? * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec - offset;
    secs.checked_mul(NANOS)?.checked_add(frac)
}

/// Nanoseconds since the epoch as RFC 3339 UTC with exactly nine fraction digits, so that text order is
/// time order: `2024-01-02T03:04:05.123456789Z`.
pub fn format_rfc3339(nano: i64) -> String {
    let secs = nano.div_euclid(NANOS);
    let frac = nano.rem_euclid(NANOS);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:09}Z", rem / 3600, (rem / 60) % 60, rem % 60)
}

/// Splits the engine's timestamp prefix (`<RFC 3339> `) off a log entry: the time and the rest.
pub fn split_timestamp(entry: &[u8]) -> Option<(i64, &[u8])> {
    // RFC 3339 stamps are 20–35 bytes; look for the separating space within that.
    let space = entry.iter().take(super::split::STAMP_MAX).position(|&b| b == b' ')?;
    let stamp = std::str::from_utf8(&entry[..space]).ok()?;
    Some((parse_rfc3339(stamp)?, &entry[space + 1..]))
}

/// A point in time as a user writes it: RFC 3339, Unix seconds (`1700000000`, `1700000000.5`), or a
/// duration back from `now_nano` (`90s`, `10m`, `2h`, `1h30m`, `1d`). `None` when it is none of those.
pub fn parse_user_time(text: &str, now_nano: i64) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Some(n) = parse_rfc3339(t) {
        return Some(n);
    }
    if t.bytes().all(|b| b.is_ascii_digit() || b == b'.') && t.bytes().filter(|&b| b == b'.').count() <= 1 {
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let secs = digits(whole.as_bytes())?;
        let mut nine = [b'0'; 9];
        for (slot, d) in nine.iter_mut().zip(frac.bytes()) {
            *slot = d;
        }
        return secs.checked_mul(NANOS)?.checked_add(digits(&nine)?);
    }
    parse_duration(t).map(|d| now_nano.saturating_sub(d))
}

/// `1h30m`, `10m`, `45s`, `500ms`, `2d` → nanoseconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let (mut i, mut total) = (0usize, 0i64);
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let n = digits(&b[start..i])?;
        let unit_start = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = match &text[unit_start..i] {
            "ms" => 1_000_000,
            "s" => NANOS,
            "m" => 60 * NANOS,
            "h" => 3600 * NANOS,
            "d" => 86_400 * NANOS,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    (!b.is_empty()).then_some(total)
}
