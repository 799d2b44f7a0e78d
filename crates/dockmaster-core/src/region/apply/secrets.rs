//! Step 1 of an apply: the region's password (stored, or generated and stored) and the project's secrets
//! the template references, then the template rendered again with them — refused when what it would run
//! differs from what the plan showed.

use std::collections::BTreeMap;

use super::{note, ApplyStep, Created, Failure, Run, StepStatus};
use crate::engine::ops::EngineOps;
use crate::project::Project;
use crate::region::journal::Journal;
use crate::region::plan::{Values, PASSWORD_VAR};
use crate::region::render::Secrets;
use crate::region::template::RegionTemplate;
use crate::secrets::{SecretsError, Sensitive};

/// Runs a keychain call off the runtime's threads; a failure fails `step`.
async fn blocking<T: Send + 'static>(
    step: ApplyStep,
    f: impl FnOnce() -> Result<T, SecretsError> + Send + 'static,
) -> Result<T, Failure> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Failure::at(step, e.to_string())),
        Err(e) => Err(Failure::at(step, format!("the keychain task failed: {e}"))),
    }
}

/// The password step; the rendered values of each planned container, in plan order.
pub(super) async fn password_and_values<E: EngineOps>(
    run: &Run<'_, E>,
    project: &Project,
    created: &mut Created,
    journal: &mut Journal,
) -> Result<Vec<Values>, Failure> {
    let plan = run.plan;
    let step = ApplyStep::StorePassword;
    run.check_cancel(step)?;
    run.emit(step, StepStatus::Started, &plan.password.keychain_service, None);
    let template = RegionTemplate::from_project(project).map_err(|e| Failure::at(step, e.to_string()))?;
    let policy = project.secret_policy();
    let wanted = template.secret_variables(policy);
    let keychains = run.options.keychains.clone();
    // Whether the password is this apply's is journaled before it may be stored: a kill right after the
    // store still leaves a journal that says so.
    let (root, project_name, region) =
        (project.root().to_path_buf(), plan.project.clone(), plan.region.clone());
    let existed = {
        let (k, r, p, n) = (keychains.clone(), root.clone(), project_name.clone(), region.clone());
        blocking(step, move || k.password_stored(&r, &p, &n)).await?
    };
    note(journal, step, |r| r.password_existed = Some(existed))?;
    let wanted_for_keychain = wanted.clone();
    let (password, new_password, mut values) = blocking(step, move || {
        let (password, new) = keychains.ensure_password(&root, &project_name, &region)?;
        let values = keychains.project_secret_values(&root, &wanted_for_keychain)?;
        Ok((password, new, values))
    })
    .await?;
    created.password = new_password;
    for name in &wanted {
        if !values.contains_key(name) {
            if let Some(v) = project.environment().lookup(name).filter(|v| !v.is_empty()) {
                values.insert(name.clone(), Sensitive::new(v));
            }
        }
    }
    let env_values: BTreeMap<String, String> = template
        .passthrough_names()
        .into_iter()
        .filter(|n| !policy.is_secret(n))
        .filter_map(|n| project.environment().lookup(&n).map(|v| (n, v)))
        .collect();
    values.insert(PASSWORD_VAR.to_string(), password);
    // The template rendered again, now with the secrets: what is shown must be what the plan showed.
    let known = |n: &str| values.contains_key(n);
    let value = |n: &str| values.get(n).map(|v| v.expose().clone());
    let secrets = Secrets { known: &known, value: &value };
    let mut rendered = Vec::new();
    for c in &plan.containers {
        let v = crate::region::plan::values(&template, c.role, &plan.request, &env_values, &secrets, policy)
            .map_err(|e| Failure::at(step, e.to_string()))?;
        if !c.shows(&v) {
            return Err(Failure::at(
                step,
                format!(
                    "the region template (services.{}) or the secrets it uses changed since the plan was made: \
                     make the plan again",
                    c.template
                ),
            ));
        }
        rendered.push(v);
    }
    drop(values);
    run.emit(
        step,
        StepStatus::Done,
        &plan.password.keychain_service,
        Some(if new_password { "generated and stored" } else { "reused the stored password" }.into()),
    );
    Ok(rendered)
}
