//! What can go wrong below the output directory, and whether a run reads
//! or writes there.

use std::path::PathBuf;

use crate::code::Code;
use crate::outdir::ConfinedError;
use crate::render::RenderError;

/// The manifest's file name, at the top of the output directory.
pub const MANIFEST_NAME: &str = ".lvs-dr-gen-manifest";

/// Why the output directory could not be read or written or written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file system operation failed, or met a link or a special file.
    #[error(transparent)]
    Confined(#[from] ConfinedError),
    /// Files in the way that lvs-dr-gen did not write.
    #[error("{} not written by lvs-dr-gen (not in {MANIFEST_NAME}); move {} away or choose another output directory:\n{}",
        if .paths.len() == 1 { "this file is" } else { "these files are" },
        if .paths.len() == 1 { "it" } else { "them" },
        .paths.iter().map(|p| format!("  {}", p.display())).collect::<Vec<_>>().join("\n"))]
    Foreign {
        /// The files, below the output directory.
        paths: Vec<PathBuf>,
    },
    /// A template that failed to render; reported before any problem of
    /// the output directory, and with nothing written.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A manifest line that is not a safe relative path.
    #[error("{MANIFEST_NAME}: line {line} is not a path below the output directory; restore the file or delete the line")]
    CorruptManifest {
        /// The line number, from 1.
        line: usize,
    },
}

/// Whether a run only looks (`check`) or writes (`render`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only; shares the lock with other readers.
    Read,
    /// Creates the output directory if needed; holds the lock alone.
    Write,
}

impl OutputError {
    /// The stable name of this kind of error in JSON diagnostics
    /// (doc/diagnostics.md, "JSON diagnostics"); each new kind gets its own.
    pub fn code(&self) -> Code {
        match self {
            OutputError::Confined(ConfinedError::Io { .. }) => Code::OutputIo,
            OutputError::Confined(ConfinedError::Refused { .. }) => Code::OutputNotARegularFile,
            OutputError::Foreign { .. } => Code::OutputForeignFile,
            OutputError::CorruptManifest { .. } => Code::OutputCorruptManifest,
            OutputError::Render(error) => error.code(),
        }
    }
}
