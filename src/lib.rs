//! lvs-dr-gen: renders the Debian network files of LVS direct-routing real
//! servers (VIPs on a dummy interface or lo, the dummy module, the ARP
//! kernel parameters) and their directors' keepalived.conf from one YAML
//! inventory, and plans, applies and verifies them on live machines.
//!
//! The library is the program; `main.rs` only calls [`app::run`]. Its
//! modules are public for the integration tests under `tests/`, not as a
//! stable API. The layers, each using only those below it
//! (doc/architecture.md draws them):
//!
//! - `app` runs the program: `cli` (the command line's definitions),
//!   `commands` (one module per command, each returning an `outcome`),
//!   `report` (one renderer per output format) and `exit` (the statuses).
//! - The pipeline: `inventory` parses the YAML (through `yaml`), `validate`
//!   checks it into the trusted model (`validate::model`), `render` turns the model into an
//!   in-memory tree of files through the templates, and `output` is the
//!   only module that writes the output directory (through `outdir`).
//! - Live machines: `machine` (one machine of the inventory and its files),
//!   `live` (reads a machine's state), `verify` (compares it, pure),
//!   `apply` (the host actions, pure, and their executor), `diff` (installed
//!   files against rendered ones), `rollout` (the plan between two
//!   inventories, pure), `deployed` (the inventory a cluster was last rolled
//!   out with), `import` (an inventory from running directors'
//!   keepalived.conf, read by `keepalived_conf`), `arp`, and `agent` (the
//!   VIP-aware health agent a real server runs for the directors' checks).
//! - Sites: `site` (several clusters' inventories, each validated as
//!   `validate` does, and checked together).
//! - `outcome`: what a command produced, which `report` prints and `exit`
//!   turns into the exit status.
//! - Beside them: `schema` and `manual` (generated from the types and the
//!   command line), `diagnostic`, `code` and `values`.

pub mod agent;
pub mod app;
pub mod apply;
pub mod arp;
pub mod cli;
pub mod code;
pub mod commands;
pub mod deployed;
pub mod diagnostic;
pub mod diff;
pub mod exit;
pub mod import;
pub mod inventory;
pub mod keepalived_conf;
pub mod live;
pub mod machine;
pub mod manual;
pub mod outcome;
pub mod outdir;
pub mod output;
pub mod render;
pub mod report;
pub mod rollout;
pub mod schema;
pub mod site;
pub mod validate;
pub mod values;
pub mod verify;
pub mod yaml;
