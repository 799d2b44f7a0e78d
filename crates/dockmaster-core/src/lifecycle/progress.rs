//! Reads Compose's progress lines (v1 `Creating x ... done`, v2 ` Container x  Started`) into per-object
//! phases. Pure text in, typed out; which service a container name belongs to is the caller's business.

use super::types::Phase;

/// What a progress line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// A container, named as the engine names it (`demo-web-1`, `demo_web_1`, a `container_name`).
    Container,
    /// A service, by its Compose name (v1 `start`, pulls and builds).
    Service,
    Network,
    Volume,
    Image,
}

/// One recognised progress line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub object: Object,
    pub name: String,
    pub phase: Phase,
}

/// Compose's line without ANSI codes, carriage returns and the v2 status glyphs.
pub fn clean(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ … final byte in @–~.
            if chars.peek() == Some(&'[') {
                chars.next();
                for n in chars.by_ref() {
                    if ('@'..='~').contains(&n) {
                        break;
                    }
                }
            }
            continue;
        }
        if c != '\r' {
            out.push(c);
        }
    }
    let trimmed = out.trim_end();
    let trimmed =
        trimmed.trim_start_matches([' ', '\t', '✔', '✘', '⠿', '⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧']);
    trimmed.to_string()
}

fn v2_word(word: &str) -> Option<Phase> {
    Some(match word {
        "Creating" | "Recreate" => Phase::Creating,
        "Created" | "Recreated" => Phase::Created,
        "Starting" => Phase::Starting,
        "Started" | "Running" => Phase::Running,
        "Waiting" => Phase::Waiting,
        "Healthy" => Phase::Healthy,
        "Stopping" | "Killing" => Phase::Stopping,
        "Stopped" | "Exited" | "Killed" => Phase::Stopped,
        "Removing" => Phase::Removing,
        "Removed" => Phase::Removed,
        "Restarting" => Phase::Restarting,
        "Pulling" => Phase::Pulling,
        "Pulled" | "Skipped" => Phase::Pulled,
        "Building" => Phase::Building,
        "Built" => Phase::Built,
        "Error" | "Unhealthy" => Phase::Failed,
        _ => return None,
    })
}

fn v1_verb(word: &str, done: bool) -> Option<Phase> {
    Some(match (word, done) {
        ("Creating" | "Recreating", false) => Phase::Creating,
        ("Creating" | "Recreating", true) => Phase::Created,
        ("Starting", false) => Phase::Starting,
        ("Starting", true) => Phase::Running,
        ("Restarting", false) => Phase::Restarting,
        ("Restarting", true) => Phase::Running,
        ("Stopping" | "Killing", false) => Phase::Stopping,
        ("Stopping" | "Killing", true) => Phase::Stopped,
        ("Removing", false) => Phase::Removing,
        ("Removing", true) => Phase::Removed,
        ("Pulling", false) => Phase::Pulling,
        ("Pulling", true) => Phase::Pulled,
        ("Building", false) => Phase::Building,
        ("Building", true) => Phase::Built,
        _ => return None,
    })
}

/// Compose v2 (`--ansi never`): ` Container demo-web-1  Started`, ` Network demo_default  Created`,
/// ` web Pulling`, ` web Skipped - Image is already being pulled by db`, `#3 [web internal] load …`.
pub fn parse_v2(line: &str) -> Option<Progress> {
    let line = clean(line);
    // BuildKit: `#5 [web 2/4] RUN …` → web is building.
    if let Some(rest) = line.strip_prefix('#') {
        let (_, after) = rest.split_once(" [")?;
        let name = after.split([' ', ']']).next()?.trim();
        if name.is_empty() || name == "internal" {
            return None;
        }
        return Some(Progress { object: Object::Service, name: name.to_string(), phase: Phase::Building });
    }
    let mut words = line.split_whitespace();
    let first = words.next()?;
    let object = match first {
        "Container" => Some(Object::Container),
        "Network" => Some(Object::Network),
        "Volume" => Some(Object::Volume),
        "Image" => Some(Object::Image),
        "Service" => Some(Object::Service),
        _ => None,
    };
    let (object, name, status) = match object {
        Some(o) => (o, words.next()?, words.next()?),
        // ` web Pulling` / ` web Pulled` / ` web Skipped - …`.
        None => (Object::Service, first, words.next()?),
    };
    let phase = v2_word(status)?;
    if object == Object::Service
        && !matches!(phase, Phase::Pulling | Phase::Pulled | Phase::Building | Phase::Built)
    {
        return None;
    }
    Some(Progress { object, name: name.trim_matches('"').to_string(), phase })
}

/// Compose v1: `Creating demo_web_1 ... done`, `Starting web ... done`, `demo_web_1 is up-to-date`,
/// `Creating network "demo_default" with the default driver`, `Removing volume demo_data`,
/// `Pulling web (busybox:latest)...`, `Building web`.
pub fn parse_v1(line: &str) -> Option<Progress> {
    let line = clean(line);
    if let Some(name) = line.strip_suffix(" is up-to-date") {
        return Some(Progress {
            object: Object::Container,
            name: name.trim().to_string(),
            phase: Phase::Running,
        });
    }
    let (verb, rest) = line.split_once(' ')?;
    if let Some(rest) = rest.strip_prefix("network ").or_else(|| rest.strip_prefix("volume ")) {
        let object = if line.contains(" network ") { Object::Network } else { Object::Volume };
        let name = rest.split_whitespace().next()?.trim_matches('"');
        let phase = match verb {
            "Creating" => Phase::Created,
            "Removing" => Phase::Removed,
            _ => return None,
        };
        return Some(Progress { object, name: name.to_string(), phase });
    }
    if verb == "Pulling" && rest.ends_with("...") && rest.contains(" (") {
        let name = rest.split_whitespace().next()?;
        return Some(Progress { object: Object::Service, name: name.to_string(), phase: Phase::Pulling });
    }
    if verb == "Building" && !rest.contains(' ') {
        return Some(Progress { object: Object::Service, name: rest.to_string(), phase: Phase::Building });
    }
    let (name, status) = rest.split_once(" ...")?;
    let status = status.trim();
    let name = name.trim();
    let phase = match status {
        "" => v1_verb(verb, false)?,
        "done" => v1_verb(verb, true)?,
        "error" => Phase::Failed,
        _ => return None,
    };
    // v1 names containers for most verbs, but services for `start` and pulls.
    let object = if name.contains('_') || verb != "Starting" && verb != "Pulling" {
        Object::Container
    } else {
        Object::Service
    };
    Some(Progress { object, name: name.to_string(), phase })
}

/// The service a v1 `ERROR: for NAME  message` line names (v1 writes one per failing container and service).
pub fn v1_error_subject(line: &str) -> Option<String> {
    let rest = clean(line);
    let rest = rest.strip_prefix("ERROR: for ")?;
    let name = rest.split_whitespace().next()?;
    Some(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(object: Object, name: &str, phase: Phase) -> Option<Progress> {
        Some(Progress { object, name: name.to_string(), phase })
    }

    #[test]
    fn v2_lines() {
        use Object::*;
        let table: &[(&str, Option<Progress>)] = &[
            (" Network demo_default  Creating", p(Network, "demo_default", Phase::Creating)),
            (" Network demo_default  Created", p(Network, "demo_default", Phase::Created)),
            (" Volume \"demo_pg\"  Created", p(Volume, "demo_pg", Phase::Created)),
            (" Container demo-database  Creating", p(Container, "demo-database", Phase::Creating)),
            (" Container demo-database  Created", p(Container, "demo-database", Phase::Created)),
            (" Container demo-database  Starting", p(Container, "demo-database", Phase::Starting)),
            (" Container demo-database  Started", p(Container, "demo-database", Phase::Running)),
            (" Container demo-database  Waiting", p(Container, "demo-database", Phase::Waiting)),
            (" Container demo-database  Healthy", p(Container, "demo-database", Phase::Healthy)),
            (" Container demo-web-1  Running", p(Container, "demo-web-1", Phase::Running)),
            (" Container demo-web-1  Recreate", p(Container, "demo-web-1", Phase::Creating)),
            (" Container demo-web-1  Recreated", p(Container, "demo-web-1", Phase::Created)),
            (" Container demo-web-1  Restarting", p(Container, "demo-web-1", Phase::Restarting)),
            (" Container demo-web-1  Stopping", p(Container, "demo-web-1", Phase::Stopping)),
            (" Container demo-web-1  Stopped", p(Container, "demo-web-1", Phase::Stopped)),
            (" Container demo-web-1  Removing", p(Container, "demo-web-1", Phase::Removing)),
            (" Container demo-web-1  Removed", p(Container, "demo-web-1", Phase::Removed)),
            (" Container demo-sick-1  Error", p(Container, "demo-sick-1", Phase::Failed)),
            (
                "\u{1b}[32m ✔ Container demo-web-1  Started\u{1b}[0m",
                p(Container, "demo-web-1", Phase::Running),
            ),
            (" web Pulling", p(Service, "web", Phase::Pulling)),
            (" web Pulled", p(Service, "web", Phase::Pulled)),
            (" db Skipped - Image is already being pulled by web", p(Service, "db", Phase::Pulled)),
            ("#5 [web 2/4] RUN make", p(Service, "web", Phase::Building)),
            ("#1 [internal] load build definition from Dockerfile", None),
            ("dependency failed to start: container demo-sick-1 is unhealthy", None),
            ("application not healthy after 5s", None),
            ("WARN[0000] The \"JWT_SECRET\" variable is not set. Defaulting to a blank string.", None),
            ("", None),
        ];
        for (line, want) in table {
            assert_eq!(&parse_v2(line), want, "{line:?}");
        }
    }

    #[test]
    fn v1_lines() {
        use Object::*;
        let table: &[(&str, Option<Progress>)] = &[
            (
                "Creating network \"demo_default\" with the default driver",
                p(Network, "demo_default", Phase::Created),
            ),
            ("Creating volume \"demo_data\" with default driver", p(Volume, "demo_data", Phase::Created)),
            ("Creating demo_web_1 ... \r", p(Container, "demo_web_1", Phase::Creating)),
            ("Creating demo_web_1 ... done\r", p(Container, "demo_web_1", Phase::Created)),
            ("Creating demo-database ... error\r", p(Container, "demo-database", Phase::Failed)),
            ("Recreating demo_web_1 ... done", p(Container, "demo_web_1", Phase::Created)),
            ("Starting web ... done", p(Service, "web", Phase::Running)),
            ("Starting web ... ", p(Service, "web", Phase::Starting)),
            ("Restarting demo_web_1 ... done", p(Container, "demo_web_1", Phase::Running)),
            ("Stopping demo_web_1 ... ", p(Container, "demo_web_1", Phase::Stopping)),
            ("Stopping demo_web_1 ... done", p(Container, "demo_web_1", Phase::Stopped)),
            ("Removing demo_web_1 ... done", p(Container, "demo_web_1", Phase::Removed)),
            ("Removing network demo_default", p(Network, "demo_default", Phase::Removed)),
            ("Removing volume demo_data", p(Volume, "demo_data", Phase::Removed)),
            ("demo_web_1 is up-to-date", p(Container, "demo_web_1", Phase::Running)),
            ("Pulling web (busybox:latest)...", p(Service, "web", Phase::Pulling)),
            ("Building web", p(Service, "web", Phase::Building)),
            ("ERROR: for dep  Container \"14350583937a\" is unhealthy.", None),
            ("Encountered errors while bringing up the project.", None),
            ("WARNING: The JWT_SECRET variable is not set. Defaulting to a blank string.", None),
        ];
        for (line, want) in table {
            assert_eq!(&parse_v1(line), want, "{line:?}");
        }
        assert_eq!(
            v1_error_subject("ERROR: for dep  Container \"1435\" is unhealthy.").as_deref(),
            Some("dep")
        );
        assert_eq!(v1_error_subject("Encountered errors"), None);
    }
}
