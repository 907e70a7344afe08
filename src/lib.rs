//! lvs-dr-gen: renders the Debian network files of LVS direct-routing real
//! servers (VIPs on a dummy interface or lo, the dummy module, the ARP
//! kernel parameters) and their directors' keepalived.conf from one YAML
//! inventory, and plans, applies and verifies them on live machines.
//!
//! The library is the program; `main.rs` only calls [`cli::run`]. Its
//! modules are public for the integration tests under `tests/`, not as a
//! stable API. The pipeline, one module per step, no arrow pointing back up:
//! `inventory` parses the YAML (through `yaml`), `validate` checks it into
//! the trusted `model`, `render` turns the model into an in-memory tree of
//! files through the templates, and `output` is the only module that writes
//! the output directory. doc/architecture.md draws the rest.

pub mod apply;
pub mod arp;
pub mod cli;
pub mod code;
pub mod diagnostic;
pub mod inventory;
pub mod live;
pub mod manual;
pub mod migrate;
pub mod model;
pub mod outdir;
pub mod output;
pub mod render;
pub mod rollout;
pub mod schema;
pub mod validate;
pub mod values;
pub mod verify;
mod yaml;
