//! The commands, one module each: each takes its parsed arguments, does
//! its work through the pipeline (inventory → validate → render → output,
//! or a live machine through `live`, `verify` and `apply`) and returns an
//! [`Outcome`], or the [`Failure`] that stopped it. None of them prints.
//! What several of them start with (loading the inventory, setting up the
//! renderer, naming the machine a command runs on) is in `setup`.

pub mod apply;
pub mod check;
pub mod deployed;
pub mod diff;
pub mod import;
pub mod init;
mod options;
pub mod plan;
pub mod render;
mod setup;
pub mod site;
pub mod validate;
pub mod verify;

use std::fs;
use std::path::Path;

use crate::cli::{Command, CompletionShell};
use crate::outcome::{Failure, Outcome, Trouble};
use crate::{cli, manual, report, schema};

/// Runs `command`; returns its outcome and the format to report it in.
pub fn run(command: Command) -> (Outcome, report::Format) {
    let text = report::Format::Text;
    let (result, format) = match command {
        Command::Render(args) => {
            let format = args.report.format.into();
            (render::run(&args), format)
        }
        Command::Check(args) => {
            let format = args.output.report.format.into();
            (check::run(&args), format)
        }
        Command::Init { file } => (init::run(&file), text),
        Command::Diff(args) => (diff::run(&args), text),
        Command::Validate { inventory, report } => {
            (validate::run(&inventory), report.format.into())
        }
        Command::Verify(args) => (verify::run(&args), args.format.into()),
        Command::Apply(args) => (Ok(apply::run(&args)), args.format.into()),
        Command::Plan(args) => (plan::run(&args), args.format.into()),
        Command::Deployed(args) => (deployed::run(&args), text),
        Command::Import(args) => (import::run(&args), text),
        Command::Site(command) => site::run(&command),
        Command::Agent { listen } => (Err(agent_failure(listen)), text),
        Command::Schema => (Ok(Outcome::Printed(schema_text())), text),
        Command::Completions { shell } => (Ok(Outcome::Printed(completion_script(shell))), text),
        Command::Manpages { out } => (write_man_pages(&out), text),
    };
    (result.unwrap_or_else(Outcome::from), format)
}

/// Runs the VIP-aware health agent, which serves until the process is
/// stopped; returns only why it could not start.
fn agent_failure(listen: Option<std::net::SocketAddr>) -> Failure {
    let listener = match listen {
        Some(address) => std::net::TcpListener::bind(address)
            .map_err(|error| format!("agent: cannot listen on {address}: {error}")),
        None => crate::agent::inherited_listener().map_err(|error| {
            format!(
                "agent: {error}: run it from lvs-dr-gen-agent.socket (StandardInput=socket), \
                 or give --listen ADDR:PORT"
            )
        }),
    };
    match listener {
        Ok(listener) => crate::agent::serve(&listener),
        Err(message) => Failure::Trouble(Trouble::message(message)),
    }
}

/// The inventory's JSON Schema, as `schema` prints it.
fn schema_text() -> String {
    format!("{}\n", schema::inventory_schema_text())
}

/// The completion script for `shell`.
fn completion_script(shell: CompletionShell) -> String {
    let shell = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut public_command(), "lvs-dr-gen", &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    match shell {
        // clap_complete 4.6 names the subcommands' cases after a binary
        // name with "-" (clap-rs/clap#6421), so that nothing after a
        // subcommand completes; the names its dispatch loop sets are these.
        clap_complete::Shell::Bash => {
            script.replace("lvs__subcmd__dr__subcmd__gen__", "lvs__dr__gen__")
        }
        _ => script,
    }
}

/// Writes the man pages (`manual::pages`): lvs-dr-gen.1, one
/// lvs-dr-gen-<subcommand>.1 for each visible subcommand (none for `help`,
/// so the pages list none) and the format page lvs-dr-gen-inventory.5.
fn write_man_pages(dir: &Path) -> Result<Outcome, Failure> {
    let write = || -> std::io::Result<()> {
        fs::create_dir_all(dir)?;
        for (name, page) in manual::pages(&public_command(), env!("CARGO_PKG_VERSION")) {
            fs::write(dir.join(name), page)?;
        }
        Ok(())
    };
    write().map(|()| Outcome::Done).map_err(|error| {
        Trouble::message(format!(
            "cannot write man pages to {}: {error}",
            dir.display()
        ))
        .into()
    })
}

/// The command line as users see it: without the hidden `manpages`
/// command, which is for packaging only.
pub fn public_command() -> clap::Command {
    let full = <cli::Cli as clap::CommandFactory>::command();
    let visible: Vec<clap::Command> = full
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .cloned()
        .collect();
    clap::Command::new(full.get_name().to_owned())
        .version(env!("CARGO_PKG_VERSION"))
        .about(full.get_about().cloned().unwrap_or_default())
        .long_about(full.get_long_about().cloned().unwrap_or_default())
        .subcommand_required(true)
        .subcommands(visible)
}
