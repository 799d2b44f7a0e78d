//! Volume backup and restore through the session, on the project's engine: the project's named volumes, a
//! backup into a checksummed archive on this machine, and a restore that checks everything before it touches the
//! volume (typed confirmation, archive intact, no container outside the project using it), stops the project's
//! services that mount it through Compose, unpacks into a staging folder, swaps it in, and starts the services
//! again afterwards. One backup or restore at a time per session, cancelled with [`Session::cancel_volume_job`]
//! (the window's Cancel and the CLI's Ctrl-C alike): its helper removed, `VOLUME_JOB_CANCELLED` saying what
//! state the volume is in.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use super::lifecycle::OperationRequest;
use super::{blocking, Session};
use crate::engine::ops::{EngineOps, TextMask};
use crate::engine::DockerEngine;
use crate::error::{ErrorCode, ErrorReport};
use crate::lifecycle::{OpKind, Outcome};
use crate::volumes::archive::{self, ArchiveWriter};
use crate::volumes::helper::{RestoreError, Staging};
use crate::volumes::{self, helper, BackupReport, ProjectVolume, RestoreReport, Users, VolumeProgress};

/// Reports progress (a backup's or restore's bytes so far).
pub type Progress = Arc<dyn Fn(VolumeProgress) + Send + Sync>;

fn failed(code: ErrorCode, what: &str, volume: &str, why: impl std::fmt::Display) -> ErrorReport {
    ErrorReport::new(code, format!("{what} `{volume}` failed: {why}"))
}

/// The running backup or restore's cancel token (at most one per session).
#[derive(Default)]
pub(super) struct VolumeJobSlot(Mutex<Option<CancellationToken>>);

/// The running job's place, freed when dropped.
pub(super) struct VolumeJob<'a> {
    slot: &'a VolumeJobSlot,
    pub(super) cancel: CancellationToken,
}

impl Drop for VolumeJob<'_> {
    fn drop(&mut self) {
        *super::lock(&self.slot.0) = None;
    }
}

fn cancelled(message: String) -> ErrorReport {
    ErrorReport::new(ErrorCode::VolumeJobCancelled, message)
}

impl Session {
    /// Takes the session's backup/restore place, or says one runs.
    pub(super) fn begin_volume_job(&self) -> Result<VolumeJob<'_>, ErrorReport> {
        let slot = &self.inner.volume_job;
        let mut held = super::lock(&slot.0);
        if held.is_some() {
            return Err(ErrorReport::new(
                ErrorCode::OperationBusy,
                "a backup or restore is already running on this project: wait for it (or cancel it), then retry",
            ));
        }
        let cancel = CancellationToken::new();
        *held = Some(cancel.clone());
        Ok(VolumeJob { slot, cancel })
    }

    /// Cancels the running backup or restore (its helper container removed; a restore's unpacking removed
    /// and the services it stopped started again, a swap already under way finished); it then ends with
    /// `VOLUME_JOB_CANCELLED` saying what state the volume is in. False when none runs.
    pub fn cancel_volume_job(&self) -> bool {
        match super::lock(&self.inner.volume_job.0).as_ref() {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// A helper's failure (it may quote `tar`'s words about the volume's files) masked with the project's
    /// secrets, or withheld whole when the keychain cannot be read.
    async fn masked(&self, text: String) -> String {
        let project = self.project();
        blocking(move || Ok(crate::secrets::Masker::gathered(&project).mask_container(&text).into_owned()))
            .await
            .unwrap_or_else(|_: ErrorReport| {
                "[output hidden: the project's secrets could not be read]".into()
            })
    }

    /// The project's named volumes (every profile's), each with the services that mount it and whether the
    /// engine has it.
    pub async fn volumes(&self) -> Result<Vec<ProjectVolume>, ErrorReport> {
        let mut list = self.declared_volumes()?;
        let engine = self.volume_engine().await?;
        for v in &mut list {
            v.exists = Some(match engine.inspect_volume(&v.name).await {
                Ok(_) => true,
                Err(e) if e.is_not_found() => false,
                Err(e) => return Err(failed(ErrorCode::EngineUnavailable, "reading volume", &v.name, e)),
            });
        }
        Ok(list)
    }

    fn declared_volumes(&self) -> Result<Vec<ProjectVolume>, ErrorReport> {
        let project = self.project();
        let resolved = project.resolve(&project.profile_names())?;
        Ok(volumes::project_volumes(project.name(), &resolved.model))
    }

    async fn volume_engine(&self) -> Result<DockerEngine, ErrorReport> {
        let handle = self.engine().await?;
        Ok(handle.connected().await?)
    }

    /// The volume `asked` names, which the engine must have.
    async fn existing_volume(
        &self,
        engine: &DockerEngine,
        asked: &str,
    ) -> Result<ProjectVolume, ErrorReport> {
        let volume = volumes::find(&self.declared_volumes()?, asked)?;
        match engine.inspect_volume(&volume.name).await {
            Ok(_) => Ok(volume),
            Err(e) if e.is_not_found() => Err(ErrorReport::new(
                ErrorCode::VolumeNotFound,
                format!(
                    "the engine has no volume `{}` yet: start a service that mounts it ({}) so Compose creates \
                     it, then retry",
                    volume.name,
                    if volume.services.is_empty() { "none does".to_string() } else { volume.services.join(", ") }
                ),
            )),
            Err(e) => Err(failed(ErrorCode::EngineUnavailable, "reading volume", &volume.name, e)),
        }
    }

    /// Images to try for the helper: those of the project's containers that mount the volume.
    async fn helper_candidates(&self, engine: &DockerEngine, users: &Users) -> Vec<String> {
        let mut images = Vec::new();
        for c in &users.ours {
            if let Ok(info) = engine.inspect_container(&c.id, TextMask::OwnEnvironment).await {
                images.push(info.image);
            }
        }
        images
    }

    async fn users(&self, engine: &DockerEngine, volume: &str) -> Result<Users, ErrorReport> {
        let list = engine.volume_users(volume).await.map_err(|e| {
            failed(ErrorCode::EngineUnavailable, "listing the containers of volume", volume, e)
        })?;
        Ok(Users::split(self.project().name(), list))
    }

    /// Backs up the volume `asked` (its engine name or its key) into `output` (default: `<volume>-<unix
    /// seconds>.tar.gz` in the current folder; never over an existing file), with its `.sha256` beside it.
    pub async fn backup_volume(
        &self,
        asked: &str,
        output: Option<PathBuf>,
        progress: Progress,
    ) -> Result<BackupReport, ErrorReport> {
        let job = self.begin_volume_job()?;
        let cancel = &job.cancel;
        let engine = self.volume_engine().await?;
        let volume = self.existing_volume(&engine, asked).await?;
        let output = output.unwrap_or_else(|| {
            let secs =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            PathBuf::from(format!("{}-{secs}.tar.gz", volume.name))
        });
        let mut writer = ArchiveWriter::create(&output, false)
            .map_err(|e| ErrorReport::new(ErrorCode::BackupFailed, format!("{e}: nothing was backed up")))?;
        let labels = helper::helper_labels(self.project().name());
        let users = self.users(&engine, &volume.name).await?;
        let candidates = self.helper_candidates(&engine, &users).await;
        let picked = helper::pick_image(&engine, &candidates, &labels, cancel).await;
        let backed_up = match &picked {
            Ok(image) => {
                helper::backup(&engine, image, &volume.name, &labels, &mut writer, &*progress, cancel).await
            }
            Err(e) => Err(e.clone()),
        };
        if cancel.is_cancelled() {
            drop(writer);
            return Err(cancelled(format!(
                "the backup of `{}` was cancelled: no archive was written (its helper container was removed)",
                volume.name
            )));
        }
        let image = picked.map_err(|e| failed(ErrorCode::BackupFailed, "backing up", &volume.name, e))?;
        if let Err(e) = backed_up {
            return Err(failed(ErrorCode::BackupFailed, "backing up", &volume.name, self.masked(e).await));
        }
        let written =
            blocking(move || writer.finish().map_err(|e| ErrorReport::new(ErrorCode::BackupFailed, e)))
                .await?;
        Ok(BackupReport {
            volume: volume.name,
            archive: output.display().to_string(),
            checksum_file: archive::checksum_path(&output).display().to_string(),
            sha256: written.sha256,
            bytes: written.bytes,
            tar_bytes: written.tar_bytes,
            image,
        })
    }

    /// Removes the volume helpers this process made that are still there (a backup or restore interrupted
    /// before its own clean-up ran); their names.
    pub async fn remove_own_helpers(&self) -> Result<Vec<String>, ErrorReport> {
        let engine = self.volume_engine().await?;
        helper::remove_own(&engine, self.project().name())
            .await
            .map_err(|e| ErrorReport::new(ErrorCode::EngineUnavailable, e))
    }

    /// Restores the volume `asked` from `from` once `confirm` is its exact name. Checked before the volume is
    /// touched: the confirmation, the archive (checksum, then every entry read), no container outside the
    /// project mounting it. The project's running services that mount it are stopped through Compose first and
    /// started again afterwards (also when the restore failed or was cancelled). The archive is unpacked into a
    /// staging folder in the volume and swapped in only once that fully succeeded: a failed or cancelled
    /// unpacking leaves the volume's files as they were.
    pub async fn restore_volume(
        &self,
        asked: &str,
        from: &Path,
        confirm: &str,
        progress: Progress,
    ) -> Result<RestoreReport, ErrorReport> {
        let job = self.begin_volume_job()?;
        let cancel = &job.cancel;
        let declared = volumes::find(&self.declared_volumes()?, asked)?;
        volumes::confirmed(&declared.name, confirm)?;
        let archive_path = from.to_path_buf();
        let checked = blocking(move || {
            archive::check(&archive_path).map_err(|e| ErrorReport::new(ErrorCode::ArchiveInvalid, e))
        })
        .await?;
        let engine = self.volume_engine().await?;
        let volume = self.existing_volume(&engine, asked).await?;
        let users = self.users(&engine, &volume.name).await?;
        users.refuse_foreign(&volume.name)?;
        let labels = helper::helper_labels(self.project().name());
        let candidates = self.helper_candidates(&engine, &users).await;
        let picked = helper::pick_image(&engine, &candidates, &labels, cancel).await;
        if cancel.is_cancelled() {
            return Err(cancelled(format!(
                "the restore of `{}` was cancelled before it began: nothing was changed",
                volume.name
            )));
        }
        let image = picked.map_err(|e| failed(ErrorCode::RestoreFailed, "restoring", &volume.name, e))?;

        let stopped = users.running_services();
        if !stopped.is_empty() {
            self.compose_for_restore(OpKind::Stop, &stopped).await.map_err(|e| {
                ErrorReport::new(
                    ErrorCode::RestoreFailed,
                    format!(
                        "stopping {} before the restore failed ({e}): nothing was restored",
                        stopped.join(", ")
                    ),
                )
            })?;
        }
        let still = self.users(&engine, &volume.name).await?;
        let result = if let Some(running) = still.ours.iter().find(|c| c.running) {
            Err(ErrorReport::new(
                ErrorCode::RestoreFailed,
                format!(
                    "`{}` still runs with the volume mounted: stop it, then retry; nothing was restored",
                    running.name
                ),
            ))
        } else if cancel.is_cancelled() {
            Err(cancelled(format!(
                "the restore of `{}` was cancelled before it began unpacking: its files are as they were",
                volume.name
            )))
        } else {
            let staging = Staging::new();
            let total = checked.tar_bytes;
            let done = helper::restore(
                &engine,
                &image,
                &volume.name,
                &labels,
                from,
                total,
                &*progress,
                &staging,
                cancel,
            )
            .await;
            match done {
                Ok(()) => Ok(()),
                Err(e) => Err(self.restore_error(&volume.name, &staging, e, cancel.is_cancelled()).await),
            }
        };

        let mut warnings = Vec::new();
        let mut restarted = Vec::new();
        if !stopped.is_empty() {
            match self.compose_for_restore(OpKind::Start, &stopped).await {
                Ok(()) => restarted = stopped.clone(),
                Err(e) => warnings.push(format!(
                    "starting {} again failed ({e}): start them with `dockmaster start`",
                    stopped.join(", ")
                )),
            }
        }
        result.map_err(|mut e| {
            if !restarted.is_empty() {
                e.message = format!("{}; {} started again", e.message, restarted.join(", "));
            }
            if !warnings.is_empty() {
                e.message = format!("{}; {}", e.message, warnings.join("; "));
            }
            e
        })?;
        Ok(RestoreReport {
            volume: volume.name,
            archive: from.display().to_string(),
            sha256: checked.sha256,
            entries: checked.entries,
            stopped,
            restarted,
            image,
            warnings,
        })
    }

    /// A restore that did not finish, in words: what happened, and what the volume holds now.
    async fn restore_error(
        &self,
        volume: &str,
        staging: &Staging,
        error: RestoreError,
        was_cancelled: bool,
    ) -> ErrorReport {
        match error {
            RestoreError::Unpack { why, left } => {
                let state = match left {
                    None => "its files are as they were (the partly unpacked copy was removed)".to_string(),
                    Some(e) => format!(
                        "its files are as they were, but the partly unpacked copy `{}` at its top could not be \
                         removed ({}): the next restore removes it, or delete that folder yourself",
                        staging.staged(),
                        self.masked(e).await
                    ),
                };
                if was_cancelled {
                    cancelled(format!(
                        "the restore of `{volume}` was cancelled while unpacking, before anything was \
                         replaced: {state}"
                    ))
                } else {
                    failed(
                        ErrorCode::RestoreFailed,
                        "restoring",
                        volume,
                        format!("{} — nothing was replaced: {state}", self.masked(why).await),
                    )
                }
            }
            RestoreError::Swap(why) => failed(
                ErrorCode::RestoreFailed,
                "restoring",
                volume,
                format!(
                    "swapping the unpacked archive in stopped part-way ({}): {}",
                    self.masked(why).await,
                    helper::swap_state(staging)
                ),
            ),
        }
    }

    /// `stop` or `start` of `services` through Compose, with every profile so each is known.
    async fn compose_for_restore(&self, op: OpKind, services: &[String]) -> Result<(), String> {
        let mut request = OperationRequest::new(op);
        request.profiles = self.project().profile_names();
        request.services = services.to_vec();
        let result = self.run(request, |_| {}).await.map_err(|e| e.message)?;
        match result.outcome {
            Outcome::Succeeded => Ok(()),
            other => Err(result
                .failure
                .map(|f| f.message)
                .unwrap_or_else(|| format!("Compose's `{}` ended {other:?}", op.as_str()).to_lowercase())),
        }
    }
}
