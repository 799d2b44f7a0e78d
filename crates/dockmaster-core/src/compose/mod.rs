//! Compose files: discovery, interpolation, YAML loading, override merging and the typed model.

pub mod discover;
pub mod guard;
pub mod interpolate;
pub mod mask;
pub mod merge;
pub mod model;
pub mod mounts;
pub mod node;
pub mod ports;
