//! Bounded reading of the user's files: regular files only, up to a named size limit, never blocking.
//!
//! Every file the core reads from a project (Compose files, `.env`, `.dockmaster.toml`) goes through
//! [`read_text`], so an untrusted checkout cannot hang or exhaust the app with a FIFO, a device, a `/proc`
//! file that streams forever, or a symlink to a huge file: each is refused with what to fix.

use std::io::Read;
use std::path::Path;

const MIB: u64 = 1024 * 1024;

/// How much of one kind of file Dockmaster reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    /// The kind of file, as errors name it ("a Compose file").
    pub what: &'static str,
}

/// A Compose file (each of them; the largest real ones are a few hundred KiB).
pub const COMPOSE_FILE: Limit = Limit { bytes: 8 * MIB, what: "a Compose file" };
/// A project's `.env` file.
pub const ENV_FILE: Limit = Limit { bytes: MIB, what: "a .env file" };
/// A project's stack descriptor (`.dockmaster.toml`).
pub const DESCRIPTOR: Limit = Limit { bytes: MIB, what: "a stack descriptor" };

/// Why a file was not read although it exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "it is larger than {} MiB, the limit for {}: check where it points (a symlink or COMPOSE_FILE may name \
         another file) and keep it under that size",
        .limit.bytes / MIB,
        .limit.what
    )]
    TooLarge { limit: Limit },
    #[error(
        "it is {kind}, not a regular file: {what} must be an ordinary file (check where a symlink or \
         COMPOSE_FILE points)"
    )]
    NotRegular { kind: &'static str, what: &'static str },
}

/// A file that could not be read ([`ReadError::Io`]: as the system said) or was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Refused(Refusal),
}

impl ReadError {
    /// The error as an `io::Error` (for error types that carry one), the refusal kept as its message.
    pub fn into_io(self) -> std::io::Error {
        match self {
            ReadError::Io(e) => e,
            ReadError::Refused(r @ Refusal::TooLarge { .. }) => {
                std::io::Error::new(std::io::ErrorKind::FileTooLarge, r)
            }
            ReadError::Refused(r) => std::io::Error::new(std::io::ErrorKind::InvalidInput, r),
        }
    }
}

/// The UTF-8 text of the regular file at `path` (symlinks followed), at most `limit` bytes. A FIFO, a
/// device, a directory, a socket, a `/proc` or `/sys` file, or a file over the limit is refused without
/// reading more than `limit + 1` bytes and without blocking.
pub fn read_text(path: &Path, limit: Limit) -> Result<String, ReadError> {
    // Checked before opening: opening a FIFO for reading blocks until a writer comes.
    check(&std::fs::metadata(path)?, limit)?;
    let file = open_nonblocking(path)?;
    // The file actually opened (it may have been swapped since the check).
    check(&file.metadata()?, limit)?;
    check_filesystem(&file, limit)?;
    let mut bytes = Vec::new();
    file.take(limit.bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit.bytes {
        return Err(ReadError::Refused(Refusal::TooLarge { limit }));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("it is not UTF-8 text (invalid byte at offset {at}); save it as UTF-8"),
        ))
    })
}

fn check(meta: &std::fs::Metadata, limit: Limit) -> Result<(), ReadError> {
    if !meta.is_file() {
        return Err(ReadError::Refused(Refusal::NotRegular { kind: kind_of(meta), what: limit.what }));
    }
    if meta.len() > limit.bytes {
        return Err(ReadError::Refused(Refusal::TooLarge { limit }));
    }
    Ok(())
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    "a special file"
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: a FIFO swapped in after the check must not block the open; regular files ignore it.
    std::fs::OpenOptions::new().read(true).custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32).open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// `/proc` and `/sys` files say they are regular and empty, then stream (`/proc/self/pagemap`: gigabytes).
#[cfg(target_os = "linux")]
fn check_filesystem(file: &std::fs::File, limit: Limit) -> Result<(), ReadError> {
    const SYSFS_MAGIC: rustix::fs::FsWord = 0x6265_6572;
    let kind = rustix::fs::fstatfs(file).map_err(std::io::Error::from)?.f_type;
    if kind == rustix::fs::PROC_SUPER_MAGIC || kind == SYSFS_MAGIC {
        let kind = "a file of /proc or /sys (made up by the kernel as it is read)";
        return Err(ReadError::Refused(Refusal::NotRegular { kind, what: limit.what }));
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn check_filesystem(_file: &std::fs::File, _limit: Limit) -> Result<(), ReadError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limit = Limit { bytes: 16, what: "a test file" };

    fn refusal(result: Result<String, ReadError>) -> Refusal {
        match result {
            Err(ReadError::Refused(r)) => r,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn reads_regular_files_up_to_the_limit() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("f");
        std::fs::write(&path, "0123456789abcdef").expect("write");
        assert_eq!(read_text(&path, SMALL).expect("16 bytes"), "0123456789abcdef");
        std::fs::write(&path, "0123456789abcdefX").expect("write");
        assert_eq!(refusal(read_text(&path, SMALL)), Refusal::TooLarge { limit: SMALL });
    }

    #[test]
    fn a_symlink_to_a_big_file_is_refused_by_the_target_size() {
        let dir = tempfile::tempdir().expect("tmp");
        let big = dir.path().join("big");
        std::fs::write(&big, "x".repeat(100)).expect("write");
        let link = dir.path().join("link");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&big, &link).expect("symlink");
        #[cfg(not(unix))]
        std::fs::copy(&big, &link).expect("copy");
        let r = refusal(read_text(&link, SMALL));
        assert_eq!(r, Refusal::TooLarge { limit: SMALL });
        assert!(r.to_string().contains("the limit for a test file"), "{r}");
    }

    #[test]
    fn directories_and_missing_files() {
        let dir = tempfile::tempdir().expect("tmp");
        let r = refusal(read_text(dir.path(), SMALL));
        assert_eq!(r, Refusal::NotRegular { kind: "a directory", what: "a test file" });
        match read_text(&dir.path().join("missing"), SMALL) {
            Err(ReadError::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::NotFound),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_utf8_text_says_where() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("f");
        std::fs::write(&path, b"ok\xff").expect("write");
        let e = read_text(&path, SMALL).expect_err("not UTF-8");
        assert!(e.to_string().contains("offset 2"), "{e}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        use rustix::fs::{FileType, Mode};
        let dir = tempfile::tempdir().expect("tmp");
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(rustix::fs::CWD, &fifo, FileType::Fifo, Mode::RUSR | Mode::WUSR, 0)
            .expect("mkfifo");
        let r = refusal(read_text(&fifo, SMALL));
        assert_eq!(r, Refusal::NotRegular { kind: "a FIFO (named pipe)", what: "a test file" });
        assert!(r.to_string().contains("not a regular file"), "{r}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused() {
        let r = refusal(read_text(Path::new("/dev/zero"), SMALL));
        assert_eq!(r, Refusal::NotRegular { kind: "a device", what: "a test file" });
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn proc_files_that_claim_to_be_empty_are_refused() {
        for path in ["/proc/self/pagemap", "/proc/self/status"] {
            let r = refusal(read_text(Path::new(path), COMPOSE_FILE));
            assert!(matches!(r, Refusal::NotRegular { .. }), "{path}: {r}");
            assert!(r.to_string().contains("/proc"), "{r}");
        }
    }

    #[test]
    fn refusals_become_io_errors_with_their_message() {
        let e = ReadError::Refused(Refusal::TooLarge { limit: ENV_FILE }).into_io();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
        assert!(e.to_string().contains("1 MiB, the limit for a .env file"), "{e}");
    }
}
