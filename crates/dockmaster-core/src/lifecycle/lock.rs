//! One operation per project at a time, across processes (the CLI and the app alike): an OS file lock
//! (`flock`) on `op-<hash>.lock` in a private folder of the user's (`$XDG_RUNTIME_DIR/dockmaster`, else
//! `$XDG_STATE_HOME/dockmaster/locks`, never the shared temp folder), keyed by the project's root and Compose
//! name. The folder must be the user's own with mode 0700 and the file a regular file of theirs, opened
//! without following links. The file records the operation, its PID and Compose's PID; Compose inherits the
//! descriptor, so the lock stays held while any process of Compose lives, even after Dockmaster is killed.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::{LifecycleError, Result};

/// What the lock file says about the operation holding it (no secret: kind, PIDs, project).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    pub operation: String,
    pub pid: u32,
    pub project: String,
    pub root: String,
    /// The Compose process the operation started (it holds the lock too, as long as it lives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_pid: Option<u32>,
}

/// How to point Dockmaster at another lock folder (part of every refusal).
const RELOCATE: &str = "or set XDG_RUNTIME_DIR to a private folder of yours (mode 0700)";

/// `$XDG_STATE_HOME`, else `$HOME/.local/state` (relative values are ignored, as the XDG spec says).
pub fn state_home(vars: &HashMap<String, String>) -> Option<PathBuf> {
    let absolute = |name: &str| vars.get(name).map(PathBuf::from).filter(|p| p.is_absolute());
    absolute("XDG_STATE_HOME").or_else(|| absolute("HOME").map(|h| h.join(".local").join("state")))
}

/// The folder for lock files: `$XDG_RUNTIME_DIR/dockmaster` when that is a folder, else
/// `$XDG_STATE_HOME/dockmaster/locks` (`~/.local/state/dockmaster/locks`) — under the user's home, not the
/// shared temp folder, where anyone could make the folder (and plant links in it) first.
pub fn default_dir(vars: &HashMap<String, String>) -> Result<PathBuf> {
    let runtime = vars.get("XDG_RUNTIME_DIR").map(PathBuf::from).filter(|d| d.is_absolute() && d.is_dir());
    if let Some(dir) = runtime {
        return Ok(dir.join("dockmaster"));
    }
    match state_home(vars) {
        Some(state) => Ok(state.join("dockmaster").join("locks")),
        None => Err(LifecycleError::Lock {
            path: PathBuf::from("~/.local/state/dockmaster/locks"),
            detail: "neither XDG_RUNTIME_DIR nor HOME (nor XDG_STATE_HOME) is set, so there is no private folder \
                     for the operation lock. Set XDG_RUNTIME_DIR to a private folder of yours (mode 0700) and retry"
                .into(),
        }),
    }
}

/// The lock file of a project (root + Compose project name: two names in one folder are two projects).
pub fn path_for(dir: &Path, root: &Path, project: &str) -> PathBuf {
    dir.join(file_name(root, project))
}

fn file_name(root: &Path, project: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(root.to_string_lossy().as_bytes());
    hash.update([0]);
    hash.update(project.as_bytes());
    let digest = hash.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("op-{hex}.lock")
}

/// A folder checked to be the user's own and closed to everyone else (mode 0700), created if missing. On
/// Unix it is held open, and files are opened relative to that descriptor without following links, so what
/// was checked is where they are created.
#[derive(Debug)]
pub struct PrivateDir {
    path: PathBuf,
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
}

impl PrivateDir {
    /// Creates `dir` (mode 0700) if missing and checks it: a real folder (not a link), owned by this user,
    /// without group or other permissions. A folder that fails is refused, never changed; the error says
    /// why, names the folder and the fix (`relocate`: how to point Dockmaster elsewhere).
    pub fn open(dir: &Path, relocate: &str) -> std::result::Result<PrivateDir, String> {
        let io = |e: std::io::Error| {
            format!(
                "{}: {e}. Check that it (or its parent) can be created and written by you, {relocate}",
                dir.display()
            )
        };
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(io)?;
        #[cfg(unix)]
        {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
            let fd = rustix::fs::open(dir, flags, Mode::empty()).map_err(|e| {
                if e == rustix::io::Errno::LOOP || e == rustix::io::Errno::NOTDIR {
                    format!(
                        "{} is a symbolic link (or not a folder): Dockmaster keeps these files only in a real \
                         folder of yours. Remove it and retry, {relocate}",
                        dir.display()
                    )
                } else {
                    io(e.into())
                }
            })?;
            let stat = rustix::fs::fstat(&fd).map_err(|e| io(e.into()))?;
            check_dir(dir, stat.st_uid, stat.st_mode, rustix::process::geteuid().as_raw(), relocate)?;
            Ok(PrivateDir { path: dir.to_path_buf(), fd })
        }
        #[cfg(not(unix))]
        Ok(PrivateDir { path: dir.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens `name` in the folder for reading and writing (created with mode 0600 when `create`), never
    /// through a symbolic link; it must be a regular file of this user's with a single link. `Ok(None)`:
    /// it does not exist and `create` is false.
    pub fn open_file(&self, name: &str, create: bool) -> std::result::Result<Option<File>, String> {
        let path = self.path.join(name);
        #[cfg(unix)]
        {
            use rustix::fs::{FileType, Mode, OFlags};
            let mut flags = OFlags::RDWR | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
            if create {
                flags |= OFlags::CREATE;
            }
            let fd = match rustix::fs::openat(&self.fd, name, flags, Mode::from_raw_mode(0o600)) {
                Ok(fd) => fd,
                Err(e) if e == rustix::io::Errno::NOENT && !create => return Ok(None),
                Err(e) if e == rustix::io::Errno::LOOP => {
                    return Err(format!(
                        "{} is a symbolic link: Dockmaster does not follow it (it could point at any file). \
                         Remove it and retry",
                        path.display()
                    ))
                }
                Err(e) => return Err(format!("{}: {e}", path.display())),
            };
            let stat = rustix::fs::fstat(&fd).map_err(|e| format!("{}: {e}", path.display()))?;
            let me = rustix::process::geteuid().as_raw();
            if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile
                || stat.st_uid != me
                || stat.st_nlink != 1
            {
                return Err(format!(
                    "{} is not a plain file of yours (owner uid {}, {} link(s), you are uid {me}): Dockmaster \
                     does not write to it. Remove it and retry",
                    path.display(),
                    stat.st_uid,
                    stat.st_nlink
                ));
            }
            Ok(Some(File::from(fd)))
        }
        #[cfg(not(unix))]
        {
            let mut options = std::fs::OpenOptions::new();
            options.read(true).write(true).create(create).truncate(false);
            match options.open(&path) {
                Ok(f) => Ok(Some(f)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => Ok(None),
                Err(e) => Err(format!("{}: {e}", path.display())),
            }
        }
    }

    /// Removes `name` from the folder (a link is removed, never followed). Missing is fine.
    pub fn remove_file(&self, name: &str) -> std::io::Result<()> {
        #[cfg(unix)]
        let result: std::io::Result<()> =
            rustix::fs::unlinkat(&self.fd, name, rustix::fs::AtFlags::empty()).map_err(Into::into);
        #[cfg(not(unix))]
        let result = std::fs::remove_file(self.path.join(name));
        match result {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// The names of the folder's entries that end with `suffix`.
    pub fn names(&self, suffix: &str) -> std::io::Result<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir(&self.path)?
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .filter(|n| n.ends_with(suffix))
            .collect();
        names.sort();
        Ok(names)
    }
}

/// The owner and mode rules of a private folder (pure, so every branch is tested without another user).
pub fn check_dir(
    dir: &Path,
    uid: u32,
    mode: u32,
    me: u32,
    relocate: &str,
) -> std::result::Result<(), String> {
    if uid != me {
        return Err(format!(
            "{} belongs to uid {uid}, not to you (uid {me}): someone else made it, so Dockmaster does not use \
             it. Have its owner (or root) remove it, {relocate}",
            dir.display()
        ));
    }
    if mode & 0o077 != 0 {
        return Err(format!(
            "{} is open to other users (mode {:o}; it must be 0700): anyone could have put files in it, so \
             Dockmaster does not use it. Check what is in it, then `chmod 700 {}` or remove it, {relocate}",
            dir.display(),
            mode & 0o7777,
            dir.display()
        ));
    }
    Ok(())
}

/// A held operation lock; released (and the file emptied) on drop — unless Compose, which inherited it,
/// still runs.
#[derive(Debug)]
pub struct OperationLock {
    file: File,
    path: PathBuf,
    holder: Holder,
}

impl OperationLock {
    /// Takes the project's lock without waiting, or says who holds it. `dir` must be (or become) a private
    /// folder of the user's (see [`PrivateDir::open`]).
    pub fn acquire(dir: &Path, root: &Path, project: &str, operation: &str) -> Result<OperationLock> {
        let refused = |path: &Path, detail: String| LifecycleError::Lock { path: path.to_path_buf(), detail };
        let private = PrivateDir::open(dir, RELOCATE).map_err(|d| refused(dir, d))?;
        let name = file_name(root, project);
        let path = dir.join(&name);
        let mut file = match private.open_file(&name, true) {
            Ok(Some(f)) => f,
            Ok(None) => {
                return Err(refused(&path, "the lock file vanished while it was opened; retry".into()))
            }
            Err(d) => return Err(refused(&path, d)),
        };
        match try_lock(&file) {
            Ok(true) => {}
            Ok(false) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder: Option<Holder> = serde_json::from_str(&text).ok();
                return Err(LifecycleError::Busy {
                    project: project.to_string(),
                    operation: holder.as_ref().map_or_else(|| "unknown".to_string(), |h| h.operation.clone()),
                    pid: holder.as_ref().map(|h| h.pid),
                    compose_pid: holder.as_ref().and_then(|h| h.compose_pid),
                    holder_exited: holder.is_some_and(|h| !process_alive(h.pid)),
                });
            }
            Err(e) => return Err(refused(&path, format!("{e}. Check that the file is yours and retry"))),
        }
        let holder = Holder {
            operation: operation.to_string(),
            pid: std::process::id(),
            project: project.to_string(),
            root: root.display().to_string(),
            compose_pid: None,
        };
        let lock = OperationLock { file, path, holder };
        lock.write_holder().map_err(|e| refused(&lock.path, format!("cannot write it: {e}")))?;
        Ok(lock)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_holder(&self) -> std::io::Result<()> {
        let text = serde_json::to_string(&self.holder).unwrap_or_default();
        let mut file = &self.file;
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(text.as_bytes())?;
        file.flush()
    }

    /// Records the Compose process that holds the lock with us (a refused request names it).
    pub fn record_child(&mut self, pid: u32) -> std::io::Result<()> {
        self.holder.compose_pid = Some(pid);
        self.write_holder()
    }

    /// Whether a process spawned now inherits the lock's descriptor (and so holds the lock as long as it,
    /// or any child it passes it on to, lives). Cleared right after the spawn.
    #[cfg(unix)]
    pub fn set_inheritable(&self, inherit: bool) -> std::io::Result<()> {
        use rustix::io::FdFlags;
        let mut flags = rustix::io::fcntl_getfd(&self.file)?;
        flags.set(FdFlags::CLOEXEC, !inherit);
        rustix::io::fcntl_setfd(&self.file, flags)?;
        Ok(())
    }
}

impl Drop for OperationLock {
    fn drop(&mut self) {
        // Empty it while still holding the lock; closing the file releases the lock.
        let _ = self.file.set_len(0);
    }
}

/// Whether a process lives (a zombie that waits to be reaped does not count).
pub(crate) fn process_alive(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|state| state != "Z" && state != "X"),
            Err(_) => false,
        }
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        let pid = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw);
        pid.is_some_and(
            |p| !matches!(rustix::process::test_kill_process(p), Err(e) if e == rustix::io::Errno::SRCH),
        )
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// `Ok(false)` when another open file description holds the lock.
#[cfg(unix)]
pub(crate) fn try_lock(file: &File) -> std::io::Result<bool> {
    use rustix::fs::{flock, FlockOperation};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK || e == rustix::io::Errno::INTR => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Elsewhere (Windows): the standard library's file lock (`LockFileEx`).
#[cfg(not(unix))]
#[allow(clippy::incompatible_msrv)]
pub(crate) fn try_lock(file: &File) -> std::io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn second_acquire_is_refused_with_the_holder_then_free_again() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("locks");
        let root = Path::new("/some/project");
        let first = OperationLock::acquire(&dir, root, "demo", "up").unwrap();
        match OperationLock::acquire(&dir, root, "demo", "down") {
            Err(LifecycleError::Busy { operation, pid, .. }) => {
                assert_eq!(operation, "up");
                assert_eq!(pid, Some(std::process::id()));
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        // Another Compose name in the same folder is another project.
        let other = OperationLock::acquire(&dir, root, "demo2", "up").unwrap();
        drop(other);
        drop(first);
        let again = OperationLock::acquire(&dir, root, "demo", "down").unwrap();
        assert!(std::fs::read_to_string(again.path()).unwrap().contains("\"operation\":\"down\""));
    }

    /// Issue 14, finding 5: a folder someone made world-writable, with the predictable lock file a symbolic
    /// link to a victim file. Taking the lock must refuse (naming the folder) and leave the victim as it was.
    #[test]
    #[cfg(unix)]
    fn symlinked_lock_file_in_a_world_writable_folder_is_refused_and_the_victim_is_untouched() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let victim = tmp.path().join("victim.txt");
        std::fs::write(&victim, "precious data\n").unwrap();
        let dir = tmp.path().join("dockmaster-shared");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let root = Path::new("/some/project");
        std::os::unix::fs::symlink(&victim, path_for(&dir, root, "demo")).unwrap();

        let result = OperationLock::acquire(&dir, root, "demo", "stop");
        let refused = result.as_ref().err().map(ToString::to_string).unwrap_or_default();
        drop(result);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious data\n", "the victim was written");
        assert!(refused.contains(&dir.display().to_string()), "refusal must name the folder: {refused:?}");
        assert!(refused.contains("chmod 700") || refused.contains("remove"), "and say what to do: {refused}");

        // The same link in a folder of ours with mode 0700 is refused too: the lock file is opened with
        // O_NOFOLLOW and must be a regular file of ours.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let result = OperationLock::acquire(&dir, root, "demo", "stop");
        let refused = result.as_ref().err().map(ToString::to_string).unwrap_or_default();
        drop(result);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious data\n", "the victim was written");
        assert!(refused.contains("symbolic link"), "{refused:?}");
    }

    /// A lock folder that belongs to another user is refused with its name and the fix, and never changed.
    #[test]
    #[cfg(unix)]
    fn a_lock_folder_of_another_user_is_refused() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        if !rustix::process::geteuid().is_root() {
            // Only root can give a folder away; anyone else finds one of root's: `/`.
            let refused = OperationLock::acquire(Path::new("/"), Path::new("/p"), "demo", "up").unwrap_err();
            assert!(refused.to_string().contains("uid 0"), "{refused}");
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("not-mine");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let nobody = rustix::process::Uid::from_raw(65534);
        rustix::fs::chown(&dir, Some(nobody), None).unwrap();

        let result = OperationLock::acquire(&dir, Path::new("/p"), "demo", "up");
        let refused = result.as_ref().err().map(ToString::to_string).unwrap_or_default();
        drop(result);
        let meta = std::fs::metadata(&dir).unwrap();
        assert_eq!((meta.uid(), meta.mode() & 0o7777), (65534, 0o700), "the folder was changed");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "a file was created in it");
        assert!(refused.contains(&dir.display().to_string()) && refused.contains("65534"), "{refused:?}");
        // Give it back so the temp folder can be removed.
        rustix::fs::chown(&dir, Some(rustix::process::getuid()), None).unwrap();
    }

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn lock_dir_prefers_xdg_runtime_dir_then_the_home_never_the_temp_folder() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let dir_of = |pairs: &[(&str, &str)]| default_dir(&vars(pairs)).unwrap();
        assert_eq!(dir_of(&[("XDG_RUNTIME_DIR", d), ("HOME", "/home/u")]), dir.path().join("dockmaster"));
        // No usable runtime folder: under the user's state folder, never the shared temp folder.
        for runtime in [None, Some("/nonexistent/xdg"), Some("relative/run"), Some("")] {
            let mut pairs = vec![("HOME", "/home/u")];
            pairs.extend(runtime.map(|r| ("XDG_RUNTIME_DIR", r)));
            let got = dir_of(&pairs);
            assert_eq!(got, Path::new("/home/u/.local/state/dockmaster/locks"), "{runtime:?}");
            assert!(!got.starts_with(std::env::temp_dir()));
        }
        assert_eq!(
            dir_of(&[("HOME", "/home/u"), ("XDG_STATE_HOME", "/state")]),
            Path::new("/state/dockmaster/locks")
        );
        assert_eq!(
            dir_of(&[("HOME", "/home/u"), ("XDG_STATE_HOME", "not/absolute")]),
            Path::new("/home/u/.local/state/dockmaster/locks")
        );
        let none = default_dir(&vars(&[])).unwrap_err().to_string();
        assert!(none.contains("XDG_RUNTIME_DIR") && none.contains("HOME"), "{none}");
        assert_ne!(path_for(dir.path(), Path::new("/a"), "x"), path_for(dir.path(), Path::new("/b"), "x"));
    }

    /// The fallback folder is created with mode 0700 (its missing parents too) and the lock works in it.
    #[test]
    #[cfg(unix)]
    fn the_home_fallback_is_created_private_and_works() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let dir = default_dir(&vars(&[("HOME", home.path().to_str().unwrap())])).unwrap();
        let lock = OperationLock::acquire(&dir, Path::new("/p"), "demo", "up").unwrap();
        for d in [dir.as_path(), dir.parent().unwrap()] {
            assert_eq!(std::fs::metadata(d).unwrap().permissions().mode() & 0o777, 0o700, "{}", d.display());
        }
        let file_mode = std::fs::metadata(lock.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(file_mode, 0o600);
        assert!(std::fs::read_to_string(lock.path()).unwrap().contains("\"operation\":\"up\""));
    }

    #[test]
    fn folder_rules_owner_first_then_no_group_or_other_bits() {
        let d = Path::new("/run/x/dockmaster");
        assert!(check_dir(d, 1000, 0o40700, 1000, "hint").is_ok());
        assert!(check_dir(d, 1000, 0o40500, 1000, "hint").is_ok());
        let other = check_dir(d, 65534, 0o40700, 1000, "set XDG_RUNTIME_DIR").unwrap_err();
        assert!(
            other.contains("/run/x/dockmaster") && other.contains("uid 65534") && other.contains("uid 1000")
        );
        assert!(other.contains("set XDG_RUNTIME_DIR"), "{other}");
        for mode in [0o40777, 0o41777, 0o40770, 0o40701, 0o40710] {
            let open = check_dir(d, 1000, mode, 1000, "hint").unwrap_err();
            assert!(open.contains("chmod 700 /run/x/dockmaster"), "{mode:o}: {open}");
        }
    }

    /// Compose inherits the lock: a process spawned while it is inheritable holds it after we close ours.
    #[test]
    #[cfg(target_os = "linux")]
    fn a_child_that_inherited_the_lock_holds_it_after_the_parent_let_go() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("locks");
        let root = Path::new("/p");
        let mut lock = OperationLock::acquire(&dir, root, "demo", "up").unwrap();
        lock.set_inheritable(true).unwrap();
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        lock.set_inheritable(false).unwrap();
        lock.record_child(child.id()).unwrap();
        let record: Holder = serde_json::from_str(&std::fs::read_to_string(lock.path()).unwrap()).unwrap();
        assert_eq!((record.pid, record.compose_pid), (std::process::id(), Some(child.id())));
        drop(lock); // our descriptor is closed: only the child's copy holds the lock now
        match OperationLock::acquire(&dir, root, "demo", "down") {
            Err(LifecycleError::Busy { .. }) => {}
            other => panic!("expected Busy while the child lives, got {other:?}"),
        }
        child.kill().unwrap();
        child.wait().unwrap();
        OperationLock::acquire(&dir, root, "demo", "down").unwrap();
    }
}
