//! When a service is in trouble, and when it only stopped on purpose: one rule for the tray, the notifications
//! and the window (which applies the same rule in `ui/src/lib/engine/format.ts` `stoppedCleanly`/`serviceTone`).

use crate::engine::{Health, RunState, ServiceStatus};

/// Exit codes a deliberate stop leaves: a clean exit, SIGTERM (`docker stop`), SIGKILL (`docker stop` after its
/// timeout, `docker kill`) — unless the kernel's OOM killer sent the SIGKILL.
const STOP_CODES: [i32; 3] = [0, 143, 137];

/// What is wrong with a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Running, and its healthcheck fails.
    Unhealthy,
    /// Exited with a code a deliberate stop does not leave (or killed by the OOM killer); `None`: unknown.
    Exited { code: Option<i32> },
    /// The engine could not stop or remove it.
    Dead,
    /// It exited and its restart policy is bringing it back: a crash (loop).
    Restarting,
    /// Running, but it crashed and was restarted a moment ago (a crash loop between two crashes).
    Restarted,
}

impl Problem {
    /// Unhealthy, or one of the ways a service stops working (exited, dead, restarting).
    pub fn is_crash(self) -> bool {
        !matches!(self, Problem::Unhealthy)
    }

    /// "unhealthy", "exited (code 1)", "dead", "restarting".
    pub fn label(self) -> String {
        match self {
            Problem::Unhealthy => "unhealthy".into(),
            Problem::Exited { code: Some(code) } => format!("exited (code {code})"),
            Problem::Exited { code: None } => "exited".into(),
            Problem::Dead => "dead".into(),
            Problem::Restarting => "restarting".into(),
            Problem::Restarted => "restarted after a crash".into(),
        }
    }
}

/// Exited with a code a deliberate stop leaves: neutral, not a failure.
pub fn stopped_cleanly(service: &ServiceStatus) -> bool {
    match (service.state, service.exit_code) {
        (RunState::Exited, Some(137)) => !service.containers.iter().any(|c| c.oom_killed),
        (RunState::Exited, Some(code)) => STOP_CODES.contains(&code),
        _ => false,
    }
}

/// Up as the Stop button sees it: running, restarting or paused (something to stop).
pub fn is_up(service: &ServiceStatus) -> bool {
    matches!(service.state, RunState::Running | RunState::Restarting | RunState::Paused)
}

/// Running and not waiting for or failing a healthcheck: what "all healthy" counts.
pub fn is_healthy(service: &ServiceStatus) -> bool {
    service.state == RunState::Running && matches!(service.health, Health::None | Health::Healthy)
}

/// What is wrong with `service` now, if anything. A service without containers, one stopped on purpose,
/// paused, created or being removed has no problem.
pub fn problem_of(service: &ServiceStatus) -> Option<Problem> {
    match service.state {
        RunState::Running if service.health == Health::Unhealthy => Some(Problem::Unhealthy),
        RunState::Restarting => Some(Problem::Restarting),
        RunState::Dead => Some(Problem::Dead),
        RunState::Exited if !stopped_cleanly(service) => Some(Problem::Exited { code: service.exit_code }),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::engine::ContainerStatus;

    /// A service of the selection with one container in `state`/`health`.
    pub(crate) fn service(name: &str, state: RunState, health: Health) -> ServiceStatus {
        let container = ContainerStatus {
            id: format!("id-{name}"),
            name: format!("demo-{name}"),
            service: name.into(),
            region: None,
            one_off: false,
            image: "busybox".into(),
            state,
            health,
            failing_streak: 0,
            health_log: Vec::new(),
            restart_count: 0,
            exit_code: None,
            oom_killed: false,
            error: None,
            started_at: None,
            finished_at: None,
            ports: Vec::new(),
            networks: Vec::new(),
        };
        ServiceStatus {
            name: name.into(),
            desired: true,
            defined: true,
            state,
            health,
            restart_count: 0,
            exit_code: None,
            ports: Vec::new(),
            containers: if state == RunState::NotCreated { Vec::new() } else { vec![container] },
        }
    }

    pub(crate) fn exited(name: &str, code: i32) -> ServiceStatus {
        let mut s = service(name, RunState::Exited, Health::None);
        s.exit_code = Some(code);
        s.containers[0].exit_code = Some(code);
        s
    }

    #[test]
    fn problems_by_state_health_and_exit_code() {
        use Health::*;
        use RunState::*;
        let oom = {
            let mut s = exited("db", 137);
            s.containers[0].oom_killed = true;
            s
        };
        let no_code = service("db", Exited, None);
        let table: Vec<(ServiceStatus, Option<Problem>)> = vec![
            (service("db", Running, Healthy), Option::None),
            (service("db", Running, Health::None), Option::None),
            (service("db", Running, Starting), Option::None),
            (service("db", Running, Unhealthy), Some(Problem::Unhealthy)),
            (service("db", Restarting, Health::None), Some(Problem::Restarting)),
            (service("db", Dead, Health::None), Some(Problem::Dead)),
            (service("db", Paused, Health::None), Option::None),
            (service("db", Created, Health::None), Option::None),
            (service("db", Removing, Health::None), Option::None),
            (service("db", NotCreated, Health::None), Option::None),
            (exited("db", 0), Option::None),
            (exited("db", 143), Option::None),
            (exited("db", 137), Option::None),
            (exited("db", 1), Some(Problem::Exited { code: Some(1) })),
            (exited("db", 139), Some(Problem::Exited { code: Some(139) })),
            (oom, Some(Problem::Exited { code: Some(137) })),
            (no_code, Some(Problem::Exited { code: Option::None })),
        ];
        for (s, want) in table {
            assert_eq!(problem_of(&s), want, "{:?}/{:?} code {:?}", s.state, s.health, s.exit_code);
        }
    }

    #[test]
    fn labels_name_the_exit_code() {
        assert_eq!(Problem::Exited { code: Some(2) }.label(), "exited (code 2)");
        assert_eq!(Problem::Unhealthy.label(), "unhealthy");
        assert!(!Problem::Unhealthy.is_crash());
        assert!(Problem::Restarting.is_crash());
    }
}
