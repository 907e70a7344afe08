//! The arguments each command takes (clap `Args`), the formats it can
//! report in, and how `--color` is decided.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::rollout;

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
    #[arg(long, value_name = "SHARE", default_value_t = rollout::DEFAULT_SHARE, value_parser = rollout::parse_share)]
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
