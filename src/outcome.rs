//! What a command ends with, as data: each command returns an [`Outcome`],
//! the reporter (`report`) prints it in the chosen format, and its exit
//! status follows from it ([`Outcome::status`]). Nothing here prints.

use std::path::PathBuf;

use crate::apply::HostActions;
use crate::code::Code;
use crate::deployed::Verdict;
use crate::diagnostic::Diagnostic;
use crate::diff;
use crate::exit::ExitStatus;
use crate::import::Import;
use crate::live::LiveState;
use crate::output::{Summary, Transaction};
use crate::rollout::RolloutPlan;
use crate::validate::model::Inventory;
use crate::verify::{self, Report};

/// How a command ended.
#[derive(Debug)]
pub enum Outcome {
    /// The inventory has problems; nothing was done.
    Invalid(Invalid),
    /// The command could not do its work, for a reason that is not the
    /// inventory's.
    Trouble(Trouble),
    /// `validate`: the inventory is valid.
    Validated(Validated),
    /// `render`: the output directory was brought in sync.
    Rendered(Rendered),
    /// `check`: how the output directory differs from the inventory.
    Checked(Box<Checked>),
    /// `init`: the starter inventory was written to a file.
    Initialized(PathBuf),
    /// `diff`: one machine's installed files against its rendered ones.
    Diffed(Box<Diffed>),
    /// `verify`: the checks of one machine.
    Verified(Report),
    /// `verify --print-state`: the live state, recorded.
    StateRecorded(Box<LiveState>),
    /// `apply`: what was done to the machine, and verify's report after.
    Applied(Box<Applied>),
    /// `plan`: the rollout from one inventory to another.
    Planned(Box<Planned>),
    /// `deployed`: what the machines' records say.
    Deployed(Deployed),
    /// `import`: the inventory of a running cluster.
    Imported(Box<Imported>),
    /// `site`: a command run over every cluster of a site.
    Site(Box<SiteRun>),
    /// A text for standard output as it is (`schema`, `completions`,
    /// `init -`).
    Printed(String),
    /// Done, with nothing to say (`manpages`).
    Done,
}

/// Why a command stopped before its work was done: the early ends that
/// commands pass up with `?`.
#[derive(Debug)]
pub enum Failure {
    /// The inventory has problems.
    Invalid(Invalid),
    /// Anything else.
    Trouble(Trouble),
}

impl From<Trouble> for Failure {
    fn from(trouble: Trouble) -> Self {
        Failure::Trouble(trouble)
    }
}

impl From<Failure> for Outcome {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Invalid(invalid) => Outcome::Invalid(invalid),
            Failure::Trouble(trouble) => Outcome::Trouble(trouble),
        }
    }
}

/// Problems found in an inventory.
#[derive(Debug)]
pub struct Invalid {
    /// The inventory file, as given.
    pub file: String,
    /// Every problem, in the order found.
    pub problems: Vec<Diagnostic>,
    /// Whether the command would have written files (the summary says that
    /// nothing was).
    pub writing: bool,
}

/// A failure that is not the inventory's: a sentence for people, and the
/// same as diagnostics for machines (one per file in the way, say).
#[derive(Debug)]
pub struct Trouble {
    /// What went wrong and how to fix it.
    pub message: String,
    /// The diagnostics of `--format json`.
    pub problems: Vec<Diagnostic>,
}

impl Trouble {
    /// A failure told by `message`, with no diagnostic (a command without
    /// `--format json`).
    pub fn message(message: impl Into<String>) -> Self {
        Trouble {
            message: message.into(),
            problems: Vec::new(),
        }
    }

    /// A failure told by `message`, also as one diagnostic of `code` about
    /// `file` (empty: none).
    pub fn coded(code: Code, file: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Trouble {
            problems: vec![Diagnostic::in_file(file, code, &message)],
            message,
        }
    }
}

/// What `validate` found in a valid inventory.
#[derive(Debug)]
pub struct Validated {
    /// The inventory file, as given.
    pub file: String,
    /// What is valid but likely unintended (every real server of a service
    /// drained).
    pub warnings: Vec<Diagnostic>,
    /// The machines it describes ("2 hosts, 2 directors").
    pub machines: Machines,
    /// How many services.
    pub services: usize,
}

/// A count of real servers and directors, as the summaries say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Machines {
    /// Real servers.
    pub hosts: usize,
    /// Directors.
    pub directors: usize,
}

/// What `render` did.
#[derive(Debug)]
pub struct Rendered {
    /// The machines rendered.
    pub machines: Machines,
    /// The files written, unchanged and removed.
    pub summary: Summary,
}

/// What `check` found.
#[derive(Debug)]
pub struct Checked {
    /// The output directory, as given.
    pub out: PathBuf,
    /// The changes `render` would make (holding the directory's lock).
    pub transaction: Transaction<'static>,
    /// Whether to colour the diff.
    pub color: bool,
}

/// What `diff` found.
#[derive(Debug)]
pub struct Diffed {
    /// The machine's name in the inventory.
    pub machine: String,
    /// The comparison.
    pub report: diff::Report,
    /// Whether to colour the diff.
    pub color: bool,
}

/// What `apply` did.
#[derive(Debug)]
pub struct Applied {
    /// Things to tell the operator, in the order found.
    pub notes: Vec<String>,
    /// The actions planned, `None` when apply stopped before planning.
    pub actions: Option<HostActions>,
    /// Whether the actions were only printed (`--dry-run`).
    pub dry_run: bool,
    /// verify's report after the actions, or why apply stopped.
    pub end: Result<Report, Trouble>,
}

/// What `plan` found.
#[derive(Debug)]
pub struct Planned {
    /// The inventory running now, as given.
    pub old: String,
    /// The inventory to roll out, as given.
    pub new: String,
    /// The rollout.
    pub plan: RolloutPlan,
    /// The inventory running now.
    pub before: Inventory,
    /// The inventory to roll out.
    pub after: Inventory,
}

/// What `import` made.
#[derive(Debug)]
pub struct Imported {
    /// The inventory and what it leaves out.
    pub import: Import,
    /// Where the inventory was written (`--output`); `None`: standard
    /// output.
    pub written_to: Option<PathBuf>,
}

/// What `deployed` found.
#[derive(Debug)]
pub struct Deployed {
    /// What the records say.
    pub verdict: Verdict,
    /// Where the agreed inventory was written (`--out`); `None`: it goes
    /// to standard output.
    pub written_to: Option<PathBuf>,
}

/// What a `site` command did, cluster by cluster.
#[derive(Debug)]
pub struct SiteRun {
    /// The site file, as given (for `plan`, the one to roll out).
    pub file: String,
    /// For `plan`: the site file running now, as given.
    pub old: Option<String>,
    /// Each cluster's outcome: the site file's order (for `plan`, the new
    /// site's clusters, then those only the old one has).
    pub clusters: Vec<ClusterRun>,
}

/// One cluster's part of a `site` command.
#[derive(Debug)]
pub struct ClusterRun {
    /// The cluster's name.
    pub name: String,
    /// What the command did there.
    pub outcome: ClusterOutcome,
}

/// What a `site` command did with one cluster.
#[derive(Debug)]
pub enum ClusterOutcome {
    /// The command's own outcome for the cluster's inventory (validated,
    /// rendered, checked, planned).
    Ran(Outcome),
    /// `plan`: a cluster only the new site has (its inventory, as shown):
    /// its first rollout installs every machine, with nothing to plan from.
    Added(String),
    /// `plan`: a cluster only the old site has (its inventory, as shown):
    /// nothing is planned for its machines.
    Removed(String),
}

impl SiteRun {
    /// The exit status: the gravest of the clusters' (for `check`, 1 when
    /// any is out of sync; for `plan`, 3 when any change is unsafe).
    pub fn status(&self) -> ExitStatus {
        self.clusters
            .iter()
            .map(|cluster| match &cluster.outcome {
                ClusterOutcome::Ran(outcome) => outcome.status(),
                ClusterOutcome::Added(_) | ClusterOutcome::Removed(_) => ExitStatus::Success,
            })
            .max()
            .unwrap_or(ExitStatus::Success)
    }
}

impl Outcome {
    /// The exit status this outcome gives.
    pub fn status(&self) -> ExitStatus {
        match self {
            Outcome::Invalid(_) | Outcome::Trouble(_) => ExitStatus::Trouble,
            Outcome::Checked(checked) if !checked.transaction.changes.is_empty() => {
                ExitStatus::Differences
            }
            Outcome::Diffed(diffed) if !diffed.report.unreadable.is_empty() => ExitStatus::Trouble,
            Outcome::Diffed(diffed) if diffed.report.differs() => ExitStatus::Differences,
            Outcome::Verified(report) => verdict(report),
            Outcome::Applied(applied) => match &applied.end {
                Ok(report) => verdict(report),
                Err(_) => ExitStatus::Trouble,
            },
            Outcome::Planned(planned) if !planned.plan.unsafe_changes.is_empty() => {
                ExitStatus::Unsafe
            }
            Outcome::Imported(imported) if !imported.import.complete() => ExitStatus::Differences,
            Outcome::Site(run) => run.status(),
            Outcome::Deployed(deployed) => match deployed.verdict {
                Verdict::Agreed { .. } => ExitStatus::Success,
                Verdict::Disagree(_) => ExitStatus::Differences,
                Verdict::FirstRollout { .. } => ExitStatus::NothingDeployed,
            },
            _ => ExitStatus::Success,
        }
    }
}

/// The exit status of a verify report: real servers down are the cluster
/// working as configured.
fn verdict(report: &Report) -> ExitStatus {
    match report.status() {
        verify::Status::Ok | verify::Status::Down => ExitStatus::Success,
        verify::Status::Drift => ExitStatus::Differences,
        verify::Status::Error => ExitStatus::Trouble,
    }
}
