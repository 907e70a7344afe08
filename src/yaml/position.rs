//! Places in the text: the reader's marks and the line and column that
//! errors and located paths are at. A leaf of the YAML layer: the reader,
//! the deserialiser, the errors and `locate` all place things with these.

use std::fmt;

/// A place in the text as the parser gives it: line and column from 0 (the
/// column in characters), and the byte offset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Mark {
    pub(super) index: u64,
    pub(super) line: u64,
    pub(super) column: u64,
}

impl Mark {
    /// Whether the parser placed this by line and column (its reader's
    /// errors have only a byte offset: line and column 0).
    pub(super) fn has_line(&self) -> bool {
        self.line != 0 || self.column != 0
    }
}

impl From<libyaml_safer::Mark> for Mark {
    fn from(mark: libyaml_safer::Mark) -> Self {
        Mark {
            index: mark.index,
            line: mark.line,
            column: mark.column,
        }
    }
}

/// `line L column C` (from 1), as `serde_yaml_ng` writes a place, or
/// `position N` for a place known only by its byte offset.
impl fmt::Display for Mark {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        if self.has_line() {
            write!(
                formatter,
                "line {} column {}",
                self.line + 1,
                self.column + 1
            )
        } else {
            write!(formatter, "position {}", self.index)
        }
    }
}

/// Where something is written: line and column, both from 1 (the column
/// in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub(super) line: usize,
    pub(super) column: usize,
}

impl From<Mark> for Location {
    fn from(mark: Mark) -> Self {
        let from_one = |count: u64| {
            usize::try_from(count)
                .unwrap_or(usize::MAX)
                .saturating_add(1)
        };
        Location {
            line: from_one(mark.line),
            column: from_one(mark.column),
        }
    }
}

impl Location {
    /// The line, from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column in characters, from 1.
    pub fn column(&self) -> usize {
        self.column
    }
}
