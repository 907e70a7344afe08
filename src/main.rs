//! lvs-dr-gen: renders the Debian network files of LVS direct-routing real
//! servers (VIPs on a dummy interface or lo, the dummy module, the ARP
//! kernel parameters) from one YAML inventory.
//!
//! The pipeline, one module per step: `inventory` parses the YAML,
//! `validate` checks it into the trusted `model`, `render` turns the model
//! into an in-memory tree of files through the templates, and `output` is
//! the only module that touches the disk. `cli` ties them to the command
//! line; `main` only turns its outcome into an exit code.

mod apply;
mod arp;
mod cli;
mod code;
mod diagnostic;
mod import;
mod inventory;
mod keepalived_conf;
mod live;
mod manual;
mod migrate;
mod model;
mod outdir;
mod output;
mod render;
mod rollout;
mod schema;
mod validate;
mod values;
mod verify;
mod yaml;

fn main() -> std::process::ExitCode {
    cli::run()
}
