//! What each engine's region listing showed last (names, owners and server URLs: no secret), so an engine
//! that cannot be reached still shows its regions, marked unknown. One file per project in
//! `$XDG_STATE_HOME/dockmaster/regions-seen`. Best effort: a file that cannot be read or written is as good
//! as none (the listing itself never fails for it).

use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::lifecycle::lock::{self, PrivateDir};
use crate::region::manage::{RegionInfo, Stores};

const DIR_NAME: &str = "regions-seen";
const RELOCATE: &str = "or set XDG_STATE_HOME to a private folder of yours (mode 0700)";

/// A region as last seen on its engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Seen {
    pub name: String,
    pub owner: Option<String>,
    pub server_url: Option<String>,
}

impl Seen {
    pub(super) fn of(region: &RegionInfo) -> Seen {
        Seen { name: region.name.clone(), owner: region.owner.clone(), server_url: region.server_url.clone() }
    }
}

/// Engine name → its regions when last listed.
pub(super) type Memory = BTreeMap<String, Vec<Seen>>;

fn dir(stores: &Stores) -> Option<PathBuf> {
    stores.seen_dir.clone().or_else(|| {
        let vars = crate::env::Environment::process_vars();
        lock::state_home(&vars).map(|s| s.join("dockmaster").join(DIR_NAME))
    })
}

/// The project's file name (Compose project names are already plain; anything else is replaced).
fn file_name(project: &str) -> String {
    let plain: String = project
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    format!("{plain}.json")
}

fn open(stores: &Stores, project: &str, create: bool) -> Option<std::fs::File> {
    let private = PrivateDir::open(&dir(stores)?, RELOCATE).ok()?;
    private.open_file(&file_name(project), create).ok().flatten()
}

/// What was last seen of the project's regions, per engine (nothing when unknown or unreadable).
pub(super) fn load(stores: &Stores, project: &str) -> Memory {
    let Some(mut file) = open(stores, project, false) else { return Memory::new() };
    let mut text = String::new();
    if file.read_to_string(&mut text).is_err() {
        return Memory::new();
    }
    serde_json::from_str(&text).unwrap_or_default()
}

/// Remembers `memory` for the project (failures are ignored: it is a hint, not state).
pub(super) fn save(stores: &Stores, project: &str, memory: &Memory) {
    let Some(mut file) = open(stores, project, true) else { return };
    let Ok(text) = serde_json::to_string(memory) else { return };
    let _ = file.set_len(0).and_then(|()| file.rewind()).and_then(|()| file.write_all(text.as_bytes()));
}
