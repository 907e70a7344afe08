//! The command line: argument definitions (clap), the subcommands, and the
//! exit codes, which follow diff(1): 0 all well, 1 differences found
//! (`check`), 2 trouble (invalid inventory, usage, I/O).

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::diagnostic::{closest, Diagnostic};
use crate::model::Inventory;
use crate::output::{self, Access, Plan};
use crate::render::{self, RenderError, Renderer, Tree};
use crate::{inventory, live, manual, schema, validate, verify};

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
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Check that this machine is what the inventory says (read-only).
    ///
    /// On a real server: the installed files are byte for byte the rendered
    /// ones; the VIP interface exists and is up; every VIP is on it as /32
    /// or /128 (IPv6 neither tentative nor dadfailed) and on no other
    /// interface; the dummy interface has no other address; for every
    /// interface the effective `arp_ignore` and `arp_announce` (the larger of
    /// conf/all and conf/<interface>) are the rendered ones; every rendered
    /// kernel parameter holds; the dummy module is loaded. On a director:
    /// the installed keepalived.conf is the rendered one; keepalived is
    /// running; the IPVS table (`ipvsadm -S -n`) holds exactly the
    /// inventory's virtual servers (scheduler, persistence) and real servers
    /// (direct routing, weight), a real server that its health check took
    /// out reported as down, not drift; the director holds all VIPs (VRRP
    /// master) or none (backup). One line per check with what was expected
    /// and what was found. Exits 0 when all is as the inventory says (real
    /// servers down included), 1 on drift, 2 when the inventory or the live
    /// state cannot be read.
    Verify(VerifyArgs),
    /// Print the inventory's JSON Schema (draft 2020-12), for editors and
    /// CI.
    ///
    /// The schema describes the shape of an inventory: its keys, their
    /// types, ranges, enums and patterns. Rules between values (references,
    /// duplicates, settings that break direct routing) are checked by
    /// `validate` only. Debian's package installs it as
    /// /usr/share/lvs-dr-gen/inventory.schema.json.
    Schema,
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
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The inventory file (YAML).
    inventory: PathBuf,
    /// The host or director to check this machine as; by default this
    /// machine's host name (the part before the first dot also matches).
    #[arg(long, value_name = "NAME")]
    host: Option<String>,
    /// The directory the installed files are below.
    #[arg(long, value_name = "DIR", default_value = "/")]
    root: PathBuf,
    /// The directory of override templates used when the files were rendered.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// The report's form: `text` (one line per check), `json` (one
    /// document) or `prometheus` (for the textfile collector of `node_exporter`).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = VerifyFormat::Text)]
    format: VerifyFormat,
    /// Compare with a live state recorded by --print-state instead of
    /// reading this machine's.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Print the live state that would be compared, as JSON, and compare
    /// nothing: to record a machine's state.
    #[arg(long, conflicts_with = "state")]
    print_state: bool,
    /// On a director: send ARP requests for each IPv4 VIP out of its
    /// interface and report every machine that answers but the VRRP master
    /// (a real server answering steals the VIP's traffic). Needs root.
    #[arg(long)]
    arp: bool,
}

/// The form of a `verify` report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum VerifyFormat {
    /// One line per check, for people.
    Text,
    /// One JSON document.
    Json,
    /// The Prometheus text format.
    Prometheus,
}

/// How problems are reported.
#[derive(Debug, Args)]
struct ReportArgs {
    /// How to report problems: `text` on standard error for people, or
    /// `json`: one JSON object per problem and line on standard output (and
    /// for check, one per file out of sync), for CI; see the README.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Text)]
    format: Format,
}

/// The form of the problem reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Messages for people, on standard error.
    Text,
    /// JSON lines on standard output, one object per problem.
    Json,
}

/// A failure already explained to the user on stderr.
struct Reported;

/// Parses the command line, runs the subcommand, and returns the exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render(args) => render(&args),
        Command::Check(args) => check(&args),
        Command::Validate { inventory, report } => {
            load(&inventory, false, report.format).map(|model| {
                let services = model.services.len();
                let summary = format!(
                    "{}: valid ({}, {} service{})",
                    inventory.display(),
                    machines(model.hosts.len(), model.directors.len()),
                    services,
                    plural(services)
                );
                summarize(report.format, &summary);
                EXIT_OK
            })
        }
        Command::Verify(args) => verify(&args),
        Command::Schema => {
            println!("{}", schema::inventory_schema_text());
            Ok(EXIT_OK)
        }
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
    with_plan(args, Access::Write, |plan, machines| {
        let summary = plan
            .apply()
            .map_err(|error| report_output_error(&args.out, &error, args.report.format))?;
        let leftovers = match summary.leftovers {
            0 => String::new(),
            count => format!(
                "; {count} temp file{} of an interrupted run removed",
                plural(count)
            ),
        };
        let line = format!(
            "{machines}: {} file{} written, {} unchanged, {} removed{leftovers}",
            summary.written,
            plural(summary.written),
            summary.unchanged,
            summary.removed
        );
        summarize(args.report.format, &line);
        Ok(EXIT_OK)
    })
}

fn check(args: &OutputArgs) -> Result<u8, Reported> {
    with_plan(args, Access::Read, |plan, _| {
        match args.report.format {
            Format::Text => {
                let mut stdout = io::BufWriter::new(io::stdout().lock());
                // A closed pipe (`check | head`) is not worth a panic or an error.
                let _ = plan.write_diff(&mut stdout).and_then(|()| stdout.flush());
            }
            Format::Json => emit_json(&drift_diagnostics(&args.out, plan)),
        }
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
    })
}

/// The inventory's units (hosts, then directors) as the output's source,
/// rendered on demand; `selected` is the `--host` selection (empty: all).
struct Rendering<'a> {
    renderer: Renderer,
    model: &'a Inventory,
    selected: &'a BTreeSet<String>,
}

impl output::Source for Rendering<'_> {
    fn units(&self) -> usize {
        render::units(self.model)
    }

    fn selected(&self, unit: usize) -> bool {
        self.selected.is_empty() || self.selected.contains(render::unit_name(self.model, unit))
    }

    fn files(&self, unit: usize) -> Result<Tree, RenderError> {
        let mut files = Tree::new();
        self.renderer.render_unit(self.model, unit, &mut files)?;
        Ok(files)
    }
}

/// `verify`: the machine's live state against the inventory.
fn verify(args: &VerifyArgs) -> Result<u8, Reported> {
    let format = match args.format {
        VerifyFormat::Json => Format::Json,
        VerifyFormat::Text | VerifyFormat::Prometheus => Format::Text,
    };
    let trouble = |message: String| {
        let problem = Diagnostic::in_file("", "verify-trouble", &message);
        fail(format, &message, &[problem])
    };
    let model = load(&args.inventory, false, format)?;
    let tree = Renderer::new(args.templates.as_deref())
        .and_then(|renderer| renderer.render(&model))
        .map_err(|error| report_render_error(&error, format))?;
    let recorded = match &args.state {
        Some(path) => Some(
            fs::read_to_string(path)
                .map_err(|error| error.to_string())
                .and_then(|text| {
                    serde_json::from_str::<live::LiveState>(&text).map_err(|e| e.to_string())
                })
                .map_err(|error| trouble(format!("cannot read {}: {error}", path.display())))?,
        ),
        None => None,
    };
    let name = match (&args.host, &recorded) {
        (Some(name), _) => name.clone(),
        (None, Some(state)) => state.hostname.clone(),
        (None, None) => live::hostname().map_err(|error| trouble(error.to_string()))?,
    };
    let machine = verify::find_machine(&model, &name).map_err(trouble)?;
    if args.arp {
        verify::arp_possible(&machine, recorded.as_ref()).map_err(trouble)?;
    }
    let files = verify::machine_files(&tree, machine.name());
    let state = match recorded {
        Some(state) => state,
        None => live::read(&verify::probe(&machine, &files, args.arp), &args.root)
            .map_err(|error| trouble(error.to_string()))?,
    };
    if args.print_state {
        let text = serde_json::to_string_pretty(&state).unwrap_or_default();
        println!("{text}");
        return Ok(EXIT_OK);
    }
    let report = verify::verify(&machine, &files, &state);
    let text = match args.format {
        VerifyFormat::Text => verify::format::text(&report),
        VerifyFormat::Json => verify::format::json(&report),
        VerifyFormat::Prometheus => verify::format::prometheus(&report),
    };
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    eprintln!("{}", verify::format::summary(&report));
    Ok(match report.status() {
        verify::Status::Ok | verify::Status::Down => EXIT_OK,
        verify::Status::Drift => EXIT_DIFFERENCES,
        verify::Status::Error => EXIT_TROUBLE,
    })
}

/// Loads, validates, renders and plans, then hands the plan and what it
/// covers ("2 hosts, 2 directors") to `then`.
fn with_plan(
    args: &OutputArgs,
    access: Access,
    then: impl FnOnce(&Plan<'_>, String) -> Result<u8, Reported>,
) -> Result<u8, Reported> {
    let format = args.report.format;
    let model = load(&args.inventory, access == Access::Write, format)?;
    check_selection(&model, &args.hosts, format)?;
    let renderer = Renderer::new(args.templates.as_deref())
        .map_err(|error| report_render_error(&error, format))?;
    let selected: BTreeSet<String> = args.hosts.iter().cloned().collect();
    let covered = if selected.is_empty() {
        machines(model.hosts.len(), model.directors.len())
    } else {
        let directors = model
            .directors
            .iter()
            .filter(|director| selected.contains(&director.name))
            .count();
        machines(selected.len() - directors, directors)
    };
    // Always the whole inventory: a director's file lists every real server,
    // and every unit is rendered for its errors.
    let source = Rendering {
        renderer,
        model: &model,
        selected: &selected,
    };
    let only_hosts = (!selected.is_empty()).then_some(&selected);
    let on_wait = || {
        eprintln!(
            "waiting for another lvs-dr-gen run in {} to finish",
            args.out.display()
        );
    };
    let plan = output::plan(&args.out, &source, only_hosts, access, on_wait)
        .map_err(|error| report_output_error(&args.out, &error, format))?;
    then(&plan, covered)
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
fn load(path: &Path, writing: bool, format: Format) -> Result<Inventory, Reported> {
    let file = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|error| {
        let message = format!("cannot read inventory {file}: {error}");
        fail(
            format,
            &message,
            &[Diagnostic::in_file(&file, "inventory-unreadable", &message)],
        )
    })?;
    let problems = match inventory::parse(&file, &text) {
        Ok(raw) => match validate::validate(&file, &raw) {
            Ok(model) => return Ok(model),
            Err(problems) => problems,
        },
        Err(problem) => vec![*problem],
    };
    report_problems(&file, &problems, writing, format);
    Err(Reported)
}

fn report_problems(file: &str, problems: &[Diagnostic], writing: bool, format: Format) {
    if format == Format::Json {
        emit_json(problems);
    }
    let mut stderr = io::stderr().lock();
    if format == Format::Text {
        for problem in problems {
            let _ = writeln!(stderr, "{problem}");
        }
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
fn check_selection(model: &Inventory, names: &[String], format: Format) -> Result<(), Reported> {
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
    if unknown.is_empty() {
        return Ok(());
    }
    let messages: Vec<String> = unknown
        .iter()
        .map(|name| {
            let hint = closest(name, known.iter().copied()).map_or_else(
                || format!("hosts: {}", known.join(", ")),
                |near| format!("did you mean `{near}`?"),
            );
            format!("--host {name}: no such host in the inventory; {hint}")
        })
        .collect();
    let diagnostics: Vec<Diagnostic> = messages
        .iter()
        .map(|message| Diagnostic::in_file("", "unknown-host-selected", message))
        .collect();
    Err(fail(format, &messages.join("\nerror: "), &diagnostics))
}

fn report_render_error(error: &RenderError, format: Format) -> Reported {
    let file = error
        .file()
        .map(|path| path.display().to_string())
        .unwrap_or_default();
    let problem = Diagnostic::in_file(file, error.code(), error.to_string());
    fail(format, &error, &[problem])
}

fn report_output_error(out: &Path, error: &output::OutputError, format: Format) -> Reported {
    let diagnostics = match error {
        output::OutputError::Render(error) => return report_render_error(error, format),
        // One problem per file in the way, so CI can show each.
        output::OutputError::Foreign { paths } => paths
            .iter()
            .map(|path| {
                Diagnostic::in_file(
                    out.join(path).display().to_string(),
                    error.code(),
                    format!(
                        "not written by lvs-dr-gen (not in {}); move it away or choose another \
                         output directory",
                        output::MANIFEST_NAME
                    ),
                )
            })
            .collect(),
        _ => vec![Diagnostic::in_file(
            out.display().to_string(),
            error.code(),
            error.to_string(),
        )],
    };
    fail(
        format,
        &format_args!("in {}: {error}", out.display()),
        &diagnostics,
    )
}

/// Reports a failure that is not the inventory's: `error: {text}` on
/// stderr, or the diagnostics as JSON lines.
fn fail(format: Format, text: &dyn std::fmt::Display, diagnostics: &[Diagnostic]) -> Reported {
    match format {
        Format::Text => eprintln!("error: {text}"),
        Format::Json => emit_json(diagnostics),
    }
    Reported
}

/// Writes one JSON object per problem and line on stdout.
fn emit_json(problems: &[Diagnostic]) {
    let mut stdout = io::stdout().lock();
    for problem in problems {
        // A closed pipe is not worth a panic; the exit code still tells.
        let _ = writeln!(stdout, "{}", problem.to_json());
    }
    let _ = stdout.flush();
}

/// A summary line for people: on stdout with text reports, on stderr with
/// JSON ones, which keep stdout for the JSON lines.
fn summarize(format: Format, line: &str) {
    match format {
        Format::Text => println!("{line}"),
        Format::Json => eprintln!("{line}"),
    }
}

/// What `check` found out of sync, one problem per file.
fn drift_diagnostics(out: &Path, plan: &Plan) -> Vec<Diagnostic> {
    plan.changes
        .iter()
        .map(|change| {
            let what = match change {
                output::Change::Create { .. } => "would be created",
                output::Change::Update { .. } => "would be updated",
                output::Change::Remove { .. } => "would be removed",
                output::Change::Leftover { .. } => {
                    "is a temp file of an interrupted run and would be removed"
                }
            };
            Diagnostic::in_file(
                out.join(change.path()).display().to_string(),
                "out-of-sync",
                format!("{what}: run `lvs-dr-gen render` to update the output"),
            )
        })
        .collect()
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

/// Writes the man pages (`manual::pages`): lvs-dr-gen.1, one
/// lvs-dr-gen-<subcommand>.1 for each visible subcommand (none for `help`,
/// so the pages list none) and the format page lvs-dr-gen-inventory.5.
fn write_man_pages(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    for (name, page) in manual::pages(&public_command(), env!("CARGO_PKG_VERSION")) {
        fs::write(dir.join(name), page)?;
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
