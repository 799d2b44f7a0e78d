//! The demo image's root file system as a tar archive built in memory: busybox, a symlink per applet the demo
//! uses, `/www`, `/tmp`, and a root user. Also the recipe hash the image is labelled with, computed exactly as
//! scripts/demo-image.sh always did, so an image built by either is recognised as current by both.

use sha2::{Digest, Sha256};
use tar::{Builder, EntryType, Header};

/// Applets the demo's commands and healthchecks use, the service tools' helper containers need (`tar`, `rm`
/// for volume backup and restore), a terminal needs (`stty`, `tty`, `clear`), plus a few for poking around.
pub const APPLETS: &[&str] = &[
    "sh",
    "ash",
    "httpd",
    "wget",
    "nc",
    "sleep",
    "cat",
    "echo",
    "printf",
    "mkdir",
    "ls",
    "env",
    "kill",
    "true",
    "false",
    "test",
    "[",
    "rm",
    "hostname",
    "id",
    "ps",
    "uname",
    "date",
    "head",
    "tail",
    "grep",
    "tar",
    "gzip",
    "stty",
    "tty",
    "clear",
    "sha256sum",
    "find",
    "wc",
    "touch",
    "chmod",
    "chown",
    "cp",
    "mv",
    "du",
    "stat",
    "dd",
];

/// Bump when the layout changes: images labelled with an older hash are rebuilt. 2: `PATH` has
/// `/usr/local/bin` first (the demo's database and cache services mount their client stand-ins there).
pub const RECIPE_VERSION: &str = "2";

/// Every entry's modification time (fixed: the same busybox gives the same archive).
const MTIME: u64 = 1_704_067_200; // 2024-01-01T00:00:00Z

/// The value of the image's `dockmaster.demo.hash` label: the first 16 hex digits of
/// `sha256( "<sha256 of busybox>  -\n" + RECIPE_VERSION + "\n" + each applet + "\n" )` — the text
/// `{ sha256sum <busybox; printf '%s\n' VERSION APPLETS…; } | sha256sum` hashes.
pub fn recipe_hash(busybox: &[u8]) -> String {
    let mut text = format!("{}  -\n{RECIPE_VERSION}\n", hex(&Sha256::digest(busybox)));
    for applet in APPLETS {
        text.push_str(applet);
        text.push('\n');
    }
    hex(&Sha256::digest(text.as_bytes()))[..16].to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The root file system, owned by root: `bin/busybox` (0755) with `bin/<applet>` → `busybox` symlinks,
/// `www/`, `tmp/` (1777), `etc/passwd` and `etc/group` with a root user.
pub fn root_fs_tar(busybox: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut tar = Builder::new(Vec::with_capacity(busybox.len() + 16 * 1024));
    for (dir, mode) in [("bin/", 0o755), ("etc/", 0o755), ("tmp/", 0o1777), ("www/", 0o755)] {
        let mut h = header(EntryType::Directory, mode, 0);
        tar.append_data(&mut h, dir, std::io::empty())?;
    }
    let mut h = header(EntryType::Regular, 0o755, busybox.len());
    tar.append_data(&mut h, "bin/busybox", busybox)?;
    for applet in APPLETS {
        let mut h = header(EntryType::Symlink, 0o777, 0);
        tar.append_link(&mut h, format!("bin/{applet}"), "busybox")?;
    }
    for (path, text) in [("etc/passwd", "root:x:0:0:root:/:/bin/sh\n"), ("etc/group", "root:x:0:\n")] {
        let mut h = header(EntryType::Regular, 0o644, text.len());
        tar.append_data(&mut h, path, text.as_bytes())?;
    }
    tar.into_inner()
}

fn header(kind: EntryType, mode: u32, size: usize) -> Header {
    let mut h = Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(MTIME);
    h.set_size(size as u64);
    h
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Read;

    use super::*;

    #[derive(Debug, PartialEq, Eq)]
    struct Entry {
        path: String,
        kind: EntryType,
        mode: u32,
        owner: (u64, u64),
        link: Option<String>,
        data: Vec<u8>,
    }

    fn entries(archive: &[u8]) -> Vec<Entry> {
        let mut out = Vec::new();
        let mut ar = tar::Archive::new(archive);
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let h = e.header().clone();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            out.push(Entry {
                path: e.path().unwrap().display().to_string(),
                kind: h.entry_type(),
                mode: h.mode().unwrap(),
                owner: (h.uid().unwrap(), h.gid().unwrap()),
                link: e.link_name().unwrap().map(|l| l.display().to_string()),
                data,
            });
        }
        out
    }

    #[test]
    fn the_archive_holds_busybox_its_applets_and_a_root_user_all_owned_by_root() {
        let busybox = b"\x7fELF pretend busybox".to_vec();
        let archive = root_fs_tar(&busybox).unwrap();
        let got = entries(&archive);

        let dirs: Vec<(&str, u32)> = got
            .iter()
            .filter(|e| e.kind == EntryType::Directory)
            .map(|e| (e.path.as_str(), e.mode))
            .collect();
        assert_eq!(dirs, [("bin/", 0o755), ("etc/", 0o755), ("tmp/", 0o1777), ("www/", 0o755)]);

        let bin = got.iter().find(|e| e.path == "bin/busybox").unwrap();
        assert_eq!((bin.kind, bin.mode, &bin.data), (EntryType::Regular, 0o755, &busybox));

        let links: Vec<(&str, &str)> = got
            .iter()
            .filter(|e| e.kind == EntryType::Symlink)
            .map(|e| (e.path.as_str(), e.link.as_deref().unwrap()))
            .collect();
        let expected: Vec<String> = APPLETS.iter().map(|a| format!("bin/{a}")).collect();
        assert_eq!(links.iter().map(|(p, _)| p.to_string()).collect::<Vec<_>>(), expected);
        assert!(links.iter().all(|(_, target)| *target == "busybox"));

        let passwd = got.iter().find(|e| e.path == "etc/passwd").unwrap();
        assert_eq!(String::from_utf8_lossy(&passwd.data), "root:x:0:0:root:/:/bin/sh\n");
        let group = got.iter().find(|e| e.path == "etc/group").unwrap();
        assert_eq!(String::from_utf8_lossy(&group.data), "root:x:0:\n");

        assert!(got.iter().all(|e| e.owner == (0, 0)), "every entry is root's");
        assert_eq!(got.len(), 4 + 1 + APPLETS.len() + 2, "nothing else in the archive");
        // The same busybox gives the same bytes (no clock, no user names in the archive).
        assert_eq!(root_fs_tar(&busybox).unwrap(), archive);
    }

    #[test]
    fn the_hash_is_the_one_the_shell_recipe_computes() {
        // `{ printf 'hello' | sha256sum; printf '%s\n' 2 sh ash … dd; } | sha256sum | cut -c1-16`, run with
        // bash on Debian 12 (coreutils 9.1) with the applet list above.
        assert_eq!(recipe_hash(b"hello"), "53919466e4c33065");
        assert_ne!(recipe_hash(b"hello"), recipe_hash(b"hello!"));
        assert_eq!(recipe_hash(b"hello").len(), 16);
    }
}
