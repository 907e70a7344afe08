//! `diff`: one machine's rendered files against those installed below
//! `--root`, and what else there would configure its VIPs: what adopting
//! lvs-dr-gen on a machine set up by hand would change. Read-only.

use std::collections::{BTreeMap, BTreeSet};

use crate::cli::DiffArgs;
use crate::diff;
use crate::live::{self, FileState};
use crate::outcome::{Diffed, Failure, Outcome, Trouble};

/// `diff`: reads the machine's files (and on a real server the other
/// ifupdown, sysctl and module files) and compares them.
pub fn run(args: &DiffArgs) -> Result<Outcome, Failure> {
    let model = super::setup::load(&args.machine.inventory, false)?;
    let machine = super::setup::machine(&model, &args.machine, None, Trouble::message)?;
    let root = live::Root::open(&args.machine.root).map_err(|error| {
        Trouble::message(format!(
            "--root {}: {error}; give the directory the machine's files are below",
            args.machine.root.display()
        ))
    })?;
    let mut found = BTreeMap::new();
    let mut listings = BTreeMap::new();
    for folder in diff::folders(&machine) {
        match root.list(&folder) {
            Ok(Some(names)) => {
                listings.insert(folder, names);
            }
            Ok(None) => {}
            Err(error) => {
                found.insert(folder, FileState::Unreadable(error.to_string()));
            }
        }
    }
    // A file reached by two paths (a link) is read once, by its first path.
    let mut seen = BTreeSet::new();
    for path in diff::wanted(&machine, &listings) {
        let first = root.identity(&path).is_none_or(|id| seen.insert(id));
        if first || machine.files.contains_key(&path) {
            let state = root.read(&path);
            found.insert(path, state);
        }
    }
    Ok(Outcome::Diffed(Box::new(Diffed {
        machine: machine.name().to_owned(),
        report: diff::compare(&machine, &found),
        color: args.color.enabled(),
    })))
}
