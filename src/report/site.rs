//! What every format says of a `site` command alike: the site's own line
//! (how many clusters, and what the command found in them), the words for
//! a cluster that a site plan adds or retires, and whether every cluster's
//! rollout is safe. Each renderer prints the clusters' own outcomes as it
//! prints the commands' (`text`, `json`, `markdown`).

use crate::diagnostic::plural;
use crate::outcome::{ClusterOutcome, Outcome, SiteRun};

/// The site's line: how many clusters, and what the command found.
pub fn site_line(run: &SiteRun) -> String {
    let count = run.clusters.len();
    let clusters = format!("{count} cluster{}", plural(count));
    let file = &run.file;
    match run.clusters.first().map(|cluster| &cluster.outcome) {
        Some(ClusterOutcome::Ran(Outcome::Validated(_))) => {
            format!("{file}: {clusters} valid, checked together")
        }
        Some(ClusterOutcome::Ran(Outcome::Rendered(_))) => {
            format!("{file}: {clusters} rendered")
        }
        Some(ClusterOutcome::Ran(Outcome::Checked(_))) => match out_of_sync(run) {
            0 => format!("{file}: {clusters} in sync"),
            changed => format!(
                "{file}: {changed} of {clusters} out of sync; run `lvs-dr-gen site render \
                 {file}` to update"
            ),
        },
        _ => {
            let unsafe_count = run
                .clusters
                .iter()
                .filter(|cluster| unsafe_plan(&cluster.outcome))
                .count();
            let verdict = if unsafe_count == 0 {
                "every rollout is safe".to_owned()
            } else {
                format!(
                    "{unsafe_count} cluster{} with a change unsafe in one step",
                    plural(unsafe_count)
                )
            };
            let old = run.old.as_deref().unwrap_or_default();
            format!("{old} -> {file}: {clusters}, {verdict}")
        }
    }
}

/// How many clusters `site check` found out of sync.
fn out_of_sync(run: &SiteRun) -> usize {
    run.clusters
        .iter()
        .filter(|cluster| {
            matches!(&cluster.outcome, ClusterOutcome::Ran(Outcome::Checked(checked))
                if !checked.transaction.changes.is_empty())
        })
        .count()
}

/// Whether a cluster's outcome is a plan with a change unsafe in one step.
fn unsafe_plan(outcome: &ClusterOutcome) -> bool {
    matches!(outcome, ClusterOutcome::Ran(Outcome::Planned(planned))
        if !planned.plan.unsafe_changes.is_empty())
}

/// Whether every cluster's rollout of a `site plan` is safe.
pub fn all_safe(run: &SiteRun) -> bool {
    !run.clusters
        .iter()
        .any(|cluster| unsafe_plan(&cluster.outcome))
}

/// What a cluster new in the site means for its rollout.
pub fn added(inventory: &str) -> String {
    format!(
        "{inventory}: new in the site: nothing is deployed from it yet, so there is nothing to \
         plan from (its first rollout installs every machine)"
    )
}

/// What a cluster the site no longer lists means.
pub fn removed(inventory: &str) -> String {
    format!(
        "{inventory}: no longer in the site: nothing is planned for its machines (they keep \
         what they run; take them out of service on their own)"
    )
}
