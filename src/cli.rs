//! The command line: argument definitions (clap), the subcommands, and the
//! exit codes, which follow diff(1): 0 all well, 1 differences found
//! (`check`), 2 trouble (invalid inventory, usage, I/O).

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::code::Code;
use crate::diagnostic::{closest, Diagnostic};
use crate::live::FileState;
use crate::model::Inventory;
use crate::outdir::ConfinedError;
use crate::output::{self, Access, Plan};
use crate::render::{self, RenderError, Renderer, Tree};
use crate::{apply, inventory, live, manual, migrate, rollout, schema, validate, verify};

/// Exit code: success, or `check` found the output in sync.
const EXIT_OK: u8 = 0;
/// Exit code: `check` found differences.
const EXIT_DIFFERENCES: u8 = 1;
/// Exit code: invalid inventory, bad usage, or an I/O error.
const EXIT_TROUBLE: u8 = 2;
/// Exit code: `plan` found a change that would fail requests in one step.
const EXIT_UNSAFE: u8 = 3;

/// Where a new user reads on: the end of the help of the program and of
/// the commands that read an inventory.
const SEE_ALSO: &str = "\
See also:
  man 5 lvs-dr-gen-inventory    the inventory format (doc/inventory.md in the source)
  lvs-dr-gen init               writes a commented starter inventory
  /usr/share/doc/lvs-dr-gen/examples/inventory.yaml    a full example";

/// The starter inventory `init` writes: a fixed text, documentation
/// addresses only.
const STARTER_INVENTORY: &str = include_str!("../templates/starter-inventory.yaml");

/// The file `init` writes when given none.
const DEFAULT_INVENTORY: &str = "inventory.yaml";

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
#[command(
    name = "lvs-dr-gen",
    version,
    about,
    long_about,
    max_term_width = 100,
    after_help = SEE_ALSO
)]
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
    #[command(after_help = SEE_ALSO)]
    Render(OutputArgs),
    /// Show what render would change, as a unified diff; write nothing.
    ///
    /// Exits 0 when OUT is in sync with the inventory and 1 when anything
    /// would change: the drift check for CI.
    #[command(
        after_help = SEE_ALSO,
        mut_arg("format", |arg| arg.help(CHECK_FORMAT_HELP))
    )]
    Check(CheckArgs),
    /// Write a commented starter inventory to FILE (inventory.yaml).
    ///
    /// The starter describes a small cluster (two directors, one service,
    /// two real servers) with documentation addresses and a comment on each
    /// key it uses, and validates and renders as it is. An existing FILE is never
    /// overwritten; `-` prints the starter on standard output.
    Init {
        /// The file to write, or `-` for standard output.
        #[arg(value_name = "FILE", default_value = DEFAULT_INVENTORY)]
        file: PathBuf,
    },
    /// Compare one machine's rendered files with those installed on it
    /// (read-only), before adopting lvs-dr-gen there.
    ///
    /// Renders the files of the host or director NAME in memory and prints
    /// a unified diff against the files at the same paths below ROOT (`a/`
    /// the installed file, `b/` the rendered one). On a real server it also
    /// shows the hand-written stanzas of /etc/network/interfaces and
    /// /etc/network/interfaces.d/ that mention its VIP interface or VIPs (a
    /// second stanza for one interface conflicts with lvs-dr-gen's), and
    /// the lines of /etc/sysctl.conf and the sysctl.d folders that set the
    /// kernel parameters of its sysctl file, with their values, and the
    /// lines of /etc/modules and modules-load.d that load its modules too.
    /// Writes nothing, and follows no link out of ROOT. Exits 0 when
    /// nothing would change, 1 when something would, 2 when the inventory
    /// is invalid or a file could not be read (the rest is still shown).
    #[command(after_help = SEE_ALSO)]
    Diff(DiffArgs),
    /// Check the inventory only, reporting every problem.
    #[command(after_help = SEE_ALSO)]
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
    /// kernel parameter holds; the dummy module is loaded; and the next
    /// boot: the host's network stack reads the rendered files, and no
    /// sysctl.d file read after ours changes one of its kernel parameters.
    /// On a director: the installed files are the rendered ones; keepalived
    /// is running; the IPVS table (`ipvsadm -S -n`) holds exactly the
    /// inventory's virtual servers (scheduler, persistence) and real servers
    /// (direct routing, weight; 0 where drained), a real server that its
    /// health check took out reported as down, not drift; the director holds
    /// all VIPs (VRRP master) or none (backup); with connection sync the
    /// kernel runs the sync daemon of that role (`ipvsadm -L --daemon`:
    /// master or backup, on the director's interface, the virtual router id
    /// as sync id), without it none; the rendered IPVS kernel parameters
    /// hold and `ip_vs` is loaded. One line per check with what was expected
    /// and what was found. Exits 0 when all is as the inventory says (real
    /// servers down included), 1 on drift, 2 when the inventory or the live
    /// state cannot be read.
    Verify(VerifyArgs),
    /// Bring this machine to its rendered state, as root, once its files are
    /// installed: the command a config-management handler runs.
    ///
    /// Refuses and changes nothing (exit 2) when not run as root (without
    /// --dry-run), when an installed file is missing or not the rendered
    /// one (install OUT/<host>/ first), or on a director when `keepalived
    /// -t` rejects the installed keepalived.conf. On a real server, in this
    /// order: the kernel parameters of its sysctl file whose live value
    /// differs, the dummy module, the VIP interface if missing or down, the
    /// missing VIPs (/32, /128, IPv6 nodad), the host's VIPs still on
    /// another interface (after a move to lo) removed there, and a dummy
    /// interface that leaves empty deleted, then the stale ones (host
    /// addresses of the VIP interface the inventory no longer has; never
    /// 127.0.0.0/8 or `::1`). No interface that keeps VIPs is taken down.
    /// With systemd-networkd running (stacks networkd and
    /// netplan) it then reloads networkd's files. On a director: the
    /// modules, the kernel parameters, then keepalived reloads (SIGHUP to
    /// the pid of its pid file; a reload, never a restart) when its
    /// configuration changed since apply last gave it one, or is started
    /// (`systemctl start keepalived`) when not running. One line per action;
    /// `apply: nothing to change` when there is none. Ends with verify's
    /// report and exits with its verdict: 0 as the inventory says, 1 drift, 2
    /// refused or failed.
    Apply(ApplyArgs),
    /// Show how to roll a change from OLD to NEW out to the live machines.
    ///
    /// Compares two inventories (such as the one on main and the one in a
    /// merge request) and prints the rollout as ordered steps, per machine:
    /// real servers first (a new one's kernel parameters and module before
    /// its VIPs; VIPs added or moved), then the directors one at a time,
    /// backups first (keepalived -t, then a reload), or all at once when
    /// their VRRP adverts change (a VIP added or removed), then the real
    /// servers that lose VIPs. A real server that OLD still sends new connections to
    /// and that NEW takes out of a virtual server (removed, leaving a service,
    /// its VIP or port removed) is unsafe in one step: drain it first
    /// (`drain: true`), roll that out, then remove it. Exits 0 when the plan
    /// is safe, 3 when a change is unsafe, 2 on trouble.
    Plan {
        /// The inventory running now.
        old: PathBuf,
        /// The inventory to roll out.
        new: PathBuf,
        /// `text` for code review, or `json` (one document) for automation.
        #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Text)]
        format: Format,
    },
    /// Write an inventory from the running directors' keepalived.conf.
    ///
    /// Reads every director's /etc/keepalived/keepalived.conf below its
    /// root (the machine's /, or a copy), with its includes, and writes the
    /// inventory that renders to the same VRRP and IPVS setup, with a
    /// comment on each choice. Every part it cannot express is listed on
    /// standard error with its file and line. Exits 0 when the import is
    /// complete, 1 when the inventory leaves out the parts listed, 2 on
    /// trouble (nothing written).
    Import(crate::import::Args),
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
        shell: CompletionShell,
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

/// The arguments of `check`.
#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    color: ColorArgs,
}

/// Whether to colour a diff.
#[derive(Debug, Args)]
struct ColorArgs {
    /// Colour the diff as git does: `auto` when standard output is a
    /// terminal and `NO_COLOR` is unset or empty, `always`, or `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// When standard output is a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorArgs {
    /// Whether to colour standard output.
    fn enabled(&self) -> bool {
        colors(
            self.color,
            io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        )
    }
}

/// Whether to colour, by the choice, whether the output is a terminal, and
/// `NO_COLOR` (<https://no-color.org>: set and not empty, it turns colours
/// off unless the command line asks for them).
fn colors(choice: ColorChoice, terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && no_color.is_none_or(std::ffi::OsStr::is_empty),
    }
}

/// The shells whose completion scripts Debian's package installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CompletionShell {
    /// bash.
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
}

/// One machine of the inventory, and where its files are installed: the
/// arguments `verify` and `diff` share.
#[derive(Debug, Args)]
struct MachineArgs {
    /// The inventory file (YAML).
    inventory: PathBuf,
    /// The host or director this machine is; by default this machine's
    /// host name (the part before the first dot also matches).
    #[arg(long, value_name = "NAME")]
    host: Option<String>,
    /// The directory the installed files are below.
    #[arg(long, value_name = "DIR", default_value = "/")]
    root: PathBuf,
    /// The override templates' directory, as when the files were rendered.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
}

/// The arguments of `diff`.
#[derive(Debug, Args)]
struct DiffArgs {
    #[command(flatten)]
    machine: MachineArgs,
    #[command(flatten)]
    color: ColorArgs,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    #[command(flatten)]
    machine: MachineArgs,
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

/// The arguments of `apply`.
#[derive(Debug, Args)]
struct ApplyArgs {
    #[command(flatten)]
    machine: MachineArgs,
    /// Print the actions apply would carry out (`apply: would ...`) and
    /// change nothing; needs no root.
    #[arg(long)]
    dry_run: bool,
    /// `text`: one line per action, then verify's report; `json`: one
    /// document with the actions and verify's report.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ApplyFormat::Text)]
    format: ApplyFormat,
    /// On a director: keepalived's pid file, the process a reload signals.
    #[arg(long, value_name = "FILE", default_value = "/run/keepalived.pid")]
    keepalived_pid: PathBuf,
}

/// The form of `apply`'s output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ApplyFormat {
    /// One line per action, then verify's report, for people.
    Text,
    /// One JSON document.
    Json,
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
    /// `json`: one JSON object per problem and line on standard output, for
    /// CI; see the README.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Text)]
    format: Format,
}

/// `check`'s `--format` help: JSON reports the files out of sync too.
const CHECK_FORMAT_HELP: &str = "How to report problems: `text` on standard error for people, \
    or `json`: one JSON object per problem and line on standard output, and one per file out \
    of sync, for CI; see the README.";

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
        Command::Check(args) => check(&args.output, args.color.enabled()),
        Command::Init { file } => init(&file),
        Command::Diff(args) => diff(&args),
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
        Command::Apply(args) => apply(&args),
        Command::Plan { old, new, format } => rollout_plan(&old, &new, format),
        Command::Import(args) => Ok(crate::import::run(&args)),
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

/// `plan`: the rollout from one inventory to another.
fn rollout_plan(old: &Path, new: &Path, format: Format) -> Result<u8, Reported> {
    let before = load(old, false, format)?;
    let after = load(new, false, format)?;
    let plan = rollout::plan(&before, &after);
    let output = match format {
        Format::Text => rollout::text(
            &plan,
            &old.display().to_string(),
            &new.display().to_string(),
        ),
        Format::Json => format!(
            "{}\n",
            serde_json::json!({
                "old": old.display().to_string(),
                "new": new.display().to_string(),
                "safe": plan.unsafe_changes.is_empty(),
                "phases": plan.phases,
                "unsafe": plan.unsafe_changes,
            })
        ),
    };
    let mut stdout = io::stdout().lock();
    // A closed pipe (`plan | head`) is not worth a panic; the exit code tells.
    let _ = stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush());
    Ok(if plan.unsafe_changes.is_empty() {
        EXIT_OK
    } else {
        EXIT_UNSAFE
    })
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

fn check(args: &OutputArgs, color: bool) -> Result<u8, Reported> {
    with_plan(args, Access::Read, |plan, _| {
        match args.report.format {
            Format::Text => {
                let mut stdout = io::BufWriter::new(io::stdout().lock());
                // A closed pipe (`check | head`) is not worth a panic or an error.
                let _ = plan
                    .write_diff(&mut stdout, color)
                    .and_then(|()| stdout.flush());
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

/// `init`: the starter inventory, to a new file or to stdout.
fn init(file: &Path) -> Result<u8, Reported> {
    if file == Path::new("-") {
        let mut stdout = io::stdout().lock();
        let _ = stdout
            .write_all(STARTER_INVENTORY.as_bytes())
            .and_then(|()| stdout.flush());
        return Ok(EXIT_OK);
    }
    let shown = file.display();
    output::write_new_file(file, STARTER_INVENTORY.as_bytes()).map_err(|error| {
        let reason = match &error {
            ConfinedError::Io { source, .. } if source.kind() == io::ErrorKind::AlreadyExists => {
                format!(
                    "{shown} exists, and init never overwrites a file: name another file, or \
                     `-` for standard output"
                )
            }
            ConfinedError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                format!("cannot write {shown}: its directory does not exist; create it first")
            }
            ConfinedError::Io { source, .. } => format!("cannot write {shown}: {source}"),
            ConfinedError::Refused { .. } => format!("cannot write {shown}: {error}"),
        };
        eprintln!("error: {reason}");
        Reported
    })?;
    println!("{shown}: starter inventory written; edit it, then run `lvs-dr-gen validate {shown}`");
    Ok(EXIT_OK)
}

/// The inventory of `args` and every machine's rendered files, in memory.
fn rendered(args: &MachineArgs, format: Format) -> Result<(Inventory, Tree), Reported> {
    let model = load(&args.inventory, false, format)?;
    let tree = Renderer::new(args.templates.as_deref())
        .and_then(|renderer| renderer.render(&model))
        .map_err(|error| report_render_error(&error, format))?;
    Ok((model, tree))
}

/// `diff`: one machine's rendered files against those installed below
/// `--root`, and what else there would configure its VIPs.
fn diff(args: &DiffArgs) -> Result<u8, Reported> {
    let format = Format::Text;
    let trouble = |message: String| fail(format, &message, &[]);
    let (model, tree) = rendered(&args.machine, format)?;
    let name = match &args.machine.host {
        Some(name) => name.clone(),
        None => live::hostname().map_err(|error| trouble(error.to_string()))?,
    };
    let machine = verify::find_machine(&model, &name).map_err(trouble)?;
    let rendered = verify::machine_files(&tree, machine.name());
    let root = live::Root::open(&args.machine.root).map_err(|error| {
        trouble(format!(
            "--root {}: {error}; give the directory the machine's files are below",
            args.machine.root.display()
        ))
    })?;
    let mut found = std::collections::BTreeMap::new();
    let mut listings = std::collections::BTreeMap::new();
    for folder in migrate::folders(&machine) {
        match root.list(&folder) {
            Ok(Some(names)) => {
                listings.insert(folder, names);
            }
            Ok(None) => {}
            Err(error) => {
                found.insert(folder, FileState::Unreadable(error.to_string()));
            }
        }
    }
    // A file reached by two paths (a link) is read once, by its first path.
    let mut seen = BTreeSet::new();
    for path in migrate::wanted(&machine, &rendered, &listings) {
        let first = root.identity(&path).is_none_or(|id| seen.insert(id));
        if first || rendered.contains_key(&path) {
            let state = root.read(&path);
            found.insert(path, state);
        }
    }
    let report = migrate::compare(&machine, &rendered, &found);
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    let _ = report
        .write(&mut stdout, args.color.enabled())
        .and_then(|()| stdout.flush());
    drop(stdout);
    for (path, why) in &report.unreadable {
        eprintln!("error: cannot read {}: {why}", path.display());
    }
    eprintln!("{}", report.summary(machine.name()));
    Ok(if !report.unreadable.is_empty() {
        EXIT_TROUBLE
    } else if report.differs() {
        EXIT_DIFFERENCES
    } else {
        EXIT_OK
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
        let problem = Diagnostic::in_file("", Code::VerifyTrouble, &message);
        fail(format, &message, &[problem])
    };
    let (model, tree) = rendered(&args.machine, format)?;
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
    let name = match (&args.machine.host, &recorded) {
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
        None => live::read(
            &verify::probe(&machine, &files, args.arp),
            &args.machine.root,
        )
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
    Ok(print_verdict(&text, &report))
}

/// How long `apply` waits, after starting or reloading keepalived, for
/// the IPVS table to be the rendered one before its verify reports drift.
const KEEPALIVED_SETTLE: std::time::Duration = std::time::Duration::from_secs(10);

/// `apply`: the actions that bring this machine to its rendered state,
/// carried out (or printed with `--dry-run`), then verify.
fn apply(args: &ApplyArgs) -> Result<u8, Reported> {
    let format = match args.format {
        ApplyFormat::Text => Format::Text,
        ApplyFormat::Json => Format::Json,
    };
    let (model, tree) = rendered(&args.machine, format)?;
    let name = match &args.machine.host {
        Some(name) => name.clone(),
        None => live::hostname()
            .map_err(|error| refuse(format, Code::ApplyTrouble, &error.to_string()))?,
    };
    let machine = verify::find_machine(&model, &name)
        .map_err(|error| refuse(format, Code::ApplyTrouble, &error))?;
    let files = verify::machine_files(&tree, machine.name());
    let root = &args.machine.root;
    let keepalived_config = apply_refusals(args, format, &machine, &files)?;
    let now = apply::exec::read_situation(&machine, &files, root, &args.keepalived_pid)
        .map_err(|error| refuse(format, Code::ApplyTrouble, &error.to_string()))?;
    let plan = apply::plan(&machine, &files, &now);
    let lines: Vec<String> = plan
        .actions
        .iter()
        .map(|action| apply::line(action, args.dry_run))
        .collect();
    if format == Format::Text {
        let mut stdout = io::stdout().lock();
        for line in &lines {
            let _ = writeln!(stdout, "{line}");
        }
        if lines.is_empty() {
            let _ = writeln!(stdout, "{}", apply::NOTHING);
        }
        let _ = stdout.flush();
    }
    for note in &plan.notes {
        eprintln!("apply: note: {note}");
    }
    if !args.dry_run {
        let executor = apply::exec::Executor {
            pid_file: &args.keepalived_pid,
            keepalived_config,
        };
        run_actions(&executor, &plan.actions, format)?;
    }
    let settle = !args.dry_run
        && plan.actions.iter().any(|action| {
            matches!(
                action,
                apply::Action::ReloadKeepalived { .. } | apply::Action::StartKeepalived
            )
        });
    let report = final_verify(&machine, &files, root, settle)
        .map_err(|error| refuse(format, Code::ApplyTrouble, &error.to_string()))?;
    let text = match format {
        Format::Text => verify::format::text(&report),
        Format::Json => apply_json(&report, &plan, &lines, args.dry_run),
    };
    Ok(print_verdict(&text, &report))
}

/// Reports why `apply` changes nothing: `message`, and that nothing was
/// changed.
fn refuse(format: Format, code: Code, message: &str) -> Reported {
    let text = format!("{message}; nothing was changed");
    fail(format, &text, &[Diagnostic::in_file("", code, &text)])
}

/// What makes `apply` refuse before it reads or changes anything: not
/// root (without `--dry-run`), installed files that are not the rendered
/// ones, and on a director a keepalived.conf that `keepalived -t` rejects.
/// Returns the director's keepalived.conf, which a reload gives keepalived.
fn apply_refusals<'a>(
    args: &ApplyArgs,
    format: Format,
    machine: &verify::Machine<'_>,
    files: &'a std::collections::BTreeMap<PathBuf, Vec<u8>>,
) -> Result<Option<&'a [u8]>, Reported> {
    if !args.dry_run && !apply::exec::is_root() {
        return Err(refuse(
            format,
            Code::ApplyNotRoot,
            "apply changes kernel parameters, interfaces and addresses and needs root: run it \
             as root (sudo), or with --dry-run to see what it would do",
        ));
    }
    let root = &args.machine.root;
    let wrong = apply::refusals(files, &live::read_files(files.keys(), root));
    if !wrong.is_empty() {
        let message = format!(
            "the installed files are not the rendered ones: {}. Install OUT/{}/ below {} \
             first (lvs-dr-gen render, then your config management copies the files), then \
             run apply again",
            wrong.join("; "),
            machine.name(),
            root.display()
        );
        return Err(refuse(format, Code::ApplyFilesNotInstalled, &message));
    }
    match machine {
        verify::Machine::Director(expected) => {
            let installed = live::below(root, &expected.keepalived_file);
            let drained = verify::director::fully_drained(&expected.ipvs);
            let note = apply::exec::keepalived_test(&installed, drained)
                .map_err(|error| refuse(format, Code::ApplyKeepalivedRejects, &error))?;
            if let Some(note) = note {
                eprintln!("apply: note: {note}");
            }
            Ok(files.get(&expected.keepalived_file).map(Vec::as_slice))
        }
        verify::Machine::Host(_) => Ok(None),
    }
}

/// Carries out `actions` in order, stopping at the first that fails.
fn run_actions(
    executor: &apply::exec::Executor<'_>,
    actions: &[apply::Action],
    format: Format,
) -> Result<(), Reported> {
    for (index, action) in actions.iter().enumerate() {
        if let Err(error) = executor.run(action) {
            let message = format!(
                "apply: `{action}` failed: {error}; {index} action{} before it {} done, the \
                 rest not; fix the cause and run apply again",
                plural(index),
                if index == 1 { "was" } else { "were" }
            );
            return Err(fail(
                format,
                &message,
                &[Diagnostic::in_file("", Code::ApplyFailed, &message)],
            ));
        }
    }
    Ok(())
}

/// `apply --format json`: one document with the actions (each with its
/// printed line), the notes and verify's report.
fn apply_json(
    report: &verify::Report,
    plan: &apply::Plan,
    lines: &[String],
    dry_run: bool,
) -> String {
    let actions: Vec<serde_json::Value> = plan
        .actions
        .iter()
        .zip(lines)
        .map(|(action, line)| {
            let mut value = serde_json::to_value(action).unwrap_or_default();
            value["line"] = serde_json::Value::String(line.clone());
            value
        })
        .collect();
    let document = serde_json::json!({
        "host": report.host,
        "role": report.role,
        "dry_run": dry_run,
        "changed": !dry_run && !plan.actions.is_empty(),
        "actions": actions,
        "notes": plan.notes,
        "verify": {
            "status": report.status(),
            "checks": report.checks,
        },
    });
    format!("{document:#}\n")
}

/// verify, on the live state read anew; with `settle`, read again until
/// no drift is left or [`KEEPALIVED_SETTLE`] has passed (keepalived
/// rebuilds its IPVS table after a start or reload).
fn final_verify(
    machine: &verify::Machine<'_>,
    files: &std::collections::BTreeMap<PathBuf, Vec<u8>>,
    root: &Path,
    settle: bool,
) -> Result<verify::Report, live::LiveError> {
    let start = std::time::Instant::now();
    loop {
        let state = live::read(&verify::probe(machine, files, false), root)?;
        let report = verify::verify(machine, files, &state);
        let done = !matches!(report.status(), verify::Status::Drift);
        if done || !settle || start.elapsed() >= KEEPALIVED_SETTLE {
            return Ok(report);
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
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
            &[Diagnostic::in_file(
                &file,
                Code::InventoryUnreadable,
                &message,
            )],
        )
    })?;
    let problems = match inventory::parse(&file, &text) {
        Ok(raw) => match validate::validate(&file, &raw) {
            Ok(model) => return Ok(model),
            Err(mut problems) => {
                inventory::locate(&text, &mut problems);
                problems
            }
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
        .map(|message| Diagnostic::in_file("", Code::UnknownHostSelected, message))
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
            output_error_text(error),
        )],
    };
    match out_dir_problem(error) {
        Some(problem) => fail(
            format,
            &format_args!("--out {}: {problem}", out.display()),
            &diagnostics,
        ),
        None => fail(
            format,
            &format_args!("in {}: {error}", out.display()),
            &diagnostics,
        ),
    }
}

/// What is wrong with the `--out` path itself (an error with no path below
/// it), in words that say how to fix it.
fn out_dir_problem(error: &output::OutputError) -> Option<String> {
    match error {
        output::OutputError::Confined(ConfinedError::Io { path, source })
            if path.as_os_str().is_empty() =>
        {
            Some(if source.kind() == io::ErrorKind::NotADirectory {
                "not a directory; give a directory (it is created if missing)".to_owned()
            } else {
                source.to_string()
            })
        }
        _ => None,
    }
}

/// An output error's message for a JSON diagnostic, which names the
/// output directory apart.
fn output_error_text(error: &output::OutputError) -> String {
    out_dir_problem(error).unwrap_or_else(|| error.to_string())
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
                Code::OutOfSync,
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
fn write_man_pages(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    for (name, page) in manual::pages(&public_command(), env!("CARGO_PKG_VERSION")) {
        fs::write(dir.join(name), page)?;
    }
    Ok(())
}

/// Prints a verify report in its chosen form (`text`) on stdout and the
/// summary on stderr; the exit status its verdict gives, for `verify` and
/// `apply` alike.
fn print_verdict(text: &str, report: &verify::Report) -> u8 {
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    eprintln!("{}", verify::format::summary(report));
    match report.status() {
        verify::Status::Ok | verify::Status::Down => EXIT_OK,
        verify::Status::Drift => EXIT_DIFFERENCES,
        verify::Status::Error => EXIT_TROUBLE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn colours_follow_the_choice_the_terminal_and_no_color() {
        use std::ffi::OsStr;
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(colors(ColorChoice::Auto, true, None));
        assert!(colors(ColorChoice::Auto, true, empty));
        assert!(!colors(ColorChoice::Auto, true, set));
        assert!(!colors(ColorChoice::Auto, false, None));
        assert!(colors(ColorChoice::Always, false, set));
        assert!(!colors(ColorChoice::Never, true, None));
    }

    /// Every help text of the command line, its subcommands and arguments.
    fn help_texts(command: &clap::Command, texts: &mut Vec<String>) {
        texts.extend(command.get_about().map(ToString::to_string));
        texts.extend(command.get_long_about().map(ToString::to_string));
        for argument in command.get_arguments() {
            texts.extend(argument.get_help().map(ToString::to_string));
            texts.extend(argument.get_long_help().map(ToString::to_string));
        }
        for subcommand in command.get_subcommands() {
            help_texts(subcommand, texts);
        }
    }

    /// Debian 12's lintian reads the strings of the binary run together: a
    /// text that ends in "with" before one that starts with "The" is its
    /// misspelling `withThe` (`spelling-error-in-binary`), and which texts
    /// lie side by side is the linker's choice. So no help text ends in
    /// "with" (clap drops the final period of a one-line help).
    #[test]
    fn no_help_text_ends_in_with() {
        let mut texts = Vec::new();
        help_texts(&Cli::command(), &mut texts);
        let ending: Vec<&String> = texts
            .iter()
            .filter(|text| text.trim_end().trim_end_matches('.').ends_with(" with"))
            .collect();
        assert!(ending.is_empty(), "help texts ending in `with`: {ending:?}");
        assert!(texts.len() > 50, "only {} help texts found", texts.len());
    }
}
