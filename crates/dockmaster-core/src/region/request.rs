//! The region request and its validation: the region-manager's own rules, every failure naming the field,
//! the rule and the value given.

use serde::{Deserialize, Serialize};

/// Names the region-manager refuses (compared case-insensitively).
pub const RESERVED_NAMES: &[&str] =
    &["central-nexus", "admin", "api", "system", "default", "test", "staging", "production"];
pub const GOVERNANCES: &[&str] = &["autocracy", "democracy", "council"];
pub const ECONOMIES: &[&str] =
    &["balanced", "commerce", "industrial", "agricultural", "technological", "military"];

/// What the wizard (or `dockmaster region plan|create`) asks for. Defaults are the region-manager's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RegionRequest {
    /// 3–50 characters of `[A-Za-z0-9_-]`, not reserved, not an existing region.
    pub name: String,
    /// The owner's user ID (a UUID).
    pub owner_id: String,
    /// CPU cores for the region's server, 1–8 (the database gets 30 %).
    pub cpu_cores: f64,
    /// Memory in GB for the region's server, 2–16 (the database gets 30 %).
    pub memory_gb: u32,
    /// 10–1000.
    pub max_players: u32,
    /// `autocracy`, `democracy` or `council`.
    pub governance: String,
    /// `balanced`, `commerce`, `industrial`, `agricultural`, `technological` or `military`.
    pub economy: String,
    /// At least 100.
    pub starting_credits: u32,
    /// 1–50 characters of `[A-Za-z0-9_-]` (default `scout`).
    pub starting_ship: String,
    /// The region's database user; default `region_<name>_user` (`-` becomes `_`).
    pub db_user: Option<String>,
}

impl RegionRequest {
    /// A request with the region-manager's defaults: 2 cores, 4 GB, 100 players, autocracy, balanced,
    /// 1000 credits, a scout.
    pub fn new(name: impl Into<String>, owner_id: impl Into<String>) -> Self {
        RegionRequest {
            name: name.into(),
            owner_id: owner_id.into(),
            cpu_cores: 2.0,
            memory_gb: 4,
            max_players: 100,
            governance: "autocracy".into(),
            economy: "balanced".into(),
            starting_credits: 1000,
            starting_ship: "scout".into(),
            db_user: None,
        }
    }

    /// The database user: the one asked for, else `region_<name>_user`.
    pub fn effective_db_user(&self) -> String {
        self.db_user.clone().unwrap_or_else(|| format!("region_{}_user", self.name.replace('-', "_")))
    }
}

/// One broken rule: which field, what the rule is, and the value given (requests hold no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldError {
    /// The request field, as serialised (`name`, `ownerId`, `cpuCores`…).
    pub field: String,
    /// The rule, as a sentence fragment ("must be 3–50 characters of letters, digits, `_` or `-`").
    pub rule: String,
    /// The value given (shortened when long).
    pub value: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} (given: `{}`)", self.field, self.rule, self.value)
    }
}

fn shown(value: &str) -> String {
    const MAX: usize = 60;
    if value.chars().count() <= MAX {
        value.to_string()
    } else {
        format!("{}…", value.chars().take(MAX).collect::<String>())
    }
}

fn name_chars(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `8-4-4-4-12` hexadecimal digits (any version, either case).
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Checks every rule; `existing` are the project's regions (compared case-insensitively). All failures are
/// returned, not just the first.
pub fn validate(request: &RegionRequest, existing: &[String]) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, rule: String, value: String| {
        errors.push(FieldError { field: field.into(), rule, value: shown(&value) })
    };
    let name = &request.name;
    let len = name.chars().count();
    if !(3..=50).contains(&len) || !name_chars(name) {
        fail("name", "must be 3–50 characters of letters, digits, `_` or `-`".into(), name.clone());
    } else if RESERVED_NAMES.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        fail("name", format!("must not be a reserved name ({})", RESERVED_NAMES.join(", ")), name.clone());
    } else if existing.iter().any(|e| e.eq_ignore_ascii_case(name)) {
        fail("name", "must not be the name of an existing region of this project".into(), name.clone());
    }
    if !is_uuid(&request.owner_id) {
        fail(
            "ownerId",
            "must be a UUID (8-4-4-4-12 hexadecimal digits, e.g. 3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d)"
                .into(),
            request.owner_id.clone(),
        );
    }
    if !request.cpu_cores.is_finite() || !(1.0..=8.0).contains(&request.cpu_cores) {
        fail("cpuCores", "must be between 1 and 8".into(), request.cpu_cores.to_string());
    }
    if !(2..=16).contains(&request.memory_gb) {
        fail("memoryGb", "must be between 2 and 16 (GB)".into(), request.memory_gb.to_string());
    }
    if !(10..=1000).contains(&request.max_players) {
        fail("maxPlayers", "must be between 10 and 1000".into(), request.max_players.to_string());
    }
    if !GOVERNANCES.contains(&request.governance.as_str()) {
        fail("governance", format!("must be one of {}", GOVERNANCES.join(", ")), request.governance.clone());
    }
    if !ECONOMIES.contains(&request.economy.as_str()) {
        fail("economy", format!("must be one of {}", ECONOMIES.join(", ")), request.economy.clone());
    }
    if request.starting_credits < 100 {
        fail("startingCredits", "must be at least 100".into(), request.starting_credits.to_string());
    }
    let ship = &request.starting_ship;
    if !(1..=50).contains(&ship.chars().count()) || !name_chars(ship) {
        fail("startingShip", "must be 1–50 characters of letters, digits, `_` or `-`".into(), ship.clone());
    }
    if let Some(user) = &request.db_user {
        let mut chars = user.chars();
        let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && user.len() <= 63;
        if !ok {
            fail(
                "dbUser",
                "must be 1–63 characters of letters, digits or `_`, not starting with a digit".into(),
                user.clone(),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";

    fn with(edit: impl Fn(&mut RegionRequest)) -> RegionRequest {
        let mut r = RegionRequest::new("alpha-1", OWNER);
        edit(&mut r);
        r
    }

    #[test]
    fn every_rule_names_field_rule_and_value() {
        let existing = vec!["Taken".to_string()];
        // (request, field that fails or "" for valid, value shown)
        let cases: Vec<(RegionRequest, &str, &str)> = vec![
            (with(|_| {}), "", ""),
            (with(|r| r.name = "abc".into()), "", ""),
            (with(|r| r.name = "A_b-9".into()), "", ""),
            (with(|r| r.name = "x".repeat(50)), "", ""),
            (with(|r| r.name = "ab".into()), "name", "ab"),
            (with(|r| r.name = "x".repeat(51)), "name", ""),
            (with(|r| r.name = "has space".into()), "name", "has space"),
            (with(|r| r.name = "dots.no".into()), "name", "dots.no"),
            (with(|r| r.name = "ünï".into()), "name", "ünï"),
            (with(|r| r.name = "ADMIN".into()), "name", "ADMIN"),
            (with(|r| r.name = "central-nexus".into()), "name", "central-nexus"),
            (with(|r| r.name = "Production".into()), "name", "Production"),
            (with(|r| r.name = "taken".into()), "name", "taken"),
            (with(|r| r.owner_id = "not-a-uuid".into()), "ownerId", "not-a-uuid"),
            (with(|r| r.owner_id = "3f2b8c1e9a4d4e7b8c215d6f7a8b9c0d".into()), "ownerId", ""),
            (with(|r| r.owner_id = "3F2B8C1E-9A4D-4E7B-8C21-5D6F7A8B9C0D".into()), "", ""),
            (with(|r| r.owner_id = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0g".into()), "ownerId", ""),
            (with(|r| r.cpu_cores = 0.5), "cpuCores", "0.5"),
            (with(|r| r.cpu_cores = 8.5), "cpuCores", "8.5"),
            (with(|r| r.cpu_cores = f64::NAN), "cpuCores", "NaN"),
            (with(|r| r.cpu_cores = 1.0), "", ""),
            (with(|r| r.cpu_cores = 8.0), "", ""),
            (with(|r| r.memory_gb = 1), "memoryGb", "1"),
            (with(|r| r.memory_gb = 17), "memoryGb", "17"),
            (with(|r| r.memory_gb = 16), "", ""),
            (with(|r| r.max_players = 9), "maxPlayers", "9"),
            (with(|r| r.max_players = 1001), "maxPlayers", "1001"),
            (with(|r| r.max_players = 10), "", ""),
            (with(|r| r.governance = "anarchy".into()), "governance", "anarchy"),
            (with(|r| r.governance = "Council".into()), "governance", "Council"),
            (with(|r| r.governance = "council".into()), "", ""),
            (with(|r| r.economy = "piracy".into()), "economy", "piracy"),
            (with(|r| r.economy = "military".into()), "", ""),
            (with(|r| r.starting_credits = 99), "startingCredits", "99"),
            (with(|r| r.starting_credits = 100), "", ""),
            (with(|r| r.starting_ship = String::new()), "startingShip", ""),
            (with(|r| r.starting_ship = "big ship".into()), "startingShip", "big ship"),
            (with(|r| r.db_user = Some("1user".into())), "dbUser", "1user"),
            (with(|r| r.db_user = Some("ok_user".into())), "", ""),
        ];
        for (request, field, value) in cases {
            match (validate(&request, &existing), field) {
                (Ok(()), "") => {}
                (Ok(()), f) => panic!("{request:?} should fail on {f}"),
                (Err(e), "") => panic!("{request:?} should pass: {e:?}"),
                (Err(e), f) => {
                    assert_eq!(e.len(), 1, "{e:?}");
                    assert_eq!(e[0].field, f, "{e:?}");
                    assert!(!e[0].rule.is_empty());
                    if !value.is_empty() {
                        assert_eq!(e[0].value, value, "{e:?}");
                    }
                    assert!(e[0].to_string().starts_with(f), "{}", e[0]);
                }
            }
        }
    }

    #[test]
    fn all_failures_are_reported_together() {
        let r = RegionRequest {
            name: "x".into(),
            owner_id: "nope".into(),
            cpu_cores: 9.0,
            memory_gb: 0,
            max_players: 0,
            governance: "x".into(),
            economy: "x".into(),
            starting_credits: 0,
            starting_ship: " ".into(),
            db_user: Some("-".into()),
        };
        let fields: Vec<String> =
            validate(&r, &[]).expect_err("invalid").into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "name",
                "ownerId",
                "cpuCores",
                "memoryGb",
                "maxPlayers",
                "governance",
                "economy",
                "startingCredits",
                "startingShip",
                "dbUser"
            ]
        );
    }

    #[test]
    fn defaults_and_db_user() {
        let r = RegionRequest::new("my-region", OWNER);
        assert_eq!(validate(&r, &[]), Ok(()));
        assert_eq!(r.effective_db_user(), "region_my_region_user");
        assert_eq!(
            (r.governance.as_str(), r.economy.as_str(), r.starting_ship.as_str()),
            ("autocracy", "balanced", "scout")
        );
        let long = "y".repeat(100);
        let e = validate(&RegionRequest::new(long, OWNER), &[]).expect_err("long");
        assert!(e[0].value.ends_with('…') && e[0].value.chars().count() == 61);
    }
}
