//! The commands, one module each: each takes its parsed arguments, does
//! its work through the pipeline (inventory → validate → render → output,
//! or a live machine through `live`, `verify` and `apply`) and returns an
//! [`Outcome`], or the [`Failure`] that stopped it. None of them prints.
//! This module holds what several commands share: loading the inventory,
//! setting up the renderer, and naming the machine a command runs on.

pub mod apply;
pub mod check;
pub mod deployed;
pub mod diff;
pub mod import;
pub mod init;
mod options;
pub mod plan;
pub mod render;
pub mod validate;
pub mod verify;

use std::fs;
use std::path::Path;

use crate::cli::{Command, CompletionShell, MachineArgs};
use crate::code::Code;
use crate::machine::{self, Machine};
use crate::outcome::{Failure, Invalid, Outcome, Trouble};
use crate::render::{RenderError, Renderer};
use crate::validate::model::Inventory;
use crate::{cli, inventory, live, manual, report, schema};

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
        Command::Schema => (Ok(Outcome::Printed(schema_text())), text),
        Command::Completions { shell } => (Ok(Outcome::Printed(completion_script(shell))), text),
        Command::Manpages { out } => (write_man_pages(&out), text),
    };
    (result.unwrap_or_else(Outcome::from), format)
}

/// Reads, parses and validates the inventory at `path`; every problem
/// found, with `writing` when the command would have written files.
pub fn load(path: &Path, writing: bool) -> Result<Inventory, Failure> {
    load_with_text(path, writing).map(|(model, _)| model)
}

/// [`load`], with the inventory's text (to locate later diagnostics in).
pub fn load_with_text(path: &Path, writing: bool) -> Result<(Inventory, String), Failure> {
    let file = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|error| {
        let message = format!("cannot read inventory {file}: {error}");
        Trouble::coded(Code::InventoryUnreadable, &file, message)
    })?;
    let problems = match inventory::parse(&file, &text) {
        Ok(raw) => match crate::validate::validate(&file, &raw) {
            Ok(model) => return Ok((model, text)),
            Err(mut problems) => {
                inventory::locate(&text, &mut problems);
                problems
            }
        },
        Err(problem) => vec![*problem],
    };
    Err(Failure::Invalid(Invalid {
        file,
        problems,
        writing,
    }))
}

/// The renderer, with the override templates of `templates`.
pub fn renderer(templates: Option<&Path>) -> Result<Renderer, Trouble> {
    Renderer::new(templates).map_err(|error| render_trouble(&error))
}

/// A template that failed, as trouble about its file.
pub fn render_trouble(error: &RenderError) -> Trouble {
    let file = error
        .file()
        .map(|path| path.display().to_string())
        .unwrap_or_default();
    Trouble::coded(error.code(), file, error.to_string())
}

/// The machine of `args` (`--host`, or the name a recorded state gives,
/// or this machine's host name) with its files rendered; `trouble` words
/// the error when it cannot be named or found (a template's error is the
/// template's).
pub fn machine<'a>(
    model: &'a Inventory,
    args: &MachineArgs,
    recorded_name: Option<&str>,
    trouble: impl Fn(String) -> Trouble,
) -> Result<Machine<'a>, Trouble> {
    let name = match (&args.host, recorded_name) {
        (Some(name), _) => name.clone(),
        (None, Some(name)) => name.to_owned(),
        (None, None) => live::hostname().map_err(|error| trouble(error.to_string()))?,
    };
    let renderer = renderer(args.templates.as_deref())?;
    machine::load(model, &renderer, &name).map_err(|error| match error {
        machine::MachineError::Unknown(message) => trouble(message),
        machine::MachineError::Render(error) => render_trouble(&error),
    })
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
