//! The command line: argument definitions (clap), the subcommands, and the
//! exit codes, which follow diff(1): 0 all well, 1 differences found
//! (`check`), 2 trouble (invalid inventory, usage, I/O).

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::diagnostic::{closest, Diagnostic};
use crate::model::Inventory;
use crate::output::{self, Access, Plan};
use crate::render::{Renderer, Tree};
use crate::{inventory, validate};

/// Exit code: success, or `check` found the output in sync.
const EXIT_OK: u8 = 0;
/// Exit code: `check` found differences.
const EXIT_DIFFERENCES: u8 = 1;
/// Exit code: invalid inventory, bad usage, or an I/O error.
const EXIT_TROUBLE: u8 = 2;

/// Render the Debian network files of LVS direct-routing real servers from
/// one inventory.
///
/// Every real server of an LVS-DR cluster must accept packets for the
/// virtual IPs (VIPs) without ever answering ARP for them. lvs-dr-gen reads
/// one YAML inventory of services, VIPs and hosts and writes, per host, an
/// ifupdown stanza that puts the VIPs on a dummy interface (or lo) as /32
/// and /128, the module list that loads the dummy driver, and the kernel
/// parameters (`arp_ignore=1`, `arp_announce=2`, ...), under OUT/<host>/ as they
/// go below /. When the inventory names the directors, it also writes each
/// director's keepalived.conf (VRRP for the VIPs, IPVS in direct-routing mode
/// over the same real servers, their health checks) under OUT/<director>/.
///
/// Exit status: 0 success (check: in sync), 1 check found differences,
/// 2 invalid inventory, usage or I/O error.
#[derive(Debug, Parser)]
#[command(name = "lvs-dr-gen", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write every host's and director's files below OUT, safely.
    ///
    /// Each file is written atomically (temp file, flushed to disk, rename), and only
    /// when its contents change. Files that an earlier run wrote and the
    /// inventory no longer produces are removed; they are known from the
    /// manifest OUT/.lvs-dr-gen-manifest. A file that lvs-dr-gen did not
    /// write is never overwritten or removed. Nothing is written when the
    /// inventory has any problem.
    Render(OutputArgs),
    /// Show what render would change, as a unified diff; write nothing.
    ///
    /// Exits 0 when OUT is in sync with the inventory and 1 when anything
    /// would change: the drift check for CI.
    Check(OutputArgs),
    /// Check the inventory only, reporting every problem.
    Validate {
        /// The inventory file (YAML).
        inventory: PathBuf,
    },
    /// Print a shell completion script to standard output.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write the man pages (lvs-dr-gen.1 and one per subcommand) to DIR.
    #[command(hide = true)]
    Manpages {
        /// The directory to write the pages to.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
struct OutputArgs {
    /// The inventory file (YAML).
    inventory: PathBuf,
    /// The output directory; each host's and director's files go below
    /// OUT/<name>/.
    #[arg(short, long, value_name = "OUT")]
    out: PathBuf,
    /// Only this host or director (repeatable); the others' files are left
    /// alone.
    #[arg(long = "host", value_name = "NAME")]
    hosts: Vec<String>,
    /// A directory of templates that override the built-in ones by name
    /// (interfaces-iproute2.j2, interfaces-net-tools.j2, modules.j2,
    /// sysctl.j2, keepalived.j2, header.j2).
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
}

/// A failure already explained to the user on stderr.
struct Reported;

/// Parses the command line, runs the subcommand, and returns the exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render(args) => render(&args),
        Command::Check(args) => check(&args),
        Command::Validate { inventory } => load(&inventory, false).map(|model| {
            let services = model.services.len();
            println!(
                "{}: valid ({}, {} service{})",
                inventory.display(),
                machines(model.hosts.len(), model.directors.len()),
                services,
                plural(services)
            );
            EXIT_OK
        }),
        Command::Completions { shell } => {
            print!("{}", completion_script(shell));
            Ok(EXIT_OK)
        }
        Command::Manpages { out } => write_man_pages(&out).map(|()| EXIT_OK).map_err(|error| {
            eprintln!(
                "error: cannot write man pages to {}: {error}",
                out.display()
            );
            Reported
        }),
    };
    ExitCode::from(result.unwrap_or(EXIT_TROUBLE))
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

fn render(args: &OutputArgs) -> Result<u8, Reported> {
    let (plan, machines) = plan(args, Access::Write)?;
    let summary = plan
        .apply()
        .map_err(|error| report_output_error(&args.out, &error))?;
    let leftovers = match summary.leftovers {
        0 => String::new(),
        count => format!(
            "; {count} temp file{} of an interrupted run removed",
            plural(count)
        ),
    };
    println!(
        "{machines}: {} file{} written, {} unchanged, {} removed{leftovers}",
        summary.written,
        plural(summary.written),
        summary.unchanged,
        summary.removed
    );
    Ok(EXIT_OK)
}

fn check(args: &OutputArgs) -> Result<u8, Reported> {
    let (plan, _) = plan(args, Access::Read)?;
    let mut stdout = io::stdout().lock();
    // A closed pipe (`check | head`) is not worth a panic or an error.
    let _ = stdout.write_all(plan.diff().as_bytes());
    let _ = stdout.flush();
    if plan.changes.is_empty() {
        eprintln!("{}: in sync ({} files)", args.out.display(), plan.unchanged);
        Ok(EXIT_OK)
    } else {
        let count = plan.changes.len();
        eprintln!(
            "{}: {count} file{} would change; run `lvs-dr-gen render` to update",
            args.out.display(),
            plural(count)
        );
        Ok(EXIT_DIFFERENCES)
    }
}

/// Loads, validates, renders and plans; returns the plan and what it
/// covers ("2 hosts, 2 directors").
fn plan(args: &OutputArgs, access: Access) -> Result<(Plan, String), Reported> {
    let model = load(&args.inventory, access == Access::Write)?;
    check_selection(&model, &args.hosts)?;
    // Always the whole inventory: a director's file lists every real server.
    let mut tree = render_tree(&model, args.templates.as_deref())?;
    let selected: BTreeSet<String> = args.hosts.iter().cloned().collect();
    let covered = if selected.is_empty() {
        machines(model.hosts.len(), model.directors.len())
    } else {
        tree.retain(|path, _| {
            path.components()
                .next()
                .is_some_and(|root| selected.contains(&*root.as_os_str().to_string_lossy()))
        });
        let directors = model
            .directors
            .iter()
            .filter(|director| selected.contains(&director.name))
            .count();
        machines(selected.len() - directors, directors)
    };
    let only_hosts = (!selected.is_empty()).then_some(&selected);
    let on_wait = || {
        eprintln!(
            "waiting for another lvs-dr-gen run in {} to finish",
            args.out.display()
        );
    };
    let plan = output::plan(&args.out, &tree, only_hosts, access, on_wait)
        .map_err(|error| report_output_error(&args.out, &error))?;
    Ok((plan, covered))
}

/// "2 hosts", or "2 hosts, 2 directors" when there are directors.
fn machines(hosts: usize, directors: usize) -> String {
    let hosts = format!("{hosts} host{}", plural(hosts));
    if directors == 0 {
        hosts
    } else {
        format!("{hosts}, {directors} director{}", plural(directors))
    }
}

/// Reads, parses and validates the inventory, reporting every problem.
fn load(path: &Path, writing: bool) -> Result<Inventory, Reported> {
    let file = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|error| {
        eprintln!("error: cannot read inventory {file}: {error}");
        Reported
    })?;
    let problems = match inventory::parse(&file, &text) {
        Ok(raw) => match validate::validate(&file, &raw) {
            Ok(model) => return Ok(model),
            Err(problems) => problems,
        },
        Err(problem) => vec![problem],
    };
    report_problems(&file, &problems, writing);
    Err(Reported)
}

fn report_problems(file: &str, problems: &[Diagnostic], writing: bool) {
    let mut stderr = io::stderr().lock();
    for problem in problems {
        let _ = writeln!(stderr, "{problem}");
    }
    let count = problems.len();
    let tail = if writing { "; nothing was written" } else { "" };
    let _ = writeln!(
        stderr,
        "{file}: {count} problem{} found{tail}",
        plural(count)
    );
}

/// Refuses `--host` names that are neither a host nor a director.
fn check_selection(model: &Inventory, names: &[String]) -> Result<(), Reported> {
    let known: Vec<&str> = model
        .hosts
        .iter()
        .map(|host| host.name.as_str())
        .chain(
            model
                .directors
                .iter()
                .map(|director| director.name.as_str()),
        )
        .collect();
    let unknown: Vec<&String> = names
        .iter()
        .filter(|name| !known.contains(&name.as_str()))
        .collect();
    if !unknown.is_empty() {
        for name in unknown {
            let hint = closest(name, known.iter().copied()).map_or_else(
                || format!("hosts: {}", known.join(", ")),
                |near| format!("did you mean `{near}`?"),
            );
            eprintln!("error: --host {name}: no such host in the inventory; {hint}");
        }
        return Err(Reported);
    }
    Ok(())
}

fn render_tree(model: &Inventory, templates: Option<&Path>) -> Result<Tree, Reported> {
    Renderer::new(templates)
        .and_then(|renderer| renderer.render(model))
        .map_err(|error| {
            eprintln!("error: {error}");
            Reported
        })
}

fn report_output_error(out: &Path, error: &output::OutputError) -> Reported {
    eprintln!("error: in {}: {error}", out.display());
    Reported
}

/// The command line as users see it: without the hidden `manpages`
/// command, which is for packaging only.
fn public_command() -> clap::Command {
    let full = Cli::command();
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

/// The completion script for `shell`.
fn completion_script(shell: clap_complete::Shell) -> String {
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

/// Writes lvs-dr-gen.1 and lvs-dr-gen-<subcommand>.1 for each visible
/// subcommand, for packaging. There is no page for `help`, so the pages
/// do not list one.
fn write_man_pages(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let command = public_command().disable_help_subcommand(true);
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    fs::write(dir.join("lvs-dr-gen.1"), &page)?;
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let name = format!("lvs-dr-gen-{}", sub.get_name());
        let mut page = Vec::new();
        clap_mangen::Man::new(
            sub.clone()
                .name(name.clone())
                .version(env!("CARGO_PKG_VERSION")),
        )
        .render(&mut page)?;
        fs::write(dir.join(format!("{name}.1")), &page)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
