//! A site: several clusters, each an ordinary inventory file, listed in one
//! site file and checked together (doc/sites.md says why several files and
//! not several clusters in one inventory).
//!
//! Loading a site reads the site file (`file`), then every cluster's
//! inventory through the same parser and rules as `validate`, then checks
//! across the clusters that are valid (`cross`): a VIP, an address or a
//! machine name in two clusters, two clusters whose directors may share a
//! segment and use one `virtual_router_id` (`routers`), two output folders
//! that collide. Every problem of every file is reported at once, each on
//! its own file and line. The `site` commands (`commands::site`) then run
//! `validate`, `render`, `check` or `plan` per cluster; their outcome is
//! `outcome::SiteRun`. Nothing here writes, and nothing is read but the
//! site file and the inventories it names.

mod cluster;
pub mod cross;
pub mod file;
pub mod routers;

pub use cluster::Cluster;

use std::fs;
use std::path::Path;

use rayon::prelude::*;

use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::yaml::InventoryPath;
use cluster::{load_cluster, Loaded};
use file::{entry_path, ClusterEntry, ClusterName, SiteFile};

/// A site whose files are all valid and whose clusters pass the checks
/// across them.
#[derive(Debug)]
pub struct Site {
    /// The site file, as given.
    pub file: String,
    /// The clusters, in the site file's order.
    pub clusters: Vec<Cluster>,
}

/// Why a site could not be loaded.
#[derive(Debug)]
pub enum SiteError {
    /// The site file itself cannot be read: what to say.
    Unreadable {
        /// The site file, as given.
        file: String,
        /// Why, in words.
        message: String,
    },
    /// Problems of the site file or its inventories, each on its own file.
    Invalid {
        /// The site file, as given.
        file: String,
        /// Every problem, the site file's first, then each cluster's.
        problems: Vec<Diagnostic>,
    },
}

/// Reads the site file at `path` and every cluster's inventory, and checks
/// them all; every problem of every file at once.
pub fn load(path: &Path) -> Result<Site, SiteError> {
    let file = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|error| SiteError::Unreadable {
        file: file.clone(),
        message: format!("cannot read site file {file}: {error}"),
    })?;
    let invalid = |problems| SiteError::Invalid {
        file: file.clone(),
        problems,
    };
    let parsed = file::parse(&file, &text).map_err(|problem| invalid(vec![*problem]))?;
    let folder = path.parent().unwrap_or(Path::new(""));
    let mut problems = site_rules(&file, &parsed);
    let twice = named_before(&parsed);
    let loaded: Vec<Loaded> = parsed
        .clusters
        .0
        .par_iter()
        .zip(&twice)
        .filter(|(_, twice)| !**twice)
        .map(|((name, entry), _)| load_cluster(&file, folder, name, entry))
        .collect();
    let mut clusters = Vec::new();
    let mut cluster_problems = Vec::new();
    for loaded in loaded {
        match loaded {
            Loaded::Valid(cluster) => clusters.push(*cluster),
            Loaded::Unreadable(problem) => problems.push(problem),
            Loaded::Invalid(found) => cluster_problems.extend(found),
        }
    }
    crate::inventory::locate(&text, &mut problems);
    problems.extend(cluster_problems);
    problems.extend(cross::check(&clusters));
    if problems.is_empty() {
        Ok(Site { file, clusters })
    } else {
        Err(invalid(problems))
    }
}

/// The site file's own rules, unplaced: at least one cluster, no inventory
/// named twice, no output folder that collides with another.
fn site_rules(file: &str, site: &SiteFile) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    if site.clusters.0.is_empty() {
        problems.push(
            Diagnostic::at_path(
                file,
                Code::SiteWithoutClusters,
                InventoryPath::at("clusters"),
                "the site lists no cluster: add one under `clusters`, such as \
                 `east: {inventory: east/inventory.yaml, out: east/rendered}`",
            )
            .within(InventoryPath::root()),
        );
    }
    let entries = &site.clusters.0;
    for (index, (name, entry)) in entries.iter().enumerate() {
        let earlier = entries[..index]
            .iter()
            .find(|(_, other)| other.inventory.folded() == entry.inventory.folded());
        if let Some((first, _)) = earlier {
            problems.push(
                Diagnostic::at_path(
                    file,
                    Code::ClusterInventoryTwice,
                    entry_path(name, "inventory"),
                    format!(
                        "cluster `{first}` names the same inventory: a cluster is one \
                         inventory file, and one inventory is one cluster; remove one of \
                         them or name another file"
                    ),
                )
                .also(entry_path(first, "inventory")),
            );
        }
        if let Some(problem) = output_collision(file, entries, index) {
            problems.push(problem);
        }
    }
    problems
}

/// Which clusters name an inventory an earlier one names (they are not
/// loaded: the one problem says it).
fn named_before(site: &SiteFile) -> Vec<bool> {
    let entries = &site.clusters.0;
    (0..entries.len())
        .map(|index| {
            entries[..index]
                .iter()
                .any(|(_, other)| other.inventory.folded() == entries[index].1.inventory.folded())
        })
        .collect()
}

/// The problem of cluster `index`'s output folder with an earlier
/// cluster's: the same folder, or one inside the other.
fn output_collision(
    file: &str,
    entries: &[(ClusterName, ClusterEntry)],
    index: usize,
) -> Option<Diagnostic> {
    let (name, entry) = &entries[index];
    let out = entry.out.folded();
    entries[..index].iter().find_map(|(first, other)| {
        let theirs = other.out.folded();
        let how = if theirs == out {
            format!(
                "the same folder as cluster `{first}`'s: each cluster's render removes the \
                 files of its folder's manifest that its inventory no longer makes, so two \
                 clusters in one folder would remove each other's files"
            )
        } else if out.starts_with(&theirs) {
            format!(
                "inside cluster `{first}`'s output folder {}: its files would lie among \
                 `{first}`'s machine folders, and collide with one named like a folder of it",
                other.out.get().display()
            )
        } else if theirs.starts_with(&out) {
            format!(
                "holds cluster `{first}`'s output folder {}: `{first}`'s files would lie among \
                 this cluster's machine folders, and collide with one named like a folder of it",
                other.out.get().display()
            )
        } else {
            return None;
        };
        Some(
            Diagnostic::at_path(
                file,
                Code::ClusterOutputCollision,
                entry_path(name, "out"),
                format!("{how}; give each cluster a folder of its own, side by side"),
            )
            .also(entry_path(first, "out")),
        )
    })
}
