//! Static problems of a selection, found before anything runs: each says what is wrong and how to fix it.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::compose::interpolate::VarForm;
use crate::compose::mask::SecretPolicy;
use crate::compose::model::{ComposeModel, Service};
use crate::compose::node::RequiredProblem;
use crate::descriptor::Descriptor;
use crate::report::{MountKind, Severity, Warning, WarningCode};

pub struct Input<'a> {
    pub model: &'a ComposeModel,
    pub active: &'a [&'a Service],
    pub selected: &'a [String],
    pub descriptor: Option<&'a Descriptor>,
    pub required_problems: &'a [RequiredProblem],
    pub missing_extra_files: &'a [(String, PathBuf)],
    pub root: &'a Path,
    /// Variables held in the project's keychain: they are set when the stack starts (the lifecycle passes
    /// them to Compose), so they are not reported as unset; they are secrets whatever their name.
    pub held: &'a [String],
    pub policy: &'a SecretPolicy,
}

fn warning(code: WarningCode, severity: Severity, message: String) -> Warning {
    Warning { code, severity, message, hint: None, services: Vec::new(), variables: Vec::new() }
}

impl Warning {
    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    fn services(mut self, services: impl IntoIterator<Item = String>) -> Self {
        self.services = services.into_iter().collect();
        self
    }
    fn variables(mut self, variables: impl IntoIterator<Item = String>) -> Self {
        self.variables = variables.into_iter().collect();
        self
    }
}

/// All warnings for a selection, most severe first (stable within a severity).
pub fn analyse(input: &Input) -> Vec<Warning> {
    let mut out = Vec::new();
    profiles(input, &mut out);
    dependencies(input, &mut out);
    port_conflicts(input.active, &mut out);
    variables(input, &mut out);
    subnet_overlaps(input.model, &mut out);
    references(input, &mut out);
    secrets_in_commands(input, &mut out);
    for p in &input.model.problems {
        let Some(service) = &p.service else { continue };
        if input.active.iter().any(|s| &s.name == service) {
            out.push(
                warning(WarningCode::InvalidEntry, Severity::Error, format!("{}: {}", p.at, p.message))
                    .services([service.clone()])
                    .hint("Fix this entry in the Compose file; Compose will reject it."),
            );
        }
    }
    for s in input.active {
        for reason in s.privilege_reasons() {
            out.push(
                warning(WarningCode::PrivilegedMount, Severity::Info, format!("{} {reason}.", s.name))
                    .services([s.name.clone()])
                    .hint("Treat this service as part of your host's trusted surface."),
            );
        }
    }
    if input.active.is_empty() {
        out.push(
            warning(WarningCode::EmptySelection, Severity::Info, "This selection starts no services.".into())
                .hint("Select a profile."),
        );
    }
    out.sort_by_key(|w| w.severity);
    out
}

/// A secret interpolated into argv is visible to anyone who can run `ps` on the host or `docker inspect`.
fn secrets_in_commands(input: &Input, out: &mut Vec<Warning>) {
    let is_secret = |name: &str| input.policy.may_be_secret(name) || input.held.iter().any(|h| h == name);
    for s in input.active {
        let fields = [
            ("command", s.command.as_slice()),
            ("entrypoint", s.entrypoint.as_slice()),
            ("healthcheck.test", s.healthcheck.as_ref().map(|h| h.test.as_slice()).unwrap_or_default()),
        ];
        for (field, words) in fields {
            let mut names: Vec<String> = words
                .iter()
                .flat_map(|w| &w.uses)
                .filter(|u| is_secret(&u.name))
                .map(|u| u.name.clone())
                .collect();
            names.sort();
            names.dedup();
            if names.is_empty() {
                continue;
            }
            out.push(
                warning(
                    WarningCode::SecretInCommand,
                    Severity::Warning,
                    format!(
                        "{}'s `{field}` contains the value of {}: it ends up in the container's command line, \
                         visible to anyone who can run `ps` on the host or `docker inspect`.",
                        s.name,
                        names.join(", ")
                    ),
                )
                .services([s.name.clone()])
                .variables(names)
                .hint(
                    "Pass the secret through `environment:` and read it inside the container instead: the \
                     client's own variable (REDISCLI_AUTH, PGPASSWORD…), or `$$NAME` in a `sh -c` script.",
                ),
            );
        }
    }
}

fn profiles(input: &Input, out: &mut Vec<Warning>) {
    let known = input.model.profile_names();
    for p in input.selected {
        if !known.contains(p) {
            out.push(
                warning(
                    WarningCode::UnknownProfile,
                    Severity::Error,
                    format!("No service uses the profile `{p}`."),
                )
                .hint(format!("Known profiles: {}.", known.join(", "))),
            );
        } else if input.descriptor.and_then(|d| d.profile(p)).is_some_and(|m| m.template) {
            out.push(
                warning(
                    WarningCode::TemplateProfileSelected,
                    Severity::Warning,
                    format!("`{p}` is a template the stack clones; it is not meant to be started directly."),
                )
                .hint("Deselect it; create regions from the template instead."),
            );
        }
    }
    for (profile, path) in input.missing_extra_files {
        let shown = path.strip_prefix(input.root).unwrap_or(path).display();
        out.push(
            warning(
                WarningCode::MissingExtraFile,
                Severity::Warning,
                format!("The `{profile}` profile is meant to be started with {shown}, which does not exist."),
            )
            .hint("Restore the file, or check that this is the right checkout."),
        );
    }
}

fn dependencies(input: &Input, out: &mut Vec<Warning>) {
    for s in input.active {
        for dep in &s.depends_on {
            match input.model.services.get(&dep.service) {
                None => out.push(
                    warning(
                        WarningCode::UndefinedService,
                        Severity::Error,
                        format!("{} depends on {}, which no Compose file defines.", s.name, dep.service),
                    )
                    .services([s.name.clone()])
                    .hint(format!("Define {} or remove it from {}'s depends_on.", dep.service, s.name)),
                ),
                Some(target) if !target.is_active(input.selected) => {
                    let needs = target.profiles.join(", ");
                    let (severity, effect) = if dep.required {
                        (Severity::Error, "Compose will refuse to start this selection")
                    } else {
                        (Severity::Info, "it is marked `required: false`, so Compose starts without it")
                    };
                    out.push(
                        warning(
                            WarningCode::DanglingDependsOn,
                            severity,
                            format!(
                                "{} depends on {} ({}), which this selection leaves out: {effect}.",
                                s.name, dep.service, dep.condition
                            ),
                        )
                        .services([s.name.clone(), dep.service.clone()])
                        .hint(format!(
                            "Also select a profile that starts {} ({needs}), or set `required: false` on the dependency.",
                            dep.service
                        )),
                    );
                }
                Some(_) => {}
            }
        }
    }
}

fn ips_overlap(a: Option<&str>, b: Option<&str>) -> bool {
    let any = |ip: Option<&str>| matches!(ip, None | Some("0.0.0.0" | "::" | "[::]" | ""));
    any(a) || any(b) || a == b
}

fn port_conflicts(active: &[&Service], out: &mut Vec<Warning>) {
    let mut bindings = Vec::new();
    for s in active {
        for p in &s.ports {
            if let Some(port) = p.host_port {
                bindings.push((s.name.as_str(), p, port));
            }
        }
    }
    let mut reported: Vec<(u16, String)> = Vec::new();
    for (i, (a_svc, a, port)) in bindings.iter().enumerate() {
        for (b_svc, b, other) in &bindings[i + 1..] {
            if port != other
                || a.protocol != b.protocol
                || !ips_overlap(a.host_ip.as_deref(), b.host_ip.as_deref())
            {
                continue;
            }
            let key = (*port, a.protocol.clone());
            if reported.contains(&key) {
                continue;
            }
            reported.push(key);
            let vars: Vec<String> = [&a.variable, &b.variable].into_iter().flatten().cloned().collect();
            let hint = if vars.is_empty() {
                "Change one of the host ports in the Compose file.".to_string()
            } else {
                format!("Set {} to a different port in .env.", vars.join(" or "))
            };
            let services: Vec<String> = if a_svc == b_svc {
                vec![a_svc.to_string()]
            } else {
                vec![a_svc.to_string(), b_svc.to_string()]
            };
            out.push(
                warning(
                    WarningCode::PortConflict,
                    Severity::Error,
                    format!("{} both publish host port {port}/{}.", services.join(" and "), a.protocol),
                )
                .services(services)
                .variables(vars)
                .hint(hint),
            );
        }
    }
}

fn variables(input: &Input, out: &mut Vec<Warning>) {
    let mut seen: Vec<&str> = Vec::new();
    let held = |name: &str| input.held.iter().any(|h| h == name);
    for p in input.required_problems {
        if seen.contains(&p.missing.name.as_str()) || held(&p.missing.name) {
            continue;
        }
        seen.push(&p.missing.name);
        out.push(
            warning(
                WarningCode::RequiredVariableUnset,
                Severity::Error,
                format!("{} is required ({}): {}.", p.missing.name, p.at, p.missing.message),
            )
            .variables([p.missing.name.clone()])
            .hint(format!("Set {} in .env or in the environment.", p.missing.name)),
        );
    }
    // Plain `${VAR}` references that are unset become empty strings; Compose only prints a notice.
    let mut unset: Vec<String> = Vec::new();
    let mut users: Vec<String> = Vec::new();
    for s in input.active {
        let scalars = s
            .environment
            .iter()
            .chain(s.build.iter().flat_map(|b| b.args.iter()))
            .filter_map(|v| v.value.as_ref())
            .chain(s.healthcheck.iter().flat_map(|h| h.test.iter()));
        for scalar in scalars {
            for u in &scalar.uses {
                if !u.is_set && u.form == VarForm::Plain && !seen.contains(&u.name.as_str()) && !held(&u.name)
                {
                    if !unset.contains(&u.name) {
                        unset.push(u.name.clone());
                    }
                    if !users.contains(&s.name) {
                        users.push(s.name.clone());
                    }
                }
            }
        }
    }
    if !unset.is_empty() {
        let required: Vec<&String> = unset
            .iter()
            .filter(|v| input.descriptor.and_then(|d| d.variables.get(*v)).is_some_and(|r| r.required))
            .collect();
        let severity = if required.is_empty() { Severity::Info } else { Severity::Warning };
        let message = if required.is_empty() {
            format!("{} not set and will be blank: {}.", count(unset.len()), unset.join(", "))
        } else {
            let names: Vec<&str> = required.iter().map(|s| s.as_str()).collect();
            format!(
                "{} not set and will be blank, including ones the stack requires ({}).",
                count(unset.len()),
                names.join(", ")
            )
        };
        out.push(
            warning(WarningCode::UnsetVariable, severity, message)
                .services(users)
                .variables(unset)
                .hint("Set them in .env (or as secrets) before starting."),
        );
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 variable is".into()
    } else {
        format!("{n} variables are")
    }
}

/// An IPv4 or IPv6 network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: u128,
    prefix: u32,
    v6: bool,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Self> {
        let (ip, prefix) = text.trim().split_once('/')?;
        let prefix: u32 = prefix.parse().ok()?;
        match ip.parse::<IpAddr>().ok()? {
            IpAddr::V4(v4) if prefix <= 32 => {
                Some(Cidr { addr: u128::from(u32::from(v4)), prefix, v6: false })
            }
            IpAddr::V6(v6) if prefix <= 128 => Some(Cidr { addr: u128::from(v6), prefix, v6: true }),
            _ => None,
        }
    }

    pub fn overlaps(&self, other: &Cidr) -> bool {
        if self.v6 != other.v6 {
            return false;
        }
        let bits = self.prefix.min(other.prefix) + if self.v6 { 0 } else { 96 };
        let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
        (self.addr & mask) == (other.addr & mask)
    }
}

fn subnet_overlaps(model: &ComposeModel, out: &mut Vec<Warning>) {
    let mut subnets: Vec<(&str, &str, Option<Cidr>)> = Vec::new();
    for (name, decl) in &model.networks {
        if decl.external {
            continue;
        }
        for s in &decl.subnets {
            subnets.push((name, s, Cidr::parse(s)));
        }
    }
    for (name, subnet, cidr) in &subnets {
        if cidr.is_none() {
            out.push(
                warning(
                    WarningCode::InvalidEntry,
                    Severity::Error,
                    format!("Network {name} has an invalid subnet `{subnet}`."),
                )
                .hint("Use CIDR notation, e.g. 172.20.0.0/16."),
            );
        }
    }
    for (i, (a_name, a_subnet, a)) in subnets.iter().enumerate() {
        for (b_name, b_subnet, b) in &subnets[i + 1..] {
            if let (Some(a), Some(b)) = (a, b) {
                if a.overlaps(b) {
                    out.push(
                        warning(
                            WarningCode::SubnetOverlap,
                            Severity::Error,
                            format!("Networks {a_name} ({a_subnet}) and {b_name} ({b_subnet}) overlap."),
                        )
                        .hint("Give each network its own subnet (e.g. via NEXUS_SUBNET / REGIONAL_SUBNET)."),
                    );
                }
            }
        }
    }
}

fn references(input: &Input, out: &mut Vec<Warning>) {
    for s in input.active {
        for n in &s.networks {
            if n != "default" && !input.model.networks.contains_key(n) {
                out.push(
                    warning(
                        WarningCode::UndefinedNetwork,
                        Severity::Error,
                        format!(
                            "{} joins network {n}, which is not declared under top-level `networks:`.",
                            s.name
                        ),
                    )
                    .services([s.name.clone()])
                    .hint(format!("Declare {n} under `networks:`.")),
                );
            }
        }
        for m in s.mounts.iter().filter(|m| m.kind == MountKind::Volume) {
            let Some(v) = &m.source else { continue };
            if !input.model.volumes.contains_key(v) {
                out.push(
                    warning(
                        WarningCode::UndefinedVolume,
                        Severity::Error,
                        format!(
                            "{} mounts volume {v}, which is not declared under top-level `volumes:`.",
                            s.name
                        ),
                    )
                    .services([s.name.clone()])
                    .hint(format!("Declare {v} under `volumes:` (or use ./{v} for a bind mount).")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cidr;

    #[test]
    fn cidr_overlap_table() {
        let cases = [
            ("172.20.0.0/16", "172.20.5.0/24", true),
            ("172.20.0.0/16", "172.21.0.0/16", false),
            ("10.0.0.0/8", "10.255.0.0/16", true),
            ("192.168.1.0/24", "192.168.2.0/24", false),
            ("0.0.0.0/0", "1.2.3.4/32", true),
            ("fd00::/64", "fd00::1/128", true),
            ("fd00::/64", "fd01::/64", false),
            ("172.20.0.0/16", "fd00::/8", false),
        ];
        for (a, b, want) in cases {
            let (ca, cb) = (Cidr::parse(a).expect(a), Cidr::parse(b).expect(b));
            assert_eq!(ca.overlaps(&cb), want, "{a} vs {b}");
            assert_eq!(cb.overlaps(&ca), want, "{b} vs {a}");
        }
        for bad in ["172.20.0.0", "172.20.0.0/33", "x/16", "fd00::/129"] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
    }

    /// Issue 14, finding 14: a secret interpolated into a service's `command:` or healthcheck `test:` is
    /// visible in `ps` and `docker inspect`.
    #[test]
    fn secrets_in_argv_are_warned_about_by_name_only() {
        let dir = tempfile::tempdir().expect("tmp");
        let compose = "services:\n  cache:\n    image: x\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n    healthcheck:\n      test: [\"CMD\", \"redis-cli\", \"-a\", \"${REDIS_PASSWORD}\", \"ping\"]\n  web:\n    image: x\n    entrypoint: [\"run\", \"--token=${STRIPE_SK}\"]\n    command: [\"serve\", \"--port=${WEB_PORT:-80}\"]\n  ok:\n    image: x\n    command: sh -c 'exec app --password \"$$DB_PASSWORD\"'\n";
        std::fs::write(dir.path().join("compose.yaml"), compose).expect("compose");
        std::fs::write(dir.path().join(".env"), "REDIS_PASSWORD=redis-marker-value\n").expect(".env");
        let p = crate::Project::open(crate::OpenOptions {
            process_env: Some(Default::default()),
            ..crate::OpenOptions::new(dir.path())
        })
        .expect("open");
        let report = p.report_with_keychain(&[], &["STRIPE_SK".to_string()]).expect("report");
        let found: Vec<(String, Vec<String>)> = report
            .warnings
            .iter()
            .filter(|w| w.code == crate::report::WarningCode::SecretInCommand)
            .map(|w| (w.services.join(","), w.variables.clone()))
            .collect();
        assert_eq!(
            found,
            [
                ("cache".to_string(), vec!["REDIS_PASSWORD".to_string()]),
                ("cache".to_string(), vec!["REDIS_PASSWORD".to_string()]),
                ("web".to_string(), vec!["STRIPE_SK".to_string()]),
            ]
        );
        let json = serde_json::to_string(&report.warnings).expect("json");
        assert!(!json.contains("redis-marker-value"), "{json}");
    }
}
