//! Finding the demo image's only program: a statically linked busybox (Debian's `busybox-static`). The image has
//! no C library, so a dynamically linked one (Debian's `busybox`) would not start in it: an ELF file is static
//! when it asks for no program interpreter (no `PT_INTERP` program header).

use std::path::{Path, PathBuf};

use super::error::DemoError;

/// Where busybox is looked for, in order (Debian's busybox-static installs `/bin/busybox`).
pub const BUSYBOX_CANDIDATES: &[&str] =
    &["/bin/busybox", "/usr/bin/busybox", "/sbin/busybox", "/usr/sbin/busybox"];

/// The package that provides a static busybox (named in errors and in the `.deb`'s Recommends).
pub const BUSYBOX_PACKAGE: &str = "busybox-static";

/// A static busybox, read into memory.
pub struct Busybox {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// How an ELF file is linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElfLinking {
    /// No program interpreter: runs without a C library.
    Static,
    /// Needs the named program interpreter (the dynamic loader, e.g. `/lib64/ld-linux-x86-64.so.2`).
    Dynamic { interpreter: String },
    /// Not an ELF file at all.
    NotElf,
    /// Starts like ELF but its headers cannot be read.
    Malformed(&'static str),
}

const PT_INTERP: u32 = 3;

/// Reads the ELF header and program headers of `bytes` (32 or 64 bit, either byte order).
pub fn elf_linking(bytes: &[u8]) -> ElfLinking {
    if bytes.len() < 16 || &bytes[..4] != b"\x7fELF" {
        return ElfLinking::NotElf;
    }
    let wide = match bytes[4] {
        1 => false,
        2 => true,
        _ => return ElfLinking::Malformed("unknown ELF class"),
    };
    let big = match bytes[5] {
        1 => false,
        2 => true,
        _ => return ElfLinking::Malformed("unknown ELF byte order"),
    };
    let read = Reader { bytes, big };
    // (e_phoff, e_phentsize, e_phnum) live at different offsets in 32- and 64-bit headers.
    let header = if wide {
        (read.u64(32), read.u16(54), read.u16(56))
    } else {
        (read.u32(28).map(u64::from), read.u16(42), read.u16(44))
    };
    let (Some(phoff), Some(phentsize), Some(phnum)) = header else {
        return ElfLinking::Malformed("truncated ELF header");
    };
    if phnum == u16::MAX {
        return ElfLinking::Malformed("too many program headers to read");
    }
    let Ok(phoff) = usize::try_from(phoff) else {
        return ElfLinking::Malformed("program headers out of range");
    };
    let min_entry = if wide { 56 } else { 32 };
    if phnum > 0 && usize::from(phentsize) < min_entry {
        return ElfLinking::Malformed("program header entries too small");
    }
    for i in 0..usize::from(phnum) {
        let at = phoff.saturating_add(i.saturating_mul(usize::from(phentsize)));
        let Some(p_type) = read.u32(at) else {
            return ElfLinking::Malformed("program headers past the end of the file");
        };
        if p_type != PT_INTERP {
            continue;
        }
        // p_offset / p_filesz: where the interpreter's path is.
        let place = if wide {
            (read.u64(at + 8), read.u64(at + 32))
        } else {
            (read.u32(at + 4).map(u64::from), read.u32(at + 16).map(u64::from))
        };
        let interpreter = match place {
            (Some(off), Some(len)) => usize::try_from(off)
                .ok()
                .zip(usize::try_from(len).ok())
                .and_then(|(off, len)| bytes.get(off..off.checked_add(len)?))
                .map(|raw| String::from_utf8_lossy(raw).trim_end_matches('\0').to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        return ElfLinking::Dynamic { interpreter };
    }
    ElfLinking::Static
}

struct Reader<'a> {
    bytes: &'a [u8],
    big: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        self.bytes.get(at..at.checked_add(N)?)?.try_into().ok()
    }
    fn u16(&self, at: usize) -> Option<u16> {
        self.take(at).map(|b| if self.big { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) })
    }
    fn u32(&self, at: usize) -> Option<u32> {
        self.take(at).map(|b| if self.big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    }
    fn u64(&self, at: usize) -> Option<u64> {
        self.take(at).map(|b| if self.big { u64::from_be_bytes(b) } else { u64::from_le_bytes(b) })
    }
}

/// The first static busybox among `candidates`. None found: [`DemoError::BusyboxDynamic`] when a dynamically
/// linked one was there (it names it), else [`DemoError::BusyboxMissing`]; both name the package to install.
pub fn find_busybox(candidates: &[&Path]) -> Result<Busybox, DemoError> {
    let mut dynamic: Option<PathBuf> = None;
    let mut unusable: Vec<String> = Vec::new();
    for path in candidates {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                unusable.push(format!("{} ({e})", path.display()));
                continue;
            }
        };
        match elf_linking(&bytes) {
            ElfLinking::Static => return Ok(Busybox { path: path.to_path_buf(), bytes }),
            ElfLinking::Dynamic { .. } => {
                dynamic.get_or_insert_with(|| path.to_path_buf());
            }
            ElfLinking::NotElf => unusable.push(format!("{} (not a program)", path.display())),
            ElfLinking::Malformed(why) => unusable.push(format!("{} ({why})", path.display())),
        }
    }
    match dynamic {
        Some(path) => Err(DemoError::BusyboxDynamic { path }),
        None => Err(DemoError::BusyboxMissing {
            searched: candidates.iter().map(|p| p.display().to_string()).collect(),
            unusable,
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A minimal 64-bit little-endian ELF file with one program header of each given type; a PT_INTERP entry
    /// points at `interp`.
    fn elf64(types: &[u32], interp: &str) -> Vec<u8> {
        let phoff = 64usize;
        let data = phoff + 56 * types.len();
        let mut b = vec![0u8; data];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2; // 64-bit
        b[5] = 1; // little-endian
        b[32..40].copy_from_slice(&(phoff as u64).to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&(types.len() as u16).to_le_bytes());
        for (i, t) in types.iter().enumerate() {
            let at = phoff + 56 * i;
            b[at..at + 4].copy_from_slice(&t.to_le_bytes());
            if *t == PT_INTERP {
                b[at + 8..at + 16].copy_from_slice(&(data as u64).to_le_bytes());
                b[at + 32..at + 40].copy_from_slice(&(interp.len() as u64 + 1).to_le_bytes());
            }
        }
        b.extend_from_slice(interp.as_bytes());
        b.push(0);
        b
    }

    /// The same for 32-bit big-endian.
    fn elf32_be(types: &[u32], interp: &str) -> Vec<u8> {
        let phoff = 52usize;
        let data = phoff + 32 * types.len();
        let mut b = vec![0u8; data];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 1;
        b[5] = 2;
        b[28..32].copy_from_slice(&(phoff as u32).to_be_bytes());
        b[42..44].copy_from_slice(&32u16.to_be_bytes());
        b[44..46].copy_from_slice(&(types.len() as u16).to_be_bytes());
        for (i, t) in types.iter().enumerate() {
            let at = phoff + 32 * i;
            b[at..at + 4].copy_from_slice(&t.to_be_bytes());
            if *t == PT_INTERP {
                b[at + 4..at + 8].copy_from_slice(&(data as u32).to_be_bytes());
                b[at + 16..at + 20].copy_from_slice(&(interp.len() as u32 + 1).to_be_bytes());
            }
        }
        b.extend_from_slice(interp.as_bytes());
        b.push(0);
        b
    }

    #[test]
    fn program_headers_without_an_interpreter_are_static() {
        // PT_LOAD, PT_NOTE, PT_GNU_STACK: what a static busybox has.
        assert_eq!(elf_linking(&elf64(&[1, 4, 0x6474_e551], "")), ElfLinking::Static);
        assert_eq!(elf_linking(&elf32_be(&[1, 1], "")), ElfLinking::Static);
    }

    #[test]
    fn an_interpreter_makes_it_dynamic_and_is_named() {
        let ld = "/lib64/ld-linux-x86-64.so.2";
        assert_eq!(
            elf_linking(&elf64(&[6, PT_INTERP, 1, 2], ld)),
            ElfLinking::Dynamic { interpreter: ld.into() }
        );
        assert_eq!(
            elf_linking(&elf32_be(&[PT_INTERP, 1], "/lib/ld.so.1")),
            ElfLinking::Dynamic { interpreter: "/lib/ld.so.1".into() }
        );
    }

    #[test]
    fn other_files_are_not_elf_and_damaged_headers_are_malformed() {
        assert_eq!(elf_linking(b"#!/bin/sh\necho hi\n"), ElfLinking::NotElf);
        assert_eq!(elf_linking(b""), ElfLinking::NotElf);
        let mut bad_class = elf64(&[1], "");
        bad_class[4] = 7;
        assert!(matches!(elf_linking(&bad_class), ElfLinking::Malformed(_)));
        // Program headers said to be past the end of the file.
        let mut cut = elf64(&[1, PT_INTERP], "/ld");
        cut.truncate(80);
        assert!(matches!(elf_linking(&cut), ElfLinking::Malformed(_)));
        assert!(matches!(elf_linking(&elf64(&[1], "")[..40]), ElfLinking::Malformed(_)));
    }

    /// This test binary is a real dynamically linked program (Rust links against the C library by default).
    #[test]
    fn this_test_program_is_dynamic() {
        let me = std::env::current_exe().unwrap();
        let bytes = std::fs::read(&me).unwrap();
        match elf_linking(&bytes) {
            ElfLinking::Dynamic { interpreter } => assert!(interpreter.contains("ld"), "{interpreter}"),
            other => panic!("{} should be dynamic, got {other:?}", me.display()),
        }
    }

    #[test]
    fn finding_busybox_skips_missing_files_and_names_a_dynamic_one() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nothing-here");
        let script = dir.path().join("script");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        let dynamic = dir.path().join("dynamic");
        std::fs::write(&dynamic, elf64(&[PT_INTERP], "/lib/ld.so")).unwrap();
        let fine = dir.path().join("static");
        std::fs::write(&fine, elf64(&[1], "")).unwrap();

        let found = find_busybox(&[&missing, &script, &dynamic, &fine]).unwrap();
        assert_eq!(found.path, fine);

        let err = find_busybox(&[&missing, &dynamic, &script]).err().unwrap();
        let text = err.to_string();
        assert!(matches!(err, DemoError::BusyboxDynamic { .. }), "{text}");
        assert!(text.contains(&dynamic.display().to_string()) && text.contains(BUSYBOX_PACKAGE), "{text}");

        let err = find_busybox(&[&missing, &script]).err().unwrap();
        let text = err.to_string();
        assert!(matches!(err, DemoError::BusyboxMissing { .. }), "{text}");
        assert!(text.contains("nothing-here") && text.contains(BUSYBOX_PACKAGE), "{text}");
        assert!(text.contains("not a program"), "{text}");
    }

    /// On a machine with Debian's busybox-static (scripts/setup.sh installs it), the real one is found and static.
    #[test]
    fn the_installed_busybox_is_static() {
        let candidates: Vec<&Path> = BUSYBOX_CANDIDATES.iter().map(Path::new).collect();
        let found = find_busybox(&candidates).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(elf_linking(&found.bytes), ElfLinking::Static);
        assert!(found.bytes.len() > 100_000, "a real busybox is larger than {} bytes", found.bytes.len());
    }
}
