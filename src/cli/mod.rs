//! The command line's definitions (clap): the commands, their arguments
//! and help texts, and nothing that runs them (`commands` does, `app`
//! ties the two). The man pages and completions are generated from these
//! definitions.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::exit;

mod args;
pub mod site;

pub use args::*;

/// Where a new user reads on: the end of the help of the program and of
/// the commands that read an inventory.
const SEE_ALSO: &str = "\
See also:
  man 5 lvs-dr-gen-inventory    the inventory format (doc/inventory.md in the source)
  lvs-dr-gen init               writes a commented starter inventory
  /usr/share/doc/lvs-dr-gen/examples/inventory.yaml    a full example";

/// The file `init` writes when given none.
const DEFAULT_INVENTORY: &str = "inventory.yaml";

/// `check`'s `--format` help: JSON reports the files out of sync too.
const CHECK_FORMAT_HELP: &str = "How to report problems: `text` on standard error for people, \
    or `json`: one JSON object per problem and line on standard output, and one per file out \
    of sync, for CI; see the README.";

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
    /// Validate, render, check or plan every cluster of a site at once,
    /// with the checks across clusters.
    ///
    /// A site is several clusters, each an inventory file of its own, listed
    /// in one site file; see each subcommand's help.
    #[command(subcommand, after_long_help = exit::help("site"))]
    Site(site::SiteCommand),
    /// Answer the directors' VIP-aware health checks on a real server.
    ///
    /// Serves `GET /vip/<ip>`: 200 `present` when this host carries the
    /// VIP as a host address (/32 or /128, not tentative, on an interface
    /// that is up) and, for an IPv4 VIP, every interface's effective
    /// `arp_ignore` is at least 1 and `arp_announce` at least 2; 503 with
    /// the reason otherwise. Reads the live system afresh for each request,
    /// as `verify` does; reads no inventory and needs no privilege. Started
    /// by systemd from lvs-dr-gen-agent.socket (rendered when the inventory
    /// has `vip_agent`), which passes the listening socket as standard
    /// input; or listening itself on `--listen`. Runs until stopped.
    #[command(after_long_help = exit::help("agent"))]
    Agent {
        /// Listen on this address and port (`10.0.0.11:9180`,
        /// `[2001:db8::11]:9180`) instead of the socket systemd passes.
        #[arg(long, value_name = "ADDR:PORT")]
        listen: Option<std::net::SocketAddr>,
    },
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

/// A command's exit statuses, then `after`: the end of its long help.
fn with_exit_status(command: &str, after: &str) -> String {
    format!("{}\n\n{after}", exit::help(command))
}
