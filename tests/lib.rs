//! The integration tests: most run the real `lvs-dr-gen` binary (through
//! `support::lvs_dr_gen`); those of the pure parts on recorded states
//! (`apply_actions`, `verify_checks`) call the library. The golden cases
//! are a test target of their own, one test per case: tests/golden/main.rs.
//!
//! - `cli`: the commands' behaviour on disk (idempotence, pruning, foreign
//!   files, check's diff and exit codes, template overrides).
//! - `cli_definitions`: the clap definitions consistent, their help texts
//!   as lintian needs them, every command's exit statuses in its help.
//! - `debian`: the package's version is the crate's.
//! - `first_run`: `init`, the help's pointers, check's colours, the
//!   messages of a new user's rough edges.
//! - `migrate`: `diff` on a hand-made machine's root.
//! - `inventory_markdown`: doc/inventory.md is the page the inventory's
//!   types give (the twin of lvs-dr-gen-inventory(5)).
//! - `import`: the import corpus (tests/import/corpus), its counts in doc/.
//! - `json`: `--format json` for valid runs, `check`, output and other errors.
//! - `manual`: the man pages: the format page names every key of the
//!   schema, every page has EXAMPLES and SEE ALSO, and renders cleanly.
//! - `plan`: `plan` on an invalid inventory (its cases: tests/golden/).
//! - `schema`: `lvs-dr-gen schema` is the committed schema.
//! - `property`: generated inventories through the whole pipeline
//!   (render, determinism, refusals); see tests/property/mod.rs.
//! - `safety`: links and special files below the output directory refused,
//!   runs killed at exact points converge, concurrent runs take turns.
//! - `verify`: `verify` on recorded live states and on this machine's.
//! - `verify_checks`: each of verify's checks on live states recorded from
//!   real kernels, passing, then failing with one drift put in.
//! - `apply_actions`: apply's host actions on the same recordings.
//! - `yaml`: the YAML layer (src/yaml/) against `serde_yaml_ng`, the crate
//!   whose reading it promises: every scalar rule, the golden and generated
//!   inventories, corner cases and a fuzz run.

mod apply_actions;
mod cli;
mod cli_definitions;
mod debian;
mod first_run;
mod import;
mod inventory_markdown;
mod json;
mod manual;
mod migrate;
mod plan;
mod property;
mod safety;
mod schema;
mod support;
mod verify;
mod verify_checks;
mod yaml;
