//! One cluster of a site: its inventory read, parsed and validated by the
//! same code as `validate` (its problems on its own file and line), and
//! what the checks across clusters need of it (its segment, its text to
//! place their problems in).

use std::fs;
use std::path::{Path, PathBuf};

use ipnet::IpNet;

use super::file::{entry_path, ClusterEntry, ClusterName};
use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::validate::model::Inventory;
use crate::values::Segment;

/// One cluster of a site: its validated inventory and where its files go.
#[derive(Debug)]
pub struct Cluster {
    /// Its name in the site file.
    pub name: String,
    /// Its inventory file, as shown in messages: the site file's folder
    /// joined to the path the site file gives.
    pub inventory: PathBuf,
    /// Its output folder, the same way.
    pub out: PathBuf,
    /// The validated inventory.
    pub model: Inventory,
    /// The segment the inventory declares (`segment`), one prefix per
    /// family at most; empty when it declares none.
    pub segment: Vec<IpNet>,
    /// The inventory's text, to place the problems found across clusters.
    pub text: String,
}

impl Cluster {
    /// The inventory file's name as problems give it.
    pub fn file(&self) -> String {
        self.inventory.display().to_string()
    }
}

/// One cluster's inventory, read.
pub(super) enum Loaded {
    /// Valid.
    Valid(Box<Cluster>),
    /// Not read: a problem of the site file, on the cluster's `inventory`.
    Unreadable(Diagnostic),
    /// Its problems, placed in its own file.
    Invalid(Vec<Diagnostic>),
}

/// Reads, parses and validates one cluster's inventory.
pub(super) fn load_cluster(
    site_file: &str,
    folder: &Path,
    name: &ClusterName,
    entry: &ClusterEntry,
) -> Loaded {
    let inventory = folder.join(entry.inventory.get());
    let shown = inventory.display().to_string();
    let text = match fs::read_to_string(&inventory) {
        Ok(text) => text,
        Err(error) => {
            return Loaded::Unreadable(Diagnostic::at_path(
                site_file,
                Code::ClusterInventoryUnreadable,
                entry_path(name, "inventory"),
                format!("cannot read {shown}: {error}"),
            ))
        }
    };
    let raw = match crate::inventory::parse(&shown, &text) {
        Ok(raw) => raw,
        Err(problem) => return Loaded::Invalid(vec![*problem]),
    };
    let model = match crate::validate::validate(&shown, &raw) {
        Ok(model) => model,
        Err(mut problems) => {
            crate::inventory::locate(&text, &mut problems);
            return Loaded::Invalid(problems);
        }
    };
    let segment = raw.segment.iter().map(Segment::get).collect();
    drop(raw);
    Loaded::Valid(Box::new(Cluster {
        name: name.to_string(),
        inventory,
        out: folder.join(entry.out.get()),
        model,
        segment,
        text,
    }))
}
