//! The golden cases, one named test each: `golden::<case>` for every
//! folder under golden/ (render, `render.rs`), `plan::<case>` for every
//! folder under golden/plan/ (`plan.rs`), `site::<case>` for every folder
//! under golden/site/ (`site.rs`) and `import::<case>` for every
//! configuration of the import corpus, tests/import/corpus/ (`import.rs`). A failure names its case, shows
//! every mismatch of it as a diff, and the other cases still run;
//! `cargo test -- article` runs the cases whose name holds `article`.
//!
//! A custom harness (libtest-mimic: the options and output of the built-in
//! one) lists the cases at run time, so a new folder is a new test. Every
//! folder is a case: one without its input files fails, named, rather than
//! being skipped; and each kind checks it has a minimum number of cases,
//! so that a wrong root cannot pass with none. `controls.rs` checks that
//! the comparison catches a change of each kind (`controls::<what>`).
//!
//! `UPDATE_GOLDEN=1 cargo test` rewrites each case's expectations from the
//! current output, for review with `git diff`; it is refused when `CI` is set.

mod controls;
mod import;
mod plan;
mod render;
mod site;
#[allow(
    dead_code,
    unused_imports,
    reason = "shared with the integration tests; the golden cases use part of it"
)]
#[path = "../support/mod.rs"]
mod support;

use std::fs;
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let arguments = Arguments::from_args();
    let mut trials = render::trials();
    trials.extend(plan::trials());
    trials.extend(site::trials());
    trials.extend(import::trials());
    trials.extend(controls::trials());
    libtest_mimic::run(&arguments, trials).exit();
}

/// One kind of golden case: its name (the first part of its tests' names),
/// the folder that holds its cases, the files each case must have, and how
/// many cases there must be at least.
#[derive(Clone, Copy)]
struct Kind {
    name: &'static str,
    root: &'static str,
    inputs: &'static [&'static str],
    at_least: usize,
    /// Folders in `root` that are not cases of this kind.
    not_cases: &'static [&'static str],
}

impl Kind {
    /// A test per folder of the kind's root, named `<kind>::<folder>`, which
    /// runs `check` on the folder once its inputs are there; and one,
    /// `<kind>::at-least-<n>-cases`, that counts them.
    fn trials(self, check: fn(&Path) -> Result<(), String>) -> Vec<Trial> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(self.root);
        let folders = self.folders(&root);
        let (count, at_least, root_name) = (folders.len(), self.at_least, self.root);
        let mut trials = vec![Trial::test(
            format!("{}::at-least-{at_least}-cases", self.name),
            move || {
                if count >= at_least {
                    Ok(())
                } else {
                    Err(
                        format!("{root_name}/ has only {count} cases, not {at_least} or more")
                            .into(),
                    )
                }
            },
        )];
        for (name, dir) in folders {
            trials.push(Trial::test(format!("{}::{name}", self.name), move || {
                self.run_case(&name, &dir, check)
            }));
        }
        trials
    }

    /// Runs `check` on the case `name` in `dir` once its inputs are there;
    /// a folder without them fails, named.
    fn run_case(
        self,
        name: &str,
        dir: &Path,
        check: fn(&Path) -> Result<(), String>,
    ) -> Result<(), Failed> {
        let shown = format!("{}/{name}", self.root);
        let missing: Vec<&str> = self
            .inputs
            .iter()
            .copied()
            .filter(|input| !dir.join(input).is_file())
            .collect();
        if !missing.is_empty() {
            return Err(Failed::from(format!(
                "{shown} has no {}: every folder of {}/ is a case; add the missing file, or \
                 move the folder out",
                missing.join(" or "),
                self.root
            )));
        }
        check(dir).map_err(|problems| Failed::from(format!("{shown}:\n{problems}")))
    }

    /// Every folder of `root` but the `not_cases`, by name, sorted.
    fn folders(&self, root: &Path) -> Vec<(String, PathBuf)> {
        let entries =
            fs::read_dir(root).unwrap_or_else(|error| panic!("{}: {error}", root.display()));
        let mut folders: Vec<(String, PathBuf)> = entries
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.is_dir())
            .map(|path| {
                let name = path
                    .file_name()
                    .expect("a name")
                    .to_string_lossy()
                    .into_owned();
                (name, path)
            })
            .filter(|(name, _)| !self.not_cases.contains(&name.as_str()))
            .collect();
        folders.sort();
        folders
    }
}

/// Reads a committed expectation.
fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A run's problems as the test's failure, none as its success.
fn verdict(problems: &[String]) -> Result<(), String> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n(UPDATE_GOLDEN=1 cargo test rewrites the expectations, for review)",
            problems.join("\n")
        ))
    }
}
