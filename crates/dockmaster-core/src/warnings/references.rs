//! What a selection refers to: selected profiles that no service uses (or are templates), extra files that
//! are missing, `depends_on` services that are undefined or left out, undeclared networks and volumes.

use super::{warning, Input};
use crate::report::{MountKind, Severity, Warning, WarningCode};

pub(super) fn profiles(input: &Input, out: &mut Vec<Warning>) {
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

pub(super) fn dependencies(input: &Input, out: &mut Vec<Warning>) {
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

pub(super) fn references(input: &Input, out: &mut Vec<Warning>) {
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
