//! `init`: a commented starter inventory, to a new file or to standard
//! output.

use std::io;
use std::path::Path;

use crate::outcome::{Failure, Outcome, Trouble};
use crate::outdir::ConfinedError;
use crate::output;

/// The starter inventory `init` writes: a fixed text, documentation
/// addresses only.
const STARTER_INVENTORY: &str = include_str!("../../templates/starter-inventory.yaml");

/// `init`: writes the starter to `file`, which must not exist (`-`: to
/// standard output).
pub fn run(file: &Path) -> Result<Outcome, Failure> {
    if file == Path::new("-") {
        return Ok(Outcome::Printed(STARTER_INVENTORY.to_owned()));
    }
    let shown = file.display();
    output::write_new_file(file, STARTER_INVENTORY.as_bytes()).map_err(|error| {
        let reason = match &error {
            ConfinedError::Io { source, .. } if source.kind() == io::ErrorKind::AlreadyExists => {
                format!(
                    "{shown} exists, and init never overwrites a file: name another file, or \
                     `-` for standard output"
                )
            }
            ConfinedError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                format!("cannot write {shown}: its directory does not exist; create it first")
            }
            ConfinedError::Io { source, .. } => format!("cannot write {shown}: {source}"),
            ConfinedError::Refused { .. } => format!("cannot write {shown}: {error}"),
        };
        Trouble::message(reason)
    })?;
    Ok(Outcome::Initialized(file.to_path_buf()))
}
