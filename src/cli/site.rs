//! The `site` commands' definitions: `validate`, `render`, `check` and
//! `plan` over every cluster of a site file at once, with the checks
//! across clusters (`crate::site`); `commands::site` runs them.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::args::{ColorArgs, PlanFormat, ReportArgs};
use crate::{exit, rollout};

/// The long help's paragraph on the site file, shared by the commands.
pub const SITE_FILE: &str = "\
A site file lists the clusters, each an ordinary inventory file and the folder its files are \
rendered to, both relative to the site file's folder:

  version: 1
  clusters:
    east: {inventory: east/inventory.yaml, out: east/rendered}
    west: {inventory: west/inventory.yaml, out: west/rendered}

Besides every cluster's own rules, the clusters are checked together: a VIP in two clusters, a \
host's or director's address in two clusters (or one's VIP the other's address), a machine name \
in two clusters, two clusters whose directors may share a segment with one virtual_router_id in \
one address family, or one connection sync id (both declare overlapping segments, one's \
directors are in the other's, or neither declares one), an inventory named twice, and output \
folders that are the same or one inside the other. Every problem of every file is reported at \
once, each on its file, line and column.";

/// `site check`'s `--format` help: JSON reports the files out of sync too.
const CHECK_FORMAT_HELP: &str = "How to report problems: `text` on standard error for people, \
    or `json`: one JSON object per problem and line on standard output, and one per file out \
    of sync in any cluster's folder, for CI; see the README.";

/// The `site` commands.
#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Check every cluster's inventory and the clusters together, reporting
    /// every problem.
    #[command(
        long_about = format!("Check every cluster's inventory and the clusters together, \
            reporting every problem.\n\n{SITE_FILE}"),
        after_long_help = exit::help("site-validate")
    )]
    Validate {
        /// The site file (YAML).
        site: PathBuf,
        /// How problems are reported.
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Write every cluster's files below its output folder, safely.
    #[command(
        long_about = format!("Write every cluster's files below its output folder, safely.\n\n\
            Each cluster's folder is written as `render INVENTORY --out OUT` writes it \
            (atomically, only files that change, removing those the inventory no longer \
            makes). Nothing is written when any file of the site has a problem or any \
            output folder is in the way.\n\n{SITE_FILE}"),
        after_long_help = exit::help("site-render")
    )]
    Render(SiteOutputArgs),
    /// Show what `site render` would change in every cluster's folder, as a
    /// unified diff; write nothing.
    #[command(
        long_about = format!("Show what `site render` would change in every cluster's \
            folder, as a unified diff; write nothing.\n\n\
            The drift check of a site for CI: one run, every problem of every file, and an \
            exit status that says whether every cluster's folder is in sync.\n\n{SITE_FILE}"),
        after_long_help = exit::help("site-check"),
        mut_arg("format", |arg| arg.help(CHECK_FORMAT_HELP))
    )]
    Check(SiteCheckArgs),
    /// Show how to roll each cluster's change out, from the site OLD to the
    /// site NEW.
    #[command(
        long_about = format!("Show how to roll each cluster's change out, from the site \
            OLD to the site NEW.\n\n\
            Clusters are matched by name: a cluster in both is planned as `plan` plans its \
            two inventories (each read from its own site's folder); one only NEW has is a \
            first rollout, one only OLD has is named. In CI, OLD is the target branch's site \
            folder, unpacked elsewhere (`git archive`).\n\n{SITE_FILE}"),
        after_long_help = exit::help("site-plan")
    )]
    Plan(SitePlanArgs),
}

/// The arguments of `site render`.
#[derive(Debug, Args)]
pub struct SiteOutputArgs {
    /// The site file (YAML).
    pub site: PathBuf,
    /// A directory of templates that override the built-in ones by name,
    /// for every cluster.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// How problems are reported.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// The arguments of `site check`.
#[derive(Debug, Args)]
pub struct SiteCheckArgs {
    /// The site file and the templates.
    #[command(flatten)]
    pub output: SiteOutputArgs,
    /// Whether to colour the diff.
    #[command(flatten)]
    pub color: ColorArgs,
}

/// The arguments of `site plan`.
#[derive(Debug, Args)]
pub struct SitePlanArgs {
    /// The site file running now.
    pub old: PathBuf,
    /// The site file to roll out.
    pub new: PathBuf,
    /// What to print on standard output: `text`, `json` (one document, a
    /// plan per cluster) or `markdown` (one document for a merge request
    /// comment: a verdict per cluster, then each changed cluster's plan as
    /// long as the comment holds them). Problems go to standard error as
    /// text, or with `json` to standard output as JSON lines.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// The least share (0 to 1) of a service's serving weight that one
    /// rollout may leave serving; less is unsafe.
    #[arg(long, value_name = "SHARE", default_value_t = rollout::DEFAULT_SHARE, value_parser = rollout::parse_share)]
    pub capacity_share: f64,
}
