//! The import corpus (tests/import/corpus/CASE): each case's directors'
//! roots (`directors/NAME/etc/keepalived/…`) and its `args`, and the run
//! of `import` on it that the golden case and the import tests share.

use std::fs;
use std::path::{Path, PathBuf};

use super::lvs_dr_gen;

/// The corpus cases, sorted.
pub fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import/corpus");
    let mut cases: Vec<PathBuf> = fs::read_dir(&root)
        .expect("tests/import/corpus exists")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.join("args").exists())
        .collect();
    cases.sort();
    cases
}

/// The arguments of a case: its `args` file's words (comments aside), then
/// `--director NAME=directors/NAME` for each director, sorted.
pub fn arguments(case: &Path) -> Vec<String> {
    let mut args = vec!["import".to_owned()];
    let written = fs::read_to_string(case.join("args")).expect("args");
    for line in written.lines().filter(|line| !line.starts_with('#')) {
        args.extend(line.split_whitespace().map(str::to_owned));
    }
    let mut directors: Vec<String> = fs::read_dir(case.join("directors"))
        .expect("directors/")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    directors.sort();
    for name in directors {
        args.push("--director".into());
        args.push(format!("{name}=directors/{name}"));
    }
    args
}

/// The run's outputs, each with the file of `expected/` it is compared
/// with: the inventory, the report, the exit status.
pub fn run(case: &Path) -> [(String, String); 3] {
    let output = lvs_dr_gen(arguments(case)).dir(case).output();
    let status = output
        .status
        .code()
        .map_or("signal".into(), |code| code.to_string());
    [
        ("inventory.yaml".into(), output.stdout),
        ("report".into(), output.stderr),
        ("status".into(), format!("{status}\n")),
    ]
}
