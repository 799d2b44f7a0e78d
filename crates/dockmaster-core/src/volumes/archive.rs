//! Volume archives on this machine: a gzip-compressed tar written through a temporary file renamed into place
//! (never half a file under the final name, mode 0600: it holds the volume's data), its SHA-256 in a
//! `sha256sum`-style file beside it, and the check before a restore — checksum, then a full read of every
//! entry — so a truncated or corrupted archive is refused before anything is touched.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};

/// The checksum file of `archive`: `<archive>.sha256`.
pub fn checksum_path(archive: &Path) -> PathBuf {
    let mut name = archive.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a finished archive is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub sha256: String,
    /// Bytes of the compressed archive.
    pub bytes: u64,
    /// Bytes of tar read from the helper.
    pub tar_bytes: u64,
}

/// Counts and hashes what goes to the file.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// An archive being written: tar bytes in, compressed into a temporary file next to the target.
pub struct ArchiveWriter {
    target: PathBuf,
    partial: PathBuf,
    gz: Option<GzEncoder<Hashing<File>>>,
    tar_bytes: u64,
}

impl std::fmt::Debug for ArchiveWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveWriter").field("target", &self.target).finish_non_exhaustive()
    }
}

impl ArchiveWriter {
    /// Starts `target` (and its checksum file). Refused when either exists and `overwrite` is false.
    pub fn create(target: &Path, overwrite: bool) -> Result<ArchiveWriter, String> {
        let sum = checksum_path(target);
        if !overwrite {
            for existing in [target, sum.as_path()] {
                if std::fs::symlink_metadata(existing).is_ok() {
                    return Err(format!(
                        "{} already exists: choose another file (nothing is overwritten unless you say so)",
                        existing.display()
                    ));
                }
            }
        }
        let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(format!("{} is not a folder: choose a file in an existing folder", dir.display()));
        }
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.is_empty() {
            return Err(format!("{} names no file", target.display()));
        }
        let partial = dir.join(format!(".{name}.partial-{}-{:08x}", std::process::id(), fastrand::u32(..)));
        let file = open_private(&partial).map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
        let gz =
            GzEncoder::new(Hashing { inner: file, hash: Sha256::new(), bytes: 0 }, Compression::default());
        Ok(ArchiveWriter { target: target.to_path_buf(), partial, gz: Some(gz), tar_bytes: 0 })
    }

    /// Compresses the next tar bytes into the file.
    pub fn write(&mut self, tar: &[u8]) -> Result<(), String> {
        let gz = self.gz.as_mut().ok_or("the archive is already finished")?;
        gz.write_all(tar).map_err(|e| format!("cannot write {}: {e}", self.partial.display()))?;
        self.tar_bytes += tar.len() as u64;
        Ok(())
    }

    /// Bytes of the compressed file so far.
    pub fn written(&self) -> u64 {
        self.gz.as_ref().map_or(0, |gz| gz.get_ref().bytes)
    }

    /// Ends the archive: flushed to disk, renamed into place, its checksum file written beside it.
    pub fn finish(mut self) -> Result<Written, String> {
        let gz = self.gz.take().ok_or("the archive is already finished")?;
        let failed = |e: std::io::Error| format!("cannot write {}: {e}", self.partial.display());
        let hashing = gz.finish().map_err(failed)?;
        hashing.inner.sync_all().map_err(failed)?;
        let sha256 = hex(&hashing.hash.finalize());
        let bytes = hashing.bytes;
        std::fs::rename(&self.partial, &self.target)
            .map_err(|e| format!("cannot move the archive to {}: {e}", self.target.display()))?;
        let name = self.target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        write_checksum(&checksum_path(&self.target), &sha256, &name)?;
        Ok(Written { sha256, bytes, tar_bytes: self.tar_bytes })
    }
}

impl Drop for ArchiveWriter {
    fn drop(&mut self) {
        // Not finished (failed, cancelled): only the temporary file this writer made goes.
        if self.gz.is_some() {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes `<hex>  <name>\n` (what `sha256sum` prints) through a temporary file renamed into place.
fn write_checksum(path: &Path, sha256: &str, name: &str) -> Result<(), String> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".checksum-{}-{:08x}", std::process::id(), fastrand::u32(..)));
    let result = (|| {
        let mut file = open_private(&tmp)?;
        file.write_all(format!("{sha256}  {name}\n").as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write the checksum file {}: {e}", path.display())
    })
}

/// What a restore may use, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub sha256: String,
    /// Files, folders and links in it.
    pub entries: u32,
    /// Bytes of tar it unpacks to.
    pub tar_bytes: u64,
}

/// Checks an archive before anything is restored from it: its checksum file names this file and the same
/// SHA-256 as its bytes, and every entry reads to its end (gzip's own CRC and length included) with a path
/// inside the volume. Each failure says what is wrong.
pub fn check(archive: &Path) -> Result<Checked, String> {
    let shown = archive.display();
    let sum_path = checksum_path(archive);
    let limit = crate::fsutil::Limit { bytes: 4096, what: "a checksum file" };
    let sum_text = crate::fsutil::read_text(&sum_path, limit).map_err(|e| {
        format!(
            "the checksum file {} cannot be read ({e}): a backup made by Dockmaster has one beside its archive",
            sum_path.display()
        )
    })?;
    let expected = sum_text
        .split_whitespace()
        .next()
        .filter(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| format!("{} holds no SHA-256 (64 hexadecimal digits)", sum_path.display()))?;

    let mut file = File::open(archive).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !file.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return Err(format!("{shown} is not a regular file"));
    }
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(|e| format!("cannot read {shown}: {e}"))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    let actual = hex(&hash.finalize());
    if actual != expected {
        return Err(format!(
            "{shown} does not match its checksum (SHA-256 {actual}, {} says {expected}): it is truncated or \
             corrupted — nothing was restored; use an intact copy",
            sum_path.display()
        ));
    }

    let file = File::open(archive).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
    let broken = |e: std::io::Error| {
        format!("{shown} is not a complete gzip-compressed tar archive ({e}): nothing was restored")
    };
    let mut entries = 0u32;
    let mut tar_bytes = 0u64;
    for entry in tar.entries().map_err(broken)? {
        let mut entry = entry.map_err(broken)?;
        let path = entry.path().map_err(broken)?.into_owned();
        if path.is_absolute() || path.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
            return Err(format!(
                "{shown} holds `{}`, a path outside the volume: it was not made by Dockmaster's backup",
                path.display()
            ));
        }
        tar_bytes += std::io::copy(&mut entry, &mut std::io::sink()).map_err(broken)? + 512;
        entries += 1;
    }
    // The decoder must have reached gzip's end (its CRC and length are checked there), not stopped at tar's.
    let mut rest = tar.into_inner();
    std::io::copy(&mut rest, &mut std::io::sink()).map_err(broken)?;
    if entries == 0 {
        return Err(format!("{shown} holds no entry at all: it is not a volume backup"));
    }
    Ok(Checked { sha256: actual, entries, tar_bytes })
}

/// The tar stream of a checked archive, decompressed, in pieces of about `chunk` bytes (for the helper's
/// input).
pub fn tar_pieces(
    archive: &Path,
    chunk: usize,
) -> Result<impl Iterator<Item = Result<Vec<u8>, String>>, String> {
    let shown = archive.display().to_string();
    let file = File::open(archive).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mut gz = GzDecoder::new(BufReader::new(file));
    let mut done = false;
    Ok(std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut buf = vec![0u8; chunk];
        let mut filled = 0;
        while filled < chunk {
            match gz.read(&mut buf[filled..]) {
                Ok(0) => {
                    done = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) => {
                    done = true;
                    return Some(Err(format!("cannot read {shown}: {e}")));
                }
            }
        }
        buf.truncate(filled);
        (!buf.is_empty()).then_some(Ok(buf))
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A small tar: a folder, a file, a link.
    fn tar_bytes() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut dir = tar::Header::new_gnu();
        dir.set_entry_type(tar::EntryType::Directory);
        dir.set_mode(0o755);
        dir.set_size(0);
        b.append_data(&mut dir, "./data/", std::io::empty()).unwrap();
        let body = b"known contents\n".repeat(1000);
        let mut file = tar::Header::new_gnu();
        file.set_mode(0o640);
        file.set_size(body.len() as u64);
        b.append_data(&mut file, "./data/file.txt", body.as_slice()).unwrap();
        let mut link = tar::Header::new_gnu();
        link.set_entry_type(tar::EntryType::Symlink);
        link.set_size(0);
        b.append_link(&mut link, "./data/link", "file.txt").unwrap();
        b.into_inner().unwrap()
    }

    fn write_archive(dir: &Path) -> (PathBuf, Written) {
        let target = dir.join("vol.tar.gz");
        let mut w = ArchiveWriter::create(&target, false).unwrap();
        for piece in tar_bytes().chunks(700) {
            w.write(piece).unwrap();
        }
        (target.clone(), w.finish().unwrap())
    }

    #[test]
    fn an_archive_round_trips_with_its_checksum_file_and_private_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let (target, written) = write_archive(tmp.path());
        let sum = std::fs::read_to_string(checksum_path(&target)).unwrap();
        assert_eq!(sum, format!("{}  vol.tar.gz\n", written.sha256));
        assert_eq!(written.bytes, std::fs::metadata(&target).unwrap().len());
        assert_eq!(written.tar_bytes, tar_bytes().len() as u64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let checked = check(&target).unwrap();
        assert_eq!((checked.sha256, checked.entries), (written.sha256, 3));
        let back: Vec<u8> = tar_pieces(&target, 1000).unwrap().flat_map(Result::unwrap).collect();
        assert_eq!(back, tar_bytes());
        // Only the archive and its checksum are left (no temporary file).
        let mut names: Vec<_> =
            std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names, ["vol.tar.gz", "vol.tar.gz.sha256"]);
    }

    #[test]
    fn an_existing_file_is_never_overwritten_unless_asked_and_a_dropped_writer_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let (target, _) = write_archive(tmp.path());
        let before = std::fs::read(&target).unwrap();
        let err = ArchiveWriter::create(&target, false).unwrap_err();
        assert!(err.contains("already exists"), "{err}");
        assert_eq!(std::fs::read(&target).unwrap(), before);
        let mut w = ArchiveWriter::create(&tmp.path().join("other.tar.gz"), false).unwrap();
        w.write(b"some").unwrap();
        drop(w);
        let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(ArchiveWriter::create(&target, true).is_ok());
    }

    #[test]
    fn truncated_corrupted_or_unchecked_archives_are_refused_with_why() {
        let tmp = tempfile::tempdir().unwrap();
        let (target, written) = write_archive(tmp.path());
        let good = std::fs::read(&target).unwrap();

        std::fs::write(&target, &good[..good.len() / 2]).unwrap();
        let err = check(&target).unwrap_err();
        assert!(err.contains("does not match its checksum") && err.contains("truncated"), "{err}");

        let mut flipped = good.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x55;
        std::fs::write(&target, &flipped).unwrap();
        assert!(check(&target).unwrap_err().contains("does not match its checksum"));

        // Corrupted with a checksum made to match: the full read still finds it.
        let sum = hex(&Sha256::digest(&flipped));
        std::fs::write(checksum_path(&target), format!("{sum}  vol.tar.gz\n")).unwrap();
        let err = check(&target).unwrap_err();
        assert!(err.contains("not a complete gzip-compressed tar archive"), "{err}");

        // Truncated with a matching checksum: gzip's end is missing.
        let cut = &good[..good.len() - 9];
        std::fs::write(&target, cut).unwrap();
        std::fs::write(checksum_path(&target), format!("{}  vol.tar.gz\n", hex(&Sha256::digest(cut))))
            .unwrap();
        assert!(check(&target).unwrap_err().contains("not a complete"), "a cut gzip end is found");

        std::fs::write(&target, &good).unwrap();
        std::fs::remove_file(checksum_path(&target)).unwrap();
        assert!(check(&target).unwrap_err().contains("checksum file"));
        std::fs::write(checksum_path(&target), "nonsense\n").unwrap();
        assert!(check(&target).unwrap_err().contains("holds no SHA-256"));
        std::fs::write(checksum_path(&target), format!("{}  vol.tar.gz\n", written.sha256)).unwrap();
        assert!(check(&target).is_ok());
    }

    #[test]
    fn paths_outside_the_volume_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("evil.tar.gz");
        let mut raw = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        // The builder refuses `..`, so write the name into the header by hand.
        h.as_gnu_mut().unwrap().name[..11].copy_from_slice(b"../escape.x");
        h.set_cksum();
        raw.append(&h, &b"x"[..]).unwrap();
        let mut w = ArchiveWriter::create(&target, false).unwrap();
        w.write(&raw.into_inner().unwrap()).unwrap();
        w.finish().unwrap();
        let err = check(&target).unwrap_err();
        assert!(err.contains("outside the volume"), "{err}");
    }
}
