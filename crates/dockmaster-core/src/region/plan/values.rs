//! A planned container's rendered values: environment (plus the server's game settings), command,
//! entrypoint and healthcheck test, as shown (masked) and, when applying, as run.

use std::collections::BTreeMap;

use super::types::{PlannedContainer, PlannedEnv, RegionRole};
use super::PASSWORD_VAR;
use crate::compose::mask::{SecretPolicy, MASK};
use crate::compose::node::Scalar;
use crate::region::error::RegionError;
use crate::region::render::{render, shell_words, Rendered, Secrets, VarValue};
use crate::region::request::RegionRequest;
use crate::region::template::{CommandSpec, RegionTemplate};

/// The region-manager's game settings, as the server's environment.
fn game_env(r: &RegionRequest) -> [(&'static str, String); 5] {
    [
        ("MAX_PLAYERS", r.max_players.to_string()),
        ("GOVERNANCE_TYPE", r.governance.clone()),
        ("ECONOMIC_SPECIALIZATION", r.economy.clone()),
        ("STARTING_CREDITS", r.starting_credits.to_string()),
        ("STARTING_SHIP", r.starting_ship.clone()),
    ]
}

/// The rendered values of one container: as shown (masked) and, when applying, the real ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct Values {
    pub env: Vec<PlannedEnv>,
    pub env_real: Vec<(String, String)>,
    pub command: Option<Vec<Rendered>>,
    pub command_real: Option<Vec<String>>,
    pub entrypoint: Option<Vec<Rendered>>,
    pub entrypoint_real: Option<Vec<String>>,
    pub health: Option<Vec<Rendered>>,
    pub health_real: Option<Vec<String>>,
}

impl PlannedContainer {
    pub(super) fn values(&mut self, v: &Values) {
        self.env = v.env.clone();
        self.command = v.command.clone();
        self.entrypoint = v.entrypoint.clone();
        if let (Some(h), Some(test)) = (&mut self.healthcheck, &v.health) {
            h.test = test.clone();
        }
    }

    /// The shown values match `v` (the template rendered again gives what the plan showed).
    pub(crate) fn shows(&self, v: &Values) -> bool {
        self.env == v.env
            && self.command == v.command
            && self.entrypoint == v.entrypoint
            && self.healthcheck.as_ref().map(|h| &h.test) == v.health.as_ref()
    }
}

/// A command as shown and as run.
type Words = (Option<Vec<Rendered>>, Option<Vec<String>>);

/// Renders the values of the template service for `role`: environment (plus the server's game settings),
/// command, entrypoint, healthcheck test. With planning [`Secrets`] the real values are meaningless; when
/// applying they hold the secrets.
pub(crate) fn values(
    t: &RegionTemplate,
    role: RegionRole,
    request: &RegionRequest,
    env_values: &BTreeMap<String, String>,
    secrets: &Secrets<'_>,
    policy: &SecretPolicy,
) -> Result<Values, RegionError> {
    let s = match role {
        RegionRole::Db => &t.db,
        RegionRole::Server => &t.server,
    };
    let vars = BTreeMap::from([
        ("REGION_NAME".to_string(), VarValue::Text(request.name.clone())),
        ("REGION_DB_USER".to_string(), VarValue::Text(request.effective_db_user())),
        ("REGION_OWNER_ID".to_string(), VarValue::Text(request.owner_id.clone())),
        (PASSWORD_VAR.to_string(), VarValue::Secret),
    ]);
    let one = |name: Option<&str>, v: &Scalar| render(name, v, &vars, secrets, policy);
    let words = |spec: &Option<CommandSpec>, what: &str| -> Result<Words, RegionError> {
        Ok(match spec {
            None => (None, None),
            Some(CommandSpec::Exec(items)) => {
                let (shown, real) = items.iter().map(|i| one(None, i)).unzip();
                (Some(shown), Some(real))
            }
            Some(CommandSpec::Shell(line)) => {
                let (shown, real) = one(None, line);
                let bad =
                    |e: String| RegionError::Template { message: format!("services.{}.{what}: {e}", s.key) };
                let shown = shell_words(&shown.shown)
                    .map_err(bad)?
                    .into_iter()
                    .map(|w| Rendered { masked: w.contains(MASK), shown: w })
                    .collect();
                (Some(shown), Some(shell_words(&real).map_err(bad)?))
            }
        })
    };
    let mut v = Values::default();
    (v.command, v.command_real) = words(&s.command, "command")?;
    (v.entrypoint, v.entrypoint_real) = words(&s.entrypoint, "entrypoint")?;
    if let Some(h) = s.healthcheck.as_ref().filter(|h| !h.disabled && !h.test.is_empty()) {
        let (shown, real) = h.test.iter().map(|t| one(None, t)).unzip();
        (v.health, v.health_real) = (Some(shown), Some(real));
    }
    let push = |v: &mut Values, name: &str, shown: Rendered, real: String| {
        v.env.retain(|e| e.name != name);
        v.env_real.retain(|(n, _)| n != name);
        v.env.push(PlannedEnv { name: name.to_string(), value: shown });
        v.env_real.push((name.to_string(), real));
    };
    for var in &s.environment {
        let (shown, real) = match &var.value {
            Some(value) => one(Some(&var.name), value),
            None if policy.is_secret(&var.name) && (secrets.known)(&var.name) => (
                Rendered { shown: MASK.into(), masked: true },
                (secrets.value)(&var.name).unwrap_or_default(),
            ),
            None => match env_values.get(&var.name) {
                Some(value) => one(Some(&var.name), &Scalar::plain(value.clone())),
                None => continue, // unset: Compose leaves it out
            },
        };
        push(&mut v, &var.name, shown, real);
    }
    if role == RegionRole::Server {
        for (name, value) in game_env(request) {
            push(&mut v, name, Rendered::plain(value.clone()), value);
        }
        for (name, value) in [("REGION_NAME", &request.name), ("REGION_OWNER_ID", &request.owner_id)] {
            if !v.env.iter().any(|e| e.name == name) {
                push(&mut v, name, Rendered::plain(value.clone()), value.clone());
            }
        }
    }
    Ok(v)
}
