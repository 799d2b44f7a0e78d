//! The demo project, from any build of Dockmaster (installed or not): its files, compiled in, copied into a
//! folder (`install`), and its one image, `dockmaster/demo-busybox:latest`, built locally from a static busybox
//! and imported through the engine when it is missing (`ensure_image`). Nothing is ever pulled.

mod busybox;
mod error;
mod files;
mod image;
mod rootfs;

pub use busybox::{elf_linking, find_busybox, Busybox, ElfLinking, BUSYBOX_CANDIDATES, BUSYBOX_PACKAGE};
pub use error::DemoError;
pub use files::{install, install_in_background, DemoCopy, DemoFile, DEMO_FILES, DEMO_SOURCE_EXCLUDED};
pub use image::{
    ensure_image, ensure_image_from_env, DemoImageEvent, DemoImageReport, ImageOutcome, ImageTarget,
};
pub use rootfs::{recipe_hash, root_fs_tar, APPLETS, RECIPE_VERSION};

/// The image every service of the demo runs (`image:` in demo/docker-compose.yml).
pub const IMAGE_REPO: &str = "dockmaster/demo-busybox";
pub const IMAGE_TAG: &str = "latest";
