//! The integration tests: every test runs the real `lvs-dr-gen` binary.
//!
//! - `golden`: every case under golden/, output compared byte for byte.
//! - `cli`: the commands' behaviour on disk (idempotence, pruning, foreign
//!   files, check's diff and exit codes, template overrides).
//! - `debian`: the package's version is the crate's.
//! - `json`: `--format json` for valid runs, `check`, output and other errors.
//! - `schema`: `lvs-dr-gen schema` is the committed schema.

mod cli;
mod debian;
mod golden;
mod json;
mod safety;
mod schema;
mod support;
