//! Static problems of a selection, found before anything runs: each says what is wrong and how to fix it.

use std::collections::{HashMap, HashSet};
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

/// A host IP that means every address.
fn is_any_ip(ip: Option<&str>) -> bool {
    matches!(ip, None | Some("0.0.0.0" | "::" | "[::]" | ""))
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
    // One warning per (port, protocol): its first clashing pair in binding order. Grouped, so a port
    // range (one line, up to 65535 bindings) costs linear time, not a comparison of every pair.
    let mut groups: HashMap<(u16, &str), Vec<usize>> = HashMap::new();
    for (i, (_, b, port)) in bindings.iter().enumerate() {
        groups.entry((*port, b.protocol.as_str())).or_default().push(i);
    }
    let mut pairs: Vec<(usize, usize)> = groups
        .values()
        .filter_map(|group| first_clash(group, |i| bindings[i].1.host_ip.as_deref()))
        .collect();
    pairs.sort_unstable();
    for (i, j) in pairs {
        let ((a_svc, a, port), (b_svc, b, _)) = (&bindings[i], &bindings[j]);
        let vars: Vec<String> = [&a.variable, &b.variable].into_iter().flatten().cloned().collect();
        let hint = if vars.is_empty() {
            "Change one of the host ports in the Compose file.".to_string()
        } else {
            format!("Set {} to a different port in .env.", vars.join(" or "))
        };
        let services: Vec<String> =
            if a_svc == b_svc { vec![a_svc.to_string()] } else { vec![a_svc.to_string(), b_svc.to_string()] };
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

/// The first pair `(i, j)`, `i < j`, of `group` (binding indices, ascending) whose host IPs overlap (one
/// is on every address, or both are on the same one), in the order a scan of every pair would meet it;
/// linear in the group's size.
fn first_clash<'a>(group: &[usize], host_ip: impl Fn(usize) -> Option<&'a str>) -> Option<(usize, usize)> {
    // From the end: the nearest later binding on every address, and on each exact address.
    let mut next_any: Option<usize> = None;
    let mut next_same: HashMap<Option<&str>, usize> = HashMap::new();
    let mut first = None;
    for k in (0..group.len()).rev() {
        let ip = host_ip(group[k]);
        let partner = if is_any_ip(ip) {
            (k + 1 < group.len()).then_some(k + 1)
        } else {
            match (next_any, next_same.get(&ip).copied()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        };
        if let Some(j) = partner {
            first = Some((group[k], group[j]));
        }
        if is_any_ip(ip) {
            next_any = Some(k);
        }
        next_same.insert(ip, k);
    }
    first
}

fn variables(input: &Input, out: &mut Vec<Warning>) {
    let mut seen: HashSet<&str> = HashSet::new();
    let held_names: HashSet<&str> = input.held.iter().map(String::as_str).collect();
    let held = |name: &str| held_names.contains(name);
    for p in input.required_problems {
        if seen.contains(p.missing.name.as_str()) || held(&p.missing.name) {
            continue;
        }
        seen.insert(&p.missing.name);
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
    let (mut unset_names, mut user_names): (HashSet<&str>, HashSet<&str>) = Default::default();
    for s in input.active {
        let scalars = s
            .environment
            .iter()
            .chain(s.build.iter().flat_map(|b| b.args.iter()))
            .filter_map(|v| v.value.as_ref())
            .chain(s.healthcheck.iter().flat_map(|h| h.test.iter()));
        for scalar in scalars {
            for u in &scalar.uses {
                if !u.is_set && u.form == VarForm::Plain && !seen.contains(u.name.as_str()) && !held(&u.name)
                {
                    if unset_names.insert(&u.name) {
                        unset.push(u.name.clone());
                    }
                    if user_names.insert(&s.name) {
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

    /// The network's first and last address (IPv4 in the low 32 bits).
    fn first(&self) -> u128 {
        self.addr & self.mask(self.prefix)
    }

    fn last(&self) -> u128 {
        self.first() | !self.mask(self.prefix) & if self.v6 { u128::MAX } else { u128::from(u32::MAX) }
    }

    fn mask(&self, prefix: u32) -> u128 {
        let bits = prefix + if self.v6 { 0 } else { 96 };
        if bits == 0 {
            0
        } else {
            u128::MAX << (128 - bits)
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

/// Overlap warnings listed at most (a file of identical subnets would otherwise list every pair).
const MAX_OVERLAPS: usize = 1000;

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
    let (pairs, more) = overlapping_pairs(subnets.iter().map(|(_, _, c)| *c));
    for (i, j) in pairs {
        let ((a_name, a_subnet, _), (b_name, b_subnet, _)) = (&subnets[i], &subnets[j]);
        out.push(
            warning(
                WarningCode::SubnetOverlap,
                Severity::Error,
                format!("Networks {a_name} ({a_subnet}) and {b_name} ({b_subnet}) overlap."),
            )
            .hint("Give each network its own subnet (e.g. via NEXUS_SUBNET / REGIONAL_SUBNET)."),
        );
    }
    if more {
        out.push(
            warning(
                WarningCode::SubnetOverlap,
                Severity::Error,
                format!("More than {MAX_OVERLAPS} pairs of networks overlap; only those are listed."),
            )
            .hint("Give each network its own subnet."),
        );
    }
}

/// The index pairs `(i, j)`, `i < j`, of overlapping subnets, ascending (as comparing every pair would list
/// them), at most [`MAX_OVERLAPS`], and whether there were more. CIDR ranges nest or are disjoint, so a
/// sweep over them sorted by start finds the pairs in time proportional to their number.
fn overlapping_pairs(cidrs: impl Iterator<Item = Option<Cidr>>) -> (Vec<(usize, usize)>, bool) {
    let mut ranges: Vec<(bool, u128, u128, usize)> =
        cidrs.enumerate().filter_map(|(i, c)| c.map(|c| (c.v6, c.first(), c.last(), i))).collect();
    // By family, then start, the wider range first; equal ranges in index order.
    ranges.sort_by(|a, b| (a.0, a.1, b.2, a.3).cmp(&(b.0, b.1, a.2, b.3)));
    let mut pairs = Vec::new();
    let mut more = false;
    // The ranges containing the current one, each inside the one below it.
    let mut open: Vec<(bool, u128, u128, usize)> = Vec::new();
    'sweep: for r in ranges {
        while open.last().is_some_and(|o| o.0 != r.0 || o.2 < r.1) {
            open.pop();
        }
        for o in &open {
            if pairs.len() == MAX_OVERLAPS {
                more = true;
                break 'sweep;
            }
            pairs.push((o.3.min(r.3), o.3.max(r.3)));
        }
        open.push(r);
    }
    pairs.sort_unstable();
    (pairs, more)
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
    use super::{first_clash, is_any_ip, overlapping_pairs, Cidr, MAX_OVERLAPS};

    /// The pairwise definition the linear searches must agree with.
    fn ips_overlap(a: Option<&str>, b: Option<&str>) -> bool {
        is_any_ip(a) || is_any_ip(b) || a == b
    }

    #[test]
    fn first_clash_is_the_first_pair_a_pairwise_scan_finds() {
        let ips = [None, Some("0.0.0.0"), Some("127.0.0.1"), Some("127.0.0.2"), Some("::"), Some("10.0.0.1")];
        let mut rng = fastrand::Rng::with_seed(14);
        for _ in 0..2000 {
            let n = rng.usize(0..9);
            let hosts: Vec<Option<&str>> = (0..n).map(|_| ips[rng.usize(0..ips.len())]).collect();
            let group: Vec<usize> = (0..n).map(|i| i * 3 + 1).collect();
            let brute = (0..n)
                .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
                .find(|&(i, j)| ips_overlap(hosts[i], hosts[j]))
                .map(|(i, j)| (group[i], group[j]));
            assert_eq!(first_clash(&group, |b| hosts[(b - 1) / 3]), brute, "{hosts:?}");
        }
    }

    #[test]
    fn overlapping_pairs_are_those_of_a_pairwise_scan() {
        let mut rng = fastrand::Rng::with_seed(14);
        for _ in 0..2000 {
            let n = rng.usize(0..10);
            let cidrs: Vec<Option<Cidr>> = (0..n)
                .map(|_| match rng.u8(0..10) {
                    0 => None,
                    1 => Cidr::parse(&format!("fd00:{}::/{}", rng.u8(0..3), rng.u8(16..=48))),
                    _ => Cidr::parse(&format!("10.{}.{}.0/{}", rng.u8(0..3), rng.u8(0..3), rng.u8(8..=24))),
                })
                .collect();
            let brute: Vec<(usize, usize)> = (0..n)
                .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
                .filter(|&(i, j)| matches!((cidrs[i], cidrs[j]), (Some(a), Some(b)) if a.overlaps(&b)))
                .collect();
            assert_eq!(overlapping_pairs(cidrs.iter().copied()), (brute, false), "{cidrs:?}");
        }
    }

    #[test]
    fn identical_subnets_list_a_bounded_number_of_pairs() {
        let same = Cidr::parse("10.0.0.0/8");
        let (pairs, more) = overlapping_pairs(std::iter::repeat_n(same, 5000));
        assert_eq!(pairs.len(), MAX_OVERLAPS);
        assert!(more);
    }

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
