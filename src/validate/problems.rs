//! The problems validation finds, each a [`Diagnostic`] with its rule's
//! code and inventory path, gathered so that every one is reported at once.

use std::collections::HashSet;

use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::yaml::InventoryPath;

/// The problems found so far, each with its inventory path.
pub(super) struct Problems<'a> {
    pub(super) file: &'a str,
    pub(super) list: Vec<Diagnostic>,
}

impl Problems<'_> {
    /// Adds a problem; `code` names the rule (see `Diagnostic::code`).
    pub(super) fn add(
        &mut self,
        code: Code,
        path: impl Into<InventoryPath>,
        message: impl Into<String>,
    ) {
        self.list
            .push(Diagnostic::at_path(self.file, code, path.into(), message));
    }

    /// Adds a problem about two values: the one at `path` and the earlier
    /// one at `other` (a duplicate), both placed in the report.
    pub(super) fn add_pair(
        &mut self,
        code: Code,
        (path, other): (impl Into<InventoryPath>, impl Into<InventoryPath>),
        message: impl Into<String>,
    ) {
        self.list
            .push(Diagnostic::at_path(self.file, code, path.into(), message).also(other.into()));
    }

    /// Adds a problem about the key `path` that is not written: placed at
    /// the mapping `within` that should hold it, when that is written.
    pub(super) fn add_missing(
        &mut self,
        code: Code,
        (path, within): (impl Into<InventoryPath>, impl Into<InventoryPath>),
        message: impl Into<String>,
    ) {
        self.list
            .push(Diagnostic::at_path(self.file, code, path.into(), message).within(within.into()));
    }

    /// A default inherited by many hosts is reported once, not once a host.
    pub(super) fn into_unique(self) -> Vec<Diagnostic> {
        let mut seen = HashSet::with_capacity(self.list.len());
        let first: Vec<bool> = self
            .list
            .iter()
            .map(|problem| seen.insert(problem))
            .collect();
        self.list
            .into_iter()
            .zip(first)
            .filter_map(|(problem, first)| first.then_some(problem))
            .collect()
    }
}
