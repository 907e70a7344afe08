//! The import cases: each folder of tests/import/corpus/ holds the
//! directors' roots and the arguments of `lvs-dr-gen import`, and
//! `expected/` the exact inventory, report and exit status it gives.
//! import itself renders each inventory and compares what keepalived would
//! do with it with the original (less the parts it reports), so a case
//! that passes here was also proven that way.

use std::fs;
use std::path::Path;

use libtest_mimic::Trial;

use crate::support::{corpus, diff, updating};
use crate::{verdict, Kind};

/// The import cases: every folder of tests/import/corpus/.
pub const KIND: Kind = Kind {
    name: "import",
    root: "tests/import/corpus",
    inputs: &["args"],
    at_least: 10,
    not_cases: &[],
};

/// A test per case.
pub fn trials() -> Vec<Trial> {
    KIND.trials(check)
}

/// Runs one case; compares, or rewrites the expectations with
/// `UPDATE_GOLDEN=1`.
pub fn check(case: &Path) -> Result<(), String> {
    let mut problems = Vec::new();
    for (file, actual) in corpus::run(case) {
        let path = case.join("expected").join(&file);
        if updating() {
            fs::create_dir_all(path.parent().expect("parent")).expect("expected/");
            fs::write(&path, &actual).expect("write expectation");
            continue;
        }
        let expected = fs::read_to_string(&path).unwrap_or_default();
        if expected != actual {
            problems.push(diff(&expected, &actual, &format!("expected/{file}")));
        }
    }
    verdict(&problems)
}
