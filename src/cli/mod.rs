//! The command line's definitions (clap): the commands, their arguments
//! and help texts, and nothing that runs them (`commands` does, `app`
//! ties the two). The man pages and completions are generated from these
//! definitions.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::{exit, report, rollout};

/// Where a new user reads on: the end of the help of the program and of
/// the commands that read an inventory.
const SEE_ALSO: &str = "\
See also:
  man 5 lvs-dr-gen-inventory    the inventory format (doc/inventory.md in the source)
  lvs-dr-gen init               writes a commented starter inventory
  /usr/share/doc/lvs-dr-gen/examples/inventory.yaml    a full example";

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
#[derive(Debug, Parser)]
#[command(
    name = "lvs-dr-gen",
    version,
    about,
    long_about,
    max_term_width = 100,
    after_help = SEE_ALSO,
    after_long_help = with_exit_status("lvs-dr-gen", SEE_ALSO)
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write every host's and director's files below OUT, safely.
    ///
    /// Each file is written atomically (temp file, flushed to disk, rename), and only
    /// when its contents change. Files that an earlier run wrote and the
    /// inventory no longer produces are removed; they are known from the
    /// manifest OUT/.lvs-dr-gen-manifest. A file that lvs-dr-gen did not
    /// write is never overwritten or removed. Nothing is written when the
    /// inventory has any problem.
    #[command(after_help = SEE_ALSO, after_long_help = with_exit_status("render", SEE_ALSO))]
    Render(OutputArgs),
    /// Show what render would change, as a unified diff; write nothing.
    ///
    /// The drift check for CI: its exit status says whether OUT is in sync
    /// with the inventory.
    #[command(
        after_help = SEE_ALSO,
        after_long_help = with_exit_status("check", SEE_ALSO),
        mut_arg("format", |arg| arg.help(CHECK_FORMAT_HELP))
    )]
    Check(CheckArgs),
    /// Write a commented starter inventory to FILE (inventory.yaml).
    ///
    /// The starter describes a small cluster (two directors, one service,
    /// two real servers) with documentation addresses and a comment on each
    /// key it uses, and validates and renders as it is. An existing FILE is never
    /// overwritten; `-` prints the starter on standard output.
    #[command(after_long_help = exit::help("init"))]
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
    /// Writes nothing, and follows no link out of ROOT. A file that could
    /// not be read is named, and the rest is still shown.
    #[command(after_help = SEE_ALSO, after_long_help = with_exit_status("diff", SEE_ALSO))]
    Diff(DiffArgs),
    /// Check the inventory only, reporting every problem.
    #[command(after_help = SEE_ALSO, after_long_help = with_exit_status("validate", SEE_ALSO))]
    Validate {
        /// The inventory file (YAML).
        inventory: PathBuf,
        /// How problems are reported.
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
    /// and what was found.
    #[command(after_long_help = exit::help("verify"))]
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
    /// report, whose verdict is its exit status.
    #[command(after_long_help = exit::help("apply"))]
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
    /// (`drain: true`), roll that out, then remove it. So is a change that
    /// leaves a service with less than a share of the weight that served it
    /// (--capacity-share) or with none at all (unless a sorry server
    /// answers), and an address passing to another host name while it takes
    /// new connections. VRRP master moves, renamed hosts and addresses
    /// passing between hosts are named.
    #[command(after_long_help = exit::help("plan"))]
    Plan(PlanArgs),
    /// Find the inventory a cluster was last rolled out with, from its
    /// machines' own records.
    ///
    /// DIR holds one folder per machine asked, named after it, with the
    /// inventory recorded on that machine (/var/lib/lvs-dr-gen/inventory.yaml,
    /// written by contrib/ansible after apply succeeded there) as
    /// `inventory.yaml`, when it has one (an empty file: none). When every
    /// record is the same and every machine it names that was asked has one,
    /// that inventory is written to --out (standard output without) for
    /// `plan` as OLD. No record anywhere is a first rollout. Records that
    /// differ (a rollout stopped half-way), or a machine the records name
    /// without one: the machines disagree, and the report says who holds
    /// what, what differs and how to converge.
    #[command(after_long_help = exit::help("deployed"))]
    Deployed(DeployedArgs),
    /// Write an inventory from the running directors' keepalived.conf.
    ///
    /// Reads every director's /etc/keepalived/keepalived.conf below its
    /// root (the machine's /, or a copy), with its includes, and writes the
    /// inventory that renders to the same VRRP and IPVS setup, with a
    /// comment on each choice. Every part it cannot express is listed on
    /// standard error with its file and line; nothing is written on
    /// trouble.
    #[command(after_long_help = exit::help("import"))]
    Import(ImportArgs),
    /// Print the inventory's JSON Schema (draft 2020-12), for editors and
    /// CI.
    ///
    /// The schema describes the shape of an inventory: its keys, their
    /// types, ranges, enums and patterns. Rules between values (references,
    /// duplicates, settings that break direct routing) are checked by
    /// `validate` only. Debian's package installs it as
    /// /usr/share/lvs-dr-gen/inventory.schema.json.
    #[command(after_long_help = exit::help("schema"))]
    Schema,
    /// Print a shell completion script to standard output.
    #[command(after_long_help = exit::help("completions"))]
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

/// The arguments of `render` and `check`.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// The inventory file (YAML).
    pub inventory: PathBuf,
    /// The output directory; each host's and director's files go below
    /// OUT/<name>/.
    #[arg(short, long, value_name = "OUT")]
    pub out: PathBuf,
    /// Only this host or director (repeatable); the others' files are left
    /// alone.
    #[arg(long = "host", value_name = "NAME")]
    pub hosts: Vec<String>,
    /// A directory of templates that override the built-in ones by name
    /// (interfaces-iproute2.j2, interfaces-net-tools.j2, modules.j2,
    /// sysctl.j2, keepalived.j2, header.j2).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// How problems are reported.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// The arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The inventory, the output directory and the selection.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Whether to colour the diff.
    #[command(flatten)]
    pub color: ColorArgs,
}

/// Whether to colour a diff.
#[derive(Debug, Args)]
pub struct ColorArgs {
    /// Colour the diff as git does: `auto` when standard output is a
    /// terminal and `NO_COLOR` is unset or empty, `always`, or `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When standard output is a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorArgs {
    /// Whether to colour standard output.
    pub fn enabled(&self) -> bool {
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
pub enum CompletionShell {
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
pub struct MachineArgs {
    /// The inventory file (YAML).
    pub inventory: PathBuf,
    /// The host or director this machine is; by default this machine's
    /// host name (the part before the first dot also matches).
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// The directory the installed files are below.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// The override templates' directory, as when the files were rendered.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// The arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The inventory and the machine.
    #[command(flatten)]
    pub machine: MachineArgs,
    /// Whether to colour the diff.
    #[command(flatten)]
    pub color: ColorArgs,
}

/// The arguments of `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The inventory and the machine.
    #[command(flatten)]
    pub machine: MachineArgs,
    /// What to print on standard output: `text` (one line per check),
    /// `json` (one document) or `prometheus` (the text exposition format,
    /// for the textfile collector of `node_exporter`); the summary line
    /// goes to standard error.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = VerifyFormat::Text)]
    pub format: VerifyFormat,
    /// Compare with a live state recorded by --print-state instead of
    /// reading this machine's.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Print the live state that would be compared, as JSON, and compare
    /// nothing: to record a machine's state.
    #[arg(long, conflicts_with = "state")]
    pub print_state: bool,
    /// On a director: send ARP requests for each IPv4 VIP out of its
    /// interface and report every machine that answers but the VRRP master
    /// (a real server answering steals the VIP's traffic). Needs root.
    #[arg(long)]
    pub arp: bool,
}

/// The arguments of `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The inventory and the machine.
    #[command(flatten)]
    pub machine: MachineArgs,
    /// Print the actions apply would carry out (`apply: would ...`) and
    /// change nothing; needs no root.
    #[arg(long)]
    pub dry_run: bool,
    /// What to print on standard output: `text`, one line per action, then
    /// verify's report; `json`, one document with the actions and verify's
    /// report. Notes and the summary line go to standard error.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ApplyFormat::Text)]
    pub format: ApplyFormat,
    /// On a director: keepalived's pid file, the process a reload signals.
    #[arg(long, value_name = "FILE", default_value = "/run/keepalived.pid")]
    pub keepalived_pid: PathBuf,
}

/// The form of `apply`'s output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApplyFormat {
    /// One line per action, then verify's report, for people.
    Text,
    /// One JSON document.
    Json,
}

/// The form of a `verify` report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    /// One line per check, for people.
    Text,
    /// One JSON document.
    Json,
    /// The Prometheus text format.
    Prometheus,
}

/// How problems are reported.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// How to report problems: `text` on standard error for people, or
    /// `json`: one JSON object per problem and line on standard output, for
    /// CI; see the README.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Text)]
    pub format: Format,
}

/// `check`'s `--format` help: JSON reports the files out of sync too.
const CHECK_FORMAT_HELP: &str = "How to report problems: `text` on standard error for people, \
    or `json`: one JSON object per problem and line on standard output, and one per file out \
    of sync, for CI; see the README.";

/// The form of the problem reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Messages for people, on standard error.
    Text,
    /// JSON lines on standard output, one object per problem.
    Json,
}

/// The arguments of `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The inventory running now.
    pub old: PathBuf,
    /// The inventory to roll out.
    pub new: PathBuf,
    /// What to print on standard output: `text` for code review, `json`
    /// (one document) for automation, or `markdown`: one document for a
    /// merge request comment, with a Mermaid diagram of the cluster after
    /// the change. Problems with an inventory go to standard error as text,
    /// or with `json` to standard output as JSON lines.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// The least share (0 to 1) of a service's serving weight that one
    /// rollout may leave serving; less is unsafe.
    #[arg(long, value_name = "SHARE", default_value_t = rollout::DEFAULT_SHARE, value_parser = share)]
    pub capacity_share: f64,
}

/// The form of a rollout plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// The phases and steps as text, for code review.
    Text,
    /// One JSON document.
    Json,
    /// One Markdown document for a merge request comment.
    Markdown,
}

/// `--capacity-share`: a number from 0 to 1.
fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!("`{text}` is not a share from 0 to 1 (such as 0.5)")),
    }
}

/// The arguments of `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A director, NAME=ROOT: its name in the inventory, and the folder its
    /// files are below (`/` on the director itself, or a copy of its /etc).
    /// Its /etc/keepalived/keepalived.conf is read with its includes, as
    /// keepalived would with the configuration id NAME; nothing outside
    /// ROOT is read. Repeat it for every director of the cluster.
    #[arg(long = "director", value_name = "NAME=ROOT", required = true)]
    pub directors: Vec<String>,
    /// NAME=ADDRESS[,ADDRESS]: a director's own address(es) (needed unless
    /// its configuration has `unicast_src_ip`), or the name of the real
    /// server with these addresses (an IPv4 and an IPv6 address make one
    /// host). Repeatable.
    #[arg(long = "address", value_name = "NAME=ADDRESS[,ADDRESS]")]
    pub addresses: Vec<String>,
    /// A health page's body, for a check written with its MD5 `digest`: the
    /// inventory writes the body (`expect`). Repeatable.
    #[arg(long = "expect", value_name = "BODY")]
    pub bodies: Vec<String>,
    /// Write the inventory to FILE (which must not exist) instead of
    /// standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The arguments of `deployed`.
#[derive(Debug, Args)]
pub struct DeployedArgs {
    /// One folder per machine asked, holding its `inventory.yaml` record.
    pub dir: PathBuf,
    /// Where to write the deployed inventory (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Take this machine's record, whatever the others hold: to finish a
    /// rollout that stopped half-way (see the report).
    #[arg(long, value_name = "MACHINE")]
    pub from: Option<String>,
}

impl From<Format> for report::Format {
    fn from(format: Format) -> Self {
        match format {
            Format::Text => report::Format::Text,
            Format::Json => report::Format::Json,
        }
    }
}

impl From<VerifyFormat> for report::Format {
    fn from(format: VerifyFormat) -> Self {
        match format {
            VerifyFormat::Text => report::Format::Text,
            VerifyFormat::Json => report::Format::Json,
            VerifyFormat::Prometheus => report::Format::Prometheus,
        }
    }
}

impl From<ApplyFormat> for report::Format {
    fn from(format: ApplyFormat) -> Self {
        match format {
            ApplyFormat::Text => report::Format::Text,
            ApplyFormat::Json => report::Format::Json,
        }
    }
}

impl From<PlanFormat> for report::Format {
    fn from(format: PlanFormat) -> Self {
        match format {
            PlanFormat::Text => report::Format::Text,
            PlanFormat::Json => report::Format::Json,
            PlanFormat::Markdown => report::Format::Markdown,
        }
    }
}

/// A command's exit statuses, then `after`: the end of its long help.
fn with_exit_status(command: &str, after: &str) -> String {
    format!("{}\n\n{after}", exit::help(command))
}

/// The command line as users see it: without the hidden `manpages`
/// command, which is for packaging only.
pub fn public_command() -> clap::Command {
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

    #[test]
    fn every_visible_command_ends_its_long_help_with_its_exit_statuses() {
        for command in public_command().get_subcommands() {
            let help = command
                .get_after_long_help()
                .map(ToString::to_string)
                .unwrap_or_default();
            assert!(
                help.starts_with("Exit status:\n  0  "),
                "{}: {help}",
                command.get_name()
            );
        }
    }
}
