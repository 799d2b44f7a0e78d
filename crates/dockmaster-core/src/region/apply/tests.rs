//! The apply and its rollback against the in-memory engine: every step failing in turn (refused, or done
//! but answered with a timeout), and cancelled in turn, must leave the engine exactly as it was — foreign
//! objects, the stack's networks, another region and volumes kept from before untouched — and the region's
//! password gone only when this apply generated it.

#![allow(clippy::unwrap_used)]

use std::sync::Mutex;

use super::*;
use crate::engine::ops::fake::{AfterStart, Fault, Objects, Op};
use crate::region::error::{RegionError, Rollback};
use crate::region::plan::{RegionPlan, SecretAction, VolumeAction};
use crate::region::testing::{World, DB, KEPT, SERVER};

impl World {
    /// Applies `plan`, cancelling when `cancel_at` starts; the result and the progress seen.
    async fn apply(
        &self,
        plan: &RegionPlan,
        cancel_at: Option<ApplyStep>,
    ) -> (Result<AppliedRegion, RegionError>, Vec<ApplyEvent>) {
        let cancel = CancellationToken::new();
        let seen = Mutex::new(Vec::new());
        let trigger = cancel.clone();
        let progress = |e: ApplyEvent| {
            if Some(e.step) == cancel_at && e.status == StepStatus::Started {
                trigger.cancel();
            }
            seen.lock().unwrap().push(e);
        };
        let result = apply(&self.fake, &self.project, plan, &self.options(), &cancel, &progress).await;
        (result, seen.into_inner().unwrap())
    }
}

/// How a case makes the apply fail.
#[derive(Debug, Clone, Copy)]
enum Trouble {
    Engine(Op, usize, Fault),
    After(&'static str, AfterStart),
    /// The plan no longer matches what the template renders (after the password was stored).
    StalePlan,
}

/// Every step of an apply, failing in each way it can, with the step the failure names.
fn failures() -> Vec<(Trouble, ApplyStep)> {
    use ApplyStep::*;
    use Fault::*;
    use Trouble::*;
    vec![
        (StalePlan, StorePassword),
        (Engine(Op::ListNetworks, 1, Refuse), CreateNetwork),
        (Engine(Op::CreateNetwork, 1, Refuse), CreateNetwork),
        (Engine(Op::CreateNetwork, 1, TimeOutAfterDoing), CreateNetwork),
        (Engine(Op::InspectVolume, 1, Refuse), CreateVolume),
        (Engine(Op::CreateVolume, 1, Refuse), CreateVolume),
        (Engine(Op::CreateVolume, 1, TimeOutAfterDoing), CreateVolume),
        (Engine(Op::CreateVolume, 2, Refuse), CreateVolume),
        (Engine(Op::CreateVolume, 2, TimeOutAfterDoing), CreateVolume),
        (Engine(Op::CreateContainer, 1, Refuse), CreateDb),
        (Engine(Op::CreateContainer, 1, TimeOutAfterDoing), CreateDb),
        (Engine(Op::ConnectNetwork, 1, Refuse), CreateDb),
        (Engine(Op::StartContainer, 1, Refuse), StartDb),
        (Engine(Op::StartContainer, 1, TimeOutAfterDoing), StartDb),
        (After(DB, AfterStart::Unhealthy), WaitDbHealthy),
        (After(DB, AfterStart::Exits(1)), WaitDbHealthy),
        (Engine(Op::InspectContainer, 1, Refuse), WaitDbHealthy),
        (Engine(Op::CreateContainer, 2, Refuse), CreateServer),
        (Engine(Op::CreateContainer, 2, TimeOutAfterDoing), CreateServer),
        (Engine(Op::ConnectNetwork, 2, Refuse), CreateServer),
        (Engine(Op::ConnectNetwork, 3, TimeOutAfterDoing), CreateServer),
        (Engine(Op::StartContainer, 2, Refuse), StartServer),
        (After(SERVER, AfterStart::Unhealthy), WaitServerHealthy),
        (After(SERVER, AfterStart::Exits(2)), WaitServerHealthy),
    ]
}

/// After a failed or cancelled apply: the engine as before, the password only if it was there before, no
/// journal, nothing left behind.
fn assert_restored(
    w: &World,
    before: &Objects,
    password_before: &Option<String>,
    rollback: &Rollback,
    case: &str,
) {
    assert_eq!(&w.fake.objects(), before, "{case}: the engine holds exactly what it held before");
    assert_eq!(&w.password(), password_before, "{case}: the password is removed only if this apply made it");
    assert!(rollback.left_behind.is_empty(), "{case}: {rollback:?}");
    assert_eq!(w.journals(), 0, "{case}: a complete rollback deletes the journal");
}

async fn run_failure_table(kept: bool) {
    for (trouble, step) in failures() {
        let case = format!("{trouble:?} (kept volumes: {kept})");
        let w = World::new(kept);
        let mut plan = w.plan().await;
        if kept {
            assert_eq!(plan.password.action, SecretAction::Reuse);
            assert!(
                plan.volumes.iter().any(|v| v.name == KEPT && v.action == VolumeAction::Reuse),
                "{plan:?}"
            );
        }
        match trouble {
            Trouble::Engine(op, nth, fault) => w.fake.fail(op, nth, fault),
            Trouble::After(name, behaviour) => w.fake.after_start(name, behaviour),
            Trouble::StalePlan => plan.containers[0].env[0].value.shown.push_str("-changed"),
        }
        let before = w.fake.objects();
        let password_before = w.password();
        let (result, events) = w.apply(&plan, None).await;
        match result {
            Err(RegionError::ApplyFailed { step: failed, rollback, cause, .. }) => {
                assert_eq!(failed, step.as_str(), "{case}: {cause}");
                assert_restored(&w, &before, &password_before, &rollback, &case);
            }
            other => panic!("{case}: expected a failed apply, got {other:?}"),
        }
        assert!(
            events.iter().any(|e| e.step == step && e.status == StepStatus::Failed),
            "{case}: the failed step is reported"
        );
    }
}

#[tokio::test]
async fn a_failure_at_every_step_removes_exactly_what_the_apply_created() {
    run_failure_table(false).await;
}

#[tokio::test]
async fn with_kept_volumes_a_failure_keeps_them_and_the_stored_password() {
    run_failure_table(true).await;
}

#[tokio::test]
async fn cancelling_at_every_step_removes_exactly_what_the_apply_created() {
    use ApplyStep::*;
    let steps = [
        StorePassword,
        CreateNetwork,
        CreateVolume,
        CreateDb,
        StartDb,
        WaitDbHealthy,
        CreateServer,
        StartServer,
        WaitServerHealthy,
    ];
    for kept in [false, true] {
        for step in steps {
            let case = format!("cancel at {step:?} (kept volumes: {kept})");
            let w = World::new(kept);
            let plan = w.plan().await;
            // Health that never settles, so a cancel during a wait is seen by the wait itself.
            match step {
                WaitDbHealthy => w.fake.after_start(DB, AfterStart::Starting),
                WaitServerHealthy => w.fake.after_start(SERVER, AfterStart::Starting),
                _ => {}
            }
            let before = w.fake.objects();
            let password_before = w.password();
            let (result, _) = w.apply(&plan, Some(step)).await;
            match result {
                Err(RegionError::Cancelled { step: at, rollback, .. }) => {
                    let order = |s: &str| steps.iter().position(|x| x.as_str() == s).unwrap();
                    assert!(order(&at) >= order(step.as_str()), "{case}: cancelled at {at}");
                    assert_restored(&w, &before, &password_before, &rollback, &case);
                }
                other => panic!("{case}: expected a cancelled apply, got {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn a_successful_apply_labels_everything_it_created_and_passes_the_password_only_in_the_environment() {
    let w = World::new(false);
    let plan = w.plan().await;
    let before = w.fake.objects();
    let (result, events) = w.apply(&plan, None).await;
    let applied = result.unwrap();
    assert_eq!(applied.containers, [DB, SERVER]);
    assert!(events.iter().any(|e| e.step == ApplyStep::WaitServerHealthy && e.status == StepStatus::Done));
    let after = w.fake.objects();
    let mine = |labels: &crate::engine::ops::Labels| {
        labels.get(crate::labels::REGION_APPLY) == Some(&applied.apply_id)
    };
    let new_containers: Vec<&String> =
        after.containers.keys().filter(|k| !before.containers.contains_key(*k)).collect();
    assert_eq!(new_containers, [DB, SERVER]);
    for (name, labels) in after.containers.iter().chain(&after.networks).chain(&after.volumes) {
        let new = !before.containers.contains_key(name)
            && !before.networks.contains_key(name)
            && !before.volumes.contains_key(name);
        assert_eq!(new, mine(labels), "{name}: created by this apply iff it carries its label");
    }
    let spec = w.fake.spec(DB).unwrap();
    assert_eq!(spec.labels.get("com.docker.compose.project").map(String::as_str), Some(""), "blanked");
    let password = w.password().unwrap();
    let env_value =
        spec.env.iter().find(|(k, _)| k == "POSTGRES_PASSWORD").map(|(_, v)| v.expose().clone()).unwrap();
    assert_eq!(env_value, password, "the database gets the keychain's password in its environment");
    assert!(!format!("{spec:?}").contains(&password), "no Debug print shows it");
    let cmd = spec.cmd.as_ref().map(|c| c.expose().join(" ")).unwrap_or_default();
    assert!(!cmd.contains(&password), "never in argv");
    let server_networks: Vec<String> = w.fake.networks_of(SERVER).into_iter().map(|n| n.network).collect();
    assert_eq!(server_networks, ["demo-region-alpha-network", "demo_nexus-network", "demo_regional-network"]);
    assert_eq!(w.journals(), 0, "a finished apply leaves no journal");
}

#[tokio::test]
async fn an_interrupted_apply_of_the_region_must_be_removed_before_a_new_one() {
    let w = World::new(false);
    let plan = w.plan().await;
    let record = crate::region::journal::Record {
        apply_id: "dead0001".into(),
        project: "demo".into(),
        root: w.project.root().to_path_buf(),
        region: "alpha".into(),
        pid: std::process::id(),
        ..Default::default()
    };
    drop(crate::region::journal::Journal::begin(&w.journal_dir(), record).unwrap());
    let before = w.fake.objects();
    match w.apply(&plan, None).await.0 {
        Err(RegionError::Conflict { message }) => assert!(message.contains("dead0001"), "{message}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(w.fake.objects(), before);
    assert_eq!(w.fake.calls(Op::CreateNetwork), 0);
}
