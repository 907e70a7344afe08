//! The integration tests: every test runs the real `lvs-dr-gen` binary.
//!
//! - `golden`: every case under golden/, output compared byte for byte.
//! - `cli`: the commands' behaviour on disk (idempotence, pruning, foreign
//!   files, check's diff and exit codes, template overrides).
//! - `debian`: the package's version is the crate's.
//! - `property`: generated inventories through the whole pipeline
//!   (render, determinism, refusals); see tests/property/mod.rs.

mod cli;
mod debian;
mod golden;
mod property;
mod support;
