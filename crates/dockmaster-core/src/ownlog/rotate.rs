//! The log file, bounded: `dockmaster.log` grows to a limit, then becomes `dockmaster.log.1` (replacing the
//! previous one) and a new file starts — at most two files of about `max_bytes` each. Several processes (the
//! window and the CLI) may append to the same folder: each record is one append, and a process whose file was
//! rotated by another reopens the name before it writes.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The current file's name in the log folder.
pub const FILE_NAME: &str = "dockmaster.log";
/// The previous file's name.
pub const OLD_FILE_NAME: &str = "dockmaster.log.1";

/// An appending, size-bounded log file.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    old: PathBuf,
    max_bytes: u64,
    file: Option<File>,
}

impl RotatingFile {
    /// Opens (creating it and its folder, private to the user) `dir/dockmaster.log`.
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<RotatingFile> {
        create_private_dir(dir)?;
        let mut file = RotatingFile {
            path: dir.join(FILE_NAME),
            old: dir.join(OLD_FILE_NAME),
            max_bytes: max_bytes.max(1024),
            file: None,
        };
        file.file = Some(file.open_current()?);
        Ok(file)
    }

    fn open_current(&self) -> io::Result<File> {
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(&self.path)
    }

    /// Appends one record, rotating first when it would take the file past its limit.
    pub fn append(&mut self, record: &[u8]) -> io::Result<()> {
        let on_disk = std::fs::metadata(&self.path).ok();
        let size = on_disk.as_ref().map_or(0, |m| m.len());
        if size > 0 && size.saturating_add(record.len() as u64) > self.max_bytes {
            // Another process may have rotated a moment ago: a failed rename just means a new file is due.
            let _ = std::fs::rename(&self.path, &self.old);
            self.file = Some(self.open_current()?);
        } else if on_disk.is_none() || !self.same_file(on_disk.as_ref()) {
            self.file = Some(self.open_current()?);
        }
        match self.file.as_mut() {
            Some(file) => file.write_all(record),
            None => Err(io::Error::other("the log file is not open")),
        }
    }

    #[cfg(unix)]
    fn same_file(&self, on_disk: Option<&std::fs::Metadata>) -> bool {
        use std::os::unix::fs::MetadataExt;
        let ours = self.file.as_ref().and_then(|f| f.metadata().ok());
        match (ours, on_disk) {
            (Some(a), Some(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }

    #[cfg(not(unix))]
    fn same_file(&self, on_disk: Option<&std::fs::Metadata>) -> bool {
        self.file.is_some() && on_disk.is_some()
    }
}

pub(super) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The last `max_bytes` of the log (the previous file, then the current one), from the first whole line.
pub fn tail(dir: &Path, max_bytes: usize) -> io::Result<Option<String>> {
    let mut bytes = Vec::new();
    let mut found = false;
    for name in [OLD_FILE_NAME, FILE_NAME] {
        match std::fs::read(dir.join(name)) {
            Ok(content) => {
                found = true;
                bytes.extend_from_slice(&content);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    if !found {
        return Ok(None);
    }
    if bytes.len() > max_bytes {
        let cut = bytes.len() - max_bytes;
        let start = memchr::memchr(b'\n', &bytes[cut..]).map_or(bytes.len(), |i| cut + i + 1);
        bytes.drain(..start);
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn read(dir: &Path, name: &str) -> String {
        std::fs::read_to_string(dir.join(name)).unwrap_or_default()
    }

    #[test]
    fn the_file_rotates_at_its_limit_and_two_files_at_most_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("logs");
        let mut log = RotatingFile::open(&folder, 1024).unwrap();
        for i in 0..100 {
            log.append(format!("record {i:03} {}\n", "x".repeat(40)).as_bytes()).unwrap();
        }
        let names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        for name in [FILE_NAME, OLD_FILE_NAME] {
            let size = std::fs::metadata(folder.join(name)).unwrap().len();
            assert!(size <= 1024, "{name}: {size} bytes");
        }
        assert!(read(&folder, FILE_NAME).ends_with(&format!("record 099 {}\n", "x".repeat(40))));
        let tail = tail(&folder, 200).unwrap().unwrap();
        assert!(tail.starts_with("record "), "the tail starts at a whole line: {tail}");
        assert!(tail.ends_with(&format!("record 099 {}\n", "x".repeat(40))));
        assert!(tail.len() <= 200);
    }

    #[test]
    fn a_file_rotated_by_another_process_is_reopened_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut one = RotatingFile::open(dir.path(), 4096).unwrap();
        let mut two = RotatingFile::open(dir.path(), 4096).unwrap();
        one.append(b"one 1\n").unwrap();
        std::fs::rename(dir.path().join(FILE_NAME), dir.path().join(OLD_FILE_NAME)).unwrap();
        two.append(b"two 1\n").unwrap();
        one.append(b"one 2\n").unwrap();
        assert_eq!(read(dir.path(), OLD_FILE_NAME), "one 1\n");
        assert_eq!(read(dir.path(), FILE_NAME), "two 1\none 2\n");
    }

    #[test]
    fn no_log_yet_has_no_tail() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(tail(dir.path(), 100).unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn the_folder_and_file_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("a").join("logs");
        RotatingFile::open(&folder, 4096).unwrap().append(b"x\n").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&folder.join(FILE_NAME)), 0o600);
    }
}
