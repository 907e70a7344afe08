//! `site validate`, `site render`, `site check` and `site plan`: the site
//! loaded and checked as a whole (`crate::site`), then each cluster run as
//! its own command runs an inventory, so that a cluster's files, check and
//! plan are byte for byte those of `render`, `check` and `plan` on its
//! inventory.

use std::collections::BTreeSet;
use std::path::Path;

use super::render::{output_trouble, transaction};
use crate::cli::site::{SiteCheckArgs, SiteCommand, SiteOutputArgs, SitePlanArgs};
use crate::code::Code;
use crate::outcome::{
    Checked, ClusterOutcome, ClusterRun, Failure, Invalid, Machines, Outcome, Planned, Rendered,
    SiteRun, Trouble, Validated,
};
use crate::output::{Access, Transaction};
use crate::report;
use crate::rollout;
use crate::site::{self, Cluster, Site, SiteError};

/// Runs a `site` command; its outcome and the format to report it in.
pub fn run(command: &SiteCommand) -> (Result<Outcome, Failure>, report::Format) {
    match command {
        SiteCommand::Validate { site, report } => (validate(site), report.format.into()),
        SiteCommand::Render(args) => (render(args), args.report.format.into()),
        SiteCommand::Check(args) => (check(args), args.output.report.format.into()),
        SiteCommand::Plan(args) => (plan(args), args.format.into()),
    }
}

/// Loads and checks the site at `path` (`writing`: the command would have
/// written files), its problems as the command's failure.
fn load(path: &Path, writing: bool) -> Result<Site, Failure> {
    site::load(path).map_err(|error| match error {
        SiteError::Unreadable { file, message } => {
            Trouble::coded(Code::InventoryUnreadable, file, message).into()
        }
        SiteError::Invalid { file, problems } => Failure::Invalid(Invalid {
            file,
            problems,
            writing,
        }),
    })
}

/// The outcome of a site whose clusters each ran.
fn ran(file: String, old: Option<String>, clusters: Vec<ClusterRun>) -> Outcome {
    Outcome::Site(Box::new(SiteRun {
        file,
        old,
        clusters,
    }))
}

/// `site validate`: each cluster's summary and warnings.
fn validate(path: &Path) -> Result<Outcome, Failure> {
    let site = load(path, false)?;
    let clusters = site
        .clusters
        .iter()
        .map(|cluster| {
            let file = cluster.file();
            let mut warnings = rollout::drained_warnings(&file, &cluster.model);
            crate::inventory::locate(&cluster.text, &mut warnings);
            ClusterRun {
                name: cluster.name.clone(),
                outcome: ClusterOutcome::Ran(Outcome::Validated(Validated {
                    file,
                    warnings,
                    machines: machines(cluster),
                    services: cluster.model.services.len(),
                })),
            }
        })
        .collect();
    Ok(ran(site.file, None, clusters))
}

/// A cluster's machines, as the summaries count them.
fn machines(cluster: &Cluster) -> Machines {
    Machines {
        hosts: cluster.model.hosts.len(),
        directors: cluster.model.directors.len(),
    }
}

/// The clusters' transactions, each with the cluster's name and folder.
type Transactions = Vec<(String, std::path::PathBuf, Prepared)>;

/// Every cluster's transaction with its output folder, prepared in the
/// site's order (each holding its folder's lock); the first trouble stops
/// them all, before anything is written.
fn prepare(args: &SiteOutputArgs, access: Access) -> Result<(String, Transactions), Failure> {
    let site = load(&args.site, access == Access::Write)?;
    let mut prepared = Vec::with_capacity(site.clusters.len());
    for cluster in site.clusters {
        let (name, out) = (cluster.name, cluster.out);
        let templates = args.templates.as_deref();
        let (transaction, machines) =
            transaction(cluster.model, &out, templates, BTreeSet::new(), access)
                .map_err(|failure| in_cluster(&name, failure))?;
        prepared.push((name, out, (transaction, machines)));
    }
    Ok((site.file, prepared))
}

/// A cluster's transaction and the machines it covers.
type Prepared = (Transaction<'static>, Machines);

/// A failure of one cluster's run, its message naming the cluster.
fn in_cluster(name: &str, failure: Failure) -> Failure {
    match failure {
        Failure::Trouble(trouble) => Failure::Trouble(Trouble {
            message: format!("cluster `{name}`: {}", trouble.message),
            problems: trouble.problems,
        }),
        invalid @ Failure::Invalid(_) => invalid,
    }
}

/// `site render`: every cluster's folder brought in sync, one after the
/// other, once every cluster is valid and every folder prepared.
fn render(args: &SiteOutputArgs) -> Result<Outcome, Failure> {
    let (file, prepared) = prepare(args, Access::Write)?;
    let mut clusters = Vec::with_capacity(prepared.len());
    let mut written: Vec<String> = Vec::new();
    for (name, out, (transaction, machines)) in prepared {
        let summary = transaction.commit().map_err(|error| {
            let trouble = output_trouble(&out, &error);
            let before = match written.as_slice() {
                [] => "no cluster's files were written".to_owned(),
                done => format!("the files of {} were written", done.join(", ")),
            };
            Failure::Trouble(Trouble {
                message: format!("cluster `{name}`: {}; {before}", trouble.message),
                problems: trouble.problems,
            })
        })?;
        written.push(format!("`{name}`"));
        clusters.push(ClusterRun {
            name,
            outcome: ClusterOutcome::Ran(Outcome::Rendered(Rendered { machines, summary })),
        });
    }
    Ok(ran(file, None, clusters))
}

/// `site check`: what `site render` would change in every cluster's folder.
fn check(args: &SiteCheckArgs) -> Result<Outcome, Failure> {
    let (file, prepared) = prepare(&args.output, Access::Read)?;
    let color = args.color.enabled();
    let clusters = prepared
        .into_iter()
        .map(|(name, out, (transaction, _))| ClusterRun {
            name,
            outcome: ClusterOutcome::Ran(Outcome::Checked(Box::new(Checked {
                out,
                transaction,
                color,
            }))),
        })
        .collect();
    Ok(ran(file, None, clusters))
}

/// `site plan`: both sites loaded and checked, then each cluster of NEW
/// planned from the cluster of OLD with its name; the clusters only one of
/// them has, named.
fn plan(args: &SitePlanArgs) -> Result<Outcome, Failure> {
    let before = load(&args.old, false)?;
    let after = load(&args.new, false)?;
    let rules = rollout::Rules {
        capacity_share: args.capacity_share,
    };
    let mut old_clusters: Vec<Option<Cluster>> = before.clusters.into_iter().map(Some).collect();
    let mut clusters = Vec::new();
    for cluster in after.clusters {
        let old = old_clusters
            .iter_mut()
            .find(|old| old.as_ref().is_some_and(|old| old.name == cluster.name))
            .and_then(Option::take);
        let outcome = match old {
            Some(old) => ClusterOutcome::Ran(Outcome::Planned(Box::new(Planned {
                old: old.file(),
                new: cluster.file(),
                plan: rollout::plan(&old.model, &cluster.model, rules),
                before: old.model,
                after: cluster.model,
            }))),
            None => ClusterOutcome::Added(cluster.file()),
        };
        clusters.push(ClusterRun {
            name: cluster.name,
            outcome,
        });
    }
    clusters.extend(old_clusters.into_iter().flatten().map(|old| ClusterRun {
        outcome: ClusterOutcome::Removed(old.file()),
        name: old.name,
    }));
    Ok(ran(after.file, Some(before.file), clusters))
}
