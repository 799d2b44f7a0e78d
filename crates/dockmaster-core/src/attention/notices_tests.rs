//! Notification decisions, as timed scenarios: each step happens at a second, the notices sent are collected.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::attention::problem::tests::{exited, service};
use crate::engine::{ConnectionView, Health, RunState};

enum Step {
    /// The engine state (connected, synced) with these services.
    State(Vec<ServiceStatus>),
    /// The same, while an operation of the session runs.
    Busy(Vec<ServiceStatus>),
    /// The engine connection is lost (the store keeps the last known services).
    Lost(Vec<ServiceStatus>),
    Ended(OperationEnd),
    Focus(bool),
    Prefs(NotifyPrefs),
    /// Only time passes.
    Tick,
}

fn snap(services: Vec<ServiceStatus>, connected: bool) -> EngineSnapshot {
    let sock = "unix:///var/run/docker.sock";
    let connection = if connected {
        ConnectionView::connected(sock, "1.45".into(), "26".into())
    } else {
        ConnectionView::reconnecting(sock, 1, 500, "lost".into())
    };
    EngineSnapshot { project: "demo".into(), connection, synced: connected, services, regions: Vec::new() }
}

/// Runs the steps (second, step) and returns (second, title, body) of every notice sent.
fn run(steps: Vec<(u64, Step)>) -> Vec<(u64, String, String)> {
    let start = Instant::now();
    let mut n = Notifier::new(NotifyPolicy::default());
    let mut ctx = NotifyContext { focused: false, prefs: NotifyPrefs::default() };
    let mut out = Vec::new();
    let mut now_secs = 0;
    let mut sent = |at: u64, notices: Vec<Notice>| {
        for x in notices {
            out.push((at, x.title, x.body));
        }
    };
    for (at, step) in steps {
        // Every deadline in between is served at its time, as the session's timer does.
        while let Some(due) = n.next_due() {
            let due_secs = due.duration_since(start).as_secs();
            if due_secs > at || due_secs < now_secs {
                break;
            }
            sent(due_secs, n.due(due, &ctx));
        }
        now_secs = at;
        let now = start + Duration::from_secs(at);
        match step {
            Step::State(services) => n.observe(&snap(services, true), false, now),
            Step::Busy(services) => n.observe(&snap(services, true), true, now),
            Step::Lost(services) => n.observe(&snap(services, false), false, now),
            Step::Ended(end) => sent(at, n.operation_ended(&end, now, &ctx).into_iter().collect()),
            Step::Focus(f) => ctx.focused = f,
            Step::Prefs(p) => ctx.prefs = p,
            Step::Tick => {}
        }
        sent(at, n.due(now, &ctx));
    }
    out
}

fn run_state(name: &str, health: Health) -> ServiceStatus {
    service(name, RunState::Running, health)
}

/// The gameserver running with `restarts` restarts so far (the engine counts them per container).
fn restarted(state: RunState, restarts: u32) -> ServiceStatus {
    let mut s = service("gameserver", state, Health::None);
    s.restart_count = restarts;
    s.containers[0].restart_count = restarts;
    s
}

fn notice(at: u64, title: &str, body: &str) -> (u64, String, String) {
    (at, title.to_string(), body.to_string())
}

use Step::*;

#[test]
fn the_state_found_at_first_is_not_news() {
    let got =
        run(vec![(0, State(vec![run_state("gameserver", Health::Unhealthy), exited("api", 1)])), (60, Tick)]);
    assert_eq!(got, vec![]);
}

#[test]
fn a_service_turning_unhealthy_is_told_once_after_the_settle_time() {
    let got = run(vec![
        (0, State(vec![run_state("gameserver", Health::Healthy)])),
        (10, State(vec![run_state("gameserver", Health::Unhealthy)])),
        (12, State(vec![run_state("gameserver", Health::Unhealthy)])),
        (100, Tick),
    ]);
    assert_eq!(got, vec![notice(15, "gameserver is unhealthy", "demo: its healthcheck fails.")]);
}

#[test]
fn nothing_while_the_window_is_focused_and_no_quiet_period_after_it() {
    let got = run(vec![
        (0, State(vec![run_state("gameserver", Health::Healthy)])),
        (1, Focus(true)),
        (10, State(vec![run_state("gameserver", Health::Unhealthy)])),
        (20, State(vec![run_state("gameserver", Health::Healthy)])),
        (30, Focus(false)),
        (40, State(vec![run_state("gameserver", Health::Unhealthy)])),
        (60, Tick),
    ]);
    assert_eq!(got, vec![notice(45, "gameserver is unhealthy", "demo: its healthcheck fails.")]);
}

#[test]
fn focus_is_judged_when_the_notice_is_due() {
    // Unfocused when it happened, focused 5 s later (the user looked): nothing.
    let got = run(vec![
        (0, State(vec![run_state("gameserver", Health::Healthy)])),
        (10, State(vec![run_state("gameserver", Health::Unhealthy)])),
        (12, Focus(true)),
        (60, Tick),
    ]);
    assert_eq!(got, vec![]);
}

#[test]
fn a_crash_loop_gives_one_notice_with_a_count_then_one_summary_per_quiet_period() {
    let mut steps = vec![(0, State(vec![restarted(RunState::Running, 0)]))];
    // Four crashes in four seconds: restarting and running again, the engine's count going up.
    for i in 1..=4u32 {
        steps.push((u64::from(i), State(vec![restarted(RunState::Restarting, i)])));
    }
    // It keeps crashing every 30 s during the quiet period (the restart backoff grew).
    for i in 1..=5u32 {
        steps.push((10 + u64::from(i) * 30, State(vec![restarted(RunState::Restarting, 4 + i)])));
    }
    steps.push((1000, Tick));
    let got = run(steps);
    assert_eq!(
        got,
        vec![
            notice(6, "gameserver is crash-looping", "demo: 4 crashes in 5 s; restarting now."),
            notice(306, "gameserver is crash-looping", "demo: 5 crashes in 4 min; restarting now."),
        ],
        "one notice for the first burst, one summary at the end of the quiet period, none for the silent one"
    );
}

#[test]
fn exits_by_code_a_deliberate_stop_is_not_an_alarm() {
    let got = run(vec![
        (
            0,
            State(vec![
                run_state("db", Health::Healthy),
                run_state("api", Health::None),
                run_state("web", Health::None),
            ]),
        ),
        (10, State(vec![exited("db", 143), exited("api", 137), exited("web", 0)])),
        (
            30,
            State(vec![
                run_state("db", Health::Healthy),
                run_state("api", Health::None),
                run_state("web", Health::None),
            ]),
        ),
        (40, State(vec![run_state("db", Health::Healthy), exited("api", 2), run_state("web", Health::None)])),
        (60, Tick),
    ]);
    assert_eq!(got, vec![notice(45, "api exited unexpectedly", "demo: exit code 2.")]);
}

#[test]
fn an_oom_kill_is_an_alarm() {
    let mut oom = exited("db", 137);
    oom.containers[0].oom_killed = true;
    let got = run(vec![(0, State(vec![run_state("db", Health::None)])), (10, State(vec![oom])), (20, Tick)]);
    assert_eq!(got, vec![notice(15, "db exited unexpectedly", "demo: exit code 137.")]);
}

#[test]
fn a_single_crash_that_the_restart_policy_fixed() {
    let got = run(vec![
        (0, State(vec![restarted(RunState::Running, 0)])),
        (10, State(vec![restarted(RunState::Running, 1)])),
        (20, Tick),
    ]);
    assert_eq!(
        got,
        vec![notice(15, "gameserver crashed", "demo: its restart policy restarts it; running now.")]
    );
}

#[test]
fn a_recreated_container_is_not_a_crash() {
    let got = run(vec![
        (0, State(vec![restarted(RunState::Running, 3)])),
        (10, State(vec![restarted(RunState::Running, 0)])),
        (20, Tick),
    ]);
    assert_eq!(got, vec![]);
}

#[test]
fn an_unhealthy_spell_over_by_the_time_it_is_told() {
    let got = run(vec![
        (0, State(vec![run_state("gameserver", Health::Healthy)])),
        (10, State(vec![run_state("gameserver", Health::Unhealthy)])),
        (12, State(vec![run_state("gameserver", Health::Healthy)])),
        (20, Tick),
    ]);
    assert_eq!(got, vec![notice(15, "gameserver was unhealthy", "demo: gameserver is running now.")]);
}

#[test]
fn flapping_health_is_counted_into_the_quiet_period_summary() {
    let mut steps = vec![(0, State(vec![run_state("web", Health::Healthy)]))];
    for i in 0..3u64 {
        steps.push((10 + i * 100, State(vec![run_state("web", Health::Unhealthy)])));
        steps.push((60 + i * 100, State(vec![run_state("web", Health::Healthy)])));
    }
    steps.push((400, Tick));
    let got = run(steps);
    assert_eq!(
        got,
        vec![
            notice(15, "web is unhealthy", "demo: its healthcheck fails."),
            notice(315, "web keeps turning unhealthy", "demo: unhealthy 2 times in 3 min; running now."),
        ]
    );
}

#[test]
fn what_an_operation_does_is_its_own_notice() {
    let ok = OperationEnd::Succeeded { title: "Stopped development".into(), body: "demo: took 3 s".into() };
    let got = run(vec![
        (0, State(vec![run_state("gameserver", Health::Healthy)])),
        (10, Busy(vec![exited("gameserver", 1)])),
        (12, Ended(ok)),
        // A late update of the operation's own changes: absorbed.
        (14, State(vec![restarted(RunState::Restarting, 1)])),
        // Later ones are news again.
        (20, State(vec![run_state("gameserver", Health::Unhealthy)])),
        (60, Tick),
    ]);
    assert_eq!(
        got,
        vec![
            notice(12, "Stopped development", "demo: took 3 s"),
            notice(25, "gameserver is unhealthy", "demo: its healthcheck fails."),
        ]
    );
}

#[test]
fn operation_notices_follow_focus_and_prefs_and_a_cancel_says_nothing() {
    let failed =
        || OperationEnd::Failed { title: "Starting development failed".into(), body: "demo: x".into() };
    let ok =
        || OperationEnd::Succeeded { title: "Started development".into(), body: "demo: took 1 s".into() };
    let no_success = NotifyPrefs { operation_succeeded: false, ..NotifyPrefs::default() };
    let got = run(vec![
        (0, State(vec![])),
        (1, Ended(OperationEnd::Cancelled)),
        (2, Focus(true)),
        (3, Ended(failed())),
        (4, Focus(false)),
        (5, Prefs(no_success)),
        (6, Ended(ok())),
        (7, Ended(failed())),
    ]);
    assert_eq!(got, vec![notice(7, "Starting development failed", "demo: x")]);
}

#[test]
fn each_kind_can_be_turned_off() {
    let no_unhealthy = NotifyPrefs { unhealthy: false, ..NotifyPrefs::default() };
    let got = run(vec![
        (0, Prefs(no_unhealthy)),
        (1, State(vec![run_state("a", Health::Healthy), run_state("b", Health::None)])),
        (10, State(vec![run_state("a", Health::Unhealthy), exited("b", 3)])),
        (30, Tick),
    ]);
    assert_eq!(got, vec![notice(15, "b exited unexpectedly", "demo: exit code 3.")]);
    let no_exits = NotifyPrefs { exited: false, ..NotifyPrefs::default() };
    let got = run(vec![
        (0, Prefs(no_exits)),
        (1, State(vec![run_state("a", Health::Healthy), run_state("b", Health::None)])),
        (10, State(vec![run_state("a", Health::Unhealthy), exited("b", 3)])),
        (30, Tick),
    ]);
    assert_eq!(got, vec![notice(15, "a is unhealthy", "demo: its healthcheck fails.")]);
}

#[test]
fn a_lost_connection_compares_the_next_synced_state_with_the_last_one() {
    let got = run(vec![
        (0, State(vec![run_state("db", Health::Healthy)])),
        // The store keeps the last known state while disconnected: not compared.
        (10, Lost(vec![run_state("db", Health::Healthy)])),
        (20, Lost(vec![])),
        // Back: the database died meanwhile.
        (30, State(vec![exited("db", 1)])),
        (60, Tick),
    ]);
    assert_eq!(got, vec![notice(35, "db exited unexpectedly", "demo: exit code 1.")]);
}

#[test]
fn a_dead_container() {
    let got = run(vec![
        (0, State(vec![run_state("db", Health::None)])),
        (10, State(vec![service("db", RunState::Dead, Health::None)])),
        (20, Tick),
    ]);
    assert_eq!(got, vec![notice(15, "db is dead", "demo: the engine could not stop or remove it.")]);
}

#[test]
fn a_crash_is_recent_for_a_minute() {
    let start = Instant::now();
    let mut n = Notifier::new(NotifyPolicy::default());
    let at = |s: u64| start + Duration::from_secs(s);
    n.observe(&snap(vec![restarted(RunState::Running, 0)], true), false, at(0));
    n.observe(&snap(vec![restarted(RunState::Running, 1)], true), false, at(10));
    assert_eq!(n.recently_crashed(at(69)), vec!["gameserver".to_string()]);
    assert_eq!(n.recently_crashed(at(70)), Vec::<String>::new());
    let ctx = NotifyContext { focused: true, prefs: NotifyPrefs::default() };
    assert_eq!(n.next_due(), Some(at(15)), "the notice first");
    n.due(at(15), &ctx);
    assert_eq!(n.next_due(), Some(at(70)), "then the end of the recent crash, to redraw the tray");
    n.due(at(70), &ctx);
    assert_eq!(n.next_due(), None);
}

#[test]
fn spans() {
    assert_eq!(span_text(Duration::from_millis(300)), "1 s");
    assert_eq!(span_text(Duration::from_secs(59)), "59 s");
    assert_eq!(span_text(Duration::from_secs(60)), "1 min");
    assert_eq!(span_text(Duration::from_secs(89)), "1 min");
    assert_eq!(span_text(Duration::from_secs(90)), "2 min");
}
