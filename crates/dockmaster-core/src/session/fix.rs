//! "Fix and start" and the keychain's own buttons through the session: the preflight's automatic remedies
//! applied before the start (what was done reported by name first), and the Secret Service asked to create or
//! unlock the default keychain. After a change the masker follows and listeners are told.

use super::{blocking, Session, SessionEvent};
use crate::error::{ErrorCode, ErrorReport};
use crate::lifecycle::{LifecycleEvent, OpKind, OperationResult, PreflightReport};
use crate::secrets::collection::{self, KeychainChange};
use crate::secrets::fix::{self, FixReport, Remedy};
use crate::secrets::Keychain;
use crate::session::OperationRequest;

/// The automatic remedies of a preflight's blocking problems: (variable, remedy).
pub fn automatic_fixes(report: &PreflightReport) -> Vec<(String, Remedy)> {
    report
        .problems
        .iter()
        .filter_map(|p| Some((p.variable.clone()?, p.remedy.clone().filter(Remedy::is_automatic)?)))
        .collect()
}

impl Session {
    /// Fix and start: the preflight `up` runs first; what it can fix without asking is fixed — every missing
    /// secret that has a generator is generated into the keychain, every missing non-secret the stack suggests a
    /// value for is written to `.env` — and `on_fixed` hears what was done (names only) before the same start
    /// as [`Session::run`] runs. Its own preflight checks again: what could not be fixed (no generator and no
    /// suggestion, a taken port, no engine) still blocks with its fix (`PREFLIGHT_BLOCKED`). A fix that fails
    /// half-way is an error whose detail says exactly what was done (`ErrorDetail::Fixed`); nothing is started.
    pub async fn fix_and_run(
        &self,
        request: OperationRequest,
        on_fixed: impl FnOnce(FixReport) + Send,
        on_event: impl Fn(LifecycleEvent) + Send + 'static,
    ) -> Result<OperationResult, ErrorReport> {
        if request.operation != OpKind::Up || request.no_preflight {
            return Err(ErrorReport::new(
                ErrorCode::Usage,
                "Fix and start fixes what the preflight of `up` finds: ask for `up`, with its preflight",
            ));
        }
        let profiles = self.profiles(&request.profiles)?;
        let running = self.begin(OpKind::Up.as_str())?;
        let report = self.preflight(&profiles, &request.services, request.compose.clone()).await?;
        let fixed = self.apply_fixes(automatic_fixes(&report)).await?;
        on_fixed(fixed);
        self.run_begun(running, profiles, request, on_event).await
    }

    /// Applies fixes to the project's keychain and `.env`. Whatever was done (all, or part before a failure),
    /// the project is read again, the masker follows and listeners hear it before this returns.
    async fn apply_fixes(&self, fixes: Vec<(String, Remedy)>) -> Result<FixReport, ErrorReport> {
        if fixes.is_empty() {
            return Ok(FixReport::default());
        }
        let project = self.project();
        let applied = blocking(move || {
            let keychain =
                if fix::needs_keychain(&fixes) { Some(Keychain::open(project.root())?) } else { None };
            Ok(fix::apply(&project, keychain.as_ref(), &fixes))
        })
        .await?;
        let done = match &applied {
            Ok(report) => report,
            Err(failure) => &failure.done,
        };
        if !done.written.is_empty() {
            self.reload().await;
        } else if !done.generated.is_empty() {
            self.project_changed().await;
        }
        if !done.generated.is_empty() {
            self.tell(SessionEvent::SecretsChanged);
        }
        applied.map_err(ErrorReport::from)
    }

    /// Asks the Secret Service to create a default keychain (the desktop asks the user for its password).
    pub async fn keychain_create(&self) -> Result<KeychainChange, ErrorReport> {
        let change = blocking(|| Ok(collection::create_default()?)).await?;
        self.keychain_changed(change).await;
        Ok(change)
    }

    /// Asks the Secret Service to unlock the default keychain (the desktop asks the user for its password).
    pub async fn keychain_unlock(&self) -> Result<KeychainChange, ErrorReport> {
        let change = blocking(|| Ok(collection::unlock_default()?)).await?;
        self.keychain_changed(change).await;
        Ok(change)
    }

    /// The keychain became readable: its secrets mask what is shown from now on, and the window reads again.
    async fn keychain_changed(&self, change: KeychainChange) {
        if change != KeychainChange::AlreadyReady {
            self.project_changed().await;
        }
        self.tell(SessionEvent::SecretsChanged);
    }
}
