//! What a run renders (a [`Source`] of units) and what it would change
//! below the output directory ([`Change`]), and what a commit did
//! ([`Summary`]).

use std::path::{Path, PathBuf};

use crate::render::{RenderError, Tree};

/// The files a run writes, unit by unit: a unit is one host's or
/// director's files, all below the folder named after it. A run renders,
/// compares and writes a batch of units at a time, in parallel, and keeps
/// no unit's contents longer than that.
pub trait Source: Sync {
    /// How many units there are.
    fn units(&self) -> usize;
    /// Whether unit `unit` is written (a `--host` selection); the others
    /// are rendered only for their errors.
    fn selected(&self, unit: usize) -> bool;
    /// The files of unit `unit`, in path order. The same unit always
    /// renders the same files.
    fn files(&self, unit: usize) -> Result<Tree, RenderError>;
}

/// A tree already in memory is a source of one unit per file.
impl Source for Tree {
    fn units(&self) -> usize {
        self.len()
    }

    fn selected(&self, _unit: usize) -> bool {
        true
    }

    fn files(&self, unit: usize) -> Result<Tree, RenderError> {
        Ok(self
            .iter()
            .nth(unit)
            .map(|(path, text)| (path.clone(), text.clone()))
            .into_iter()
            .collect())
    }
}

/// One difference between the output directory and the rendered tree.
/// New contents are not kept: they are rendered again, unit by unit, when
/// the transaction is committed or shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new file.
    Create {
        /// Below the output directory.
        path: PathBuf,
        /// The unit of the [`Source`] that renders it.
        unit: usize,
    },
    /// A file lvs-dr-gen wrote before, with other contents now.
    Update {
        /// Below the output directory.
        path: PathBuf,
        /// The unit of the [`Source`] that renders it.
        unit: usize,
        /// The contents on disk; kept by a read-only transaction only, for its diff.
        old: Vec<u8>,
    },
    /// A file lvs-dr-gen wrote before that the inventory no longer produces.
    Remove {
        /// Below the output directory.
        path: PathBuf,
        /// The contents on disk; kept by a read-only transaction only, for its diff.
        old: Vec<u8>,
    },
    /// A temp file of an interrupted run, in a folder lvs-dr-gen manages.
    Leftover {
        /// Below the output directory.
        path: PathBuf,
    },
}

impl Change {
    /// The file's path below the output directory.
    pub fn path(&self) -> &Path {
        match self {
            Change::Create { path, .. }
            | Change::Update { path, .. }
            | Change::Remove { path, .. }
            | Change::Leftover { path } => path,
        }
    }

    /// The unit that renders the file's new contents, if it has any.
    pub(super) fn unit(&self) -> Option<usize> {
        match self {
            Change::Create { unit, .. } | Change::Update { unit, .. } => Some(*unit),
            Change::Remove { .. } | Change::Leftover { .. } => None,
        }
    }
}

/// What committing a transaction did, for the summary line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files created or updated.
    pub written: usize,
    /// Files already up to date.
    pub unchanged: usize,
    /// Files removed.
    pub removed: usize,
    /// Temp files of interrupted runs removed.
    pub leftovers: usize,
}
